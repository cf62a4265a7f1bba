package engine

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"alab/wasm/msg"
)

func shipped(t *testing.T, settings msg.Settings) *Start {
	t.Helper()
	pool, test := fixture(t)
	s, err := TrainStart(context.Background(), quick, pool, test, settings)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteStart(&buf, s); err != nil {
		t.Fatal(err)
	}
	back, err := ReadStart(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// A first visit with round 0 computed ahead of time shows exactly the batch it would have
// computed itself, says so, and a reload agrees.
func TestStartIsTheFirstRound(t *testing.T) {
	s := msg.Settings{Strategy: "margin", Batch: 6, PoolSubset: 200, Seed: 3}
	want, trained := firstBatch(t, quick, s)
	cfg := quick
	cfg.Start = shipped(t, s)
	got, e := firstBatch(t, cfg, s)
	if !slices.Equal(ids(got), ids(want)) {
		t.Fatalf("with round 0 shipped the first batch is %v, want %v", ids(got), ids(want))
	}
	for i := range got.Items {
		if g, w := got.Items[i], want.Items[i]; g.Score != w.Score || g.Pred != w.Pred {
			t.Errorf("item %d: score %v pred %d, want %v and %d", g.ID, g.Score, g.Pred, w.Score, w.Pred)
		}
	}
	if !slices.ContainsFunc(got.Notes, func(n string) bool { return strings.Contains(n, "first batch were computed when the page was built") }) {
		t.Errorf("notes %q do not say round 0 came with the page", got.Notes)
	}
	if len(want.Notes) != 0 {
		t.Errorf("a session that computed its own round 0 notes %q", want.Notes)
	}
	a1, _, _ := trained.Evaluate()
	a2, d, err := e.Evaluate()
	if err != nil || a1 != a2 {
		t.Errorf("accuracy with the shipped network %v (%v), want %v", a2, err, a1)
	}
	// The accuracy came with the page, so the evaluation timed nothing: the device's speed
	// (the unit of the cost models) is measured on a few test digits instead.
	if ms, err := e.PassMs(); d != 0 || err != nil || ms <= 0 || math.IsInf(ms, 0) {
		t.Errorf("shipped accuracy took %v to evaluate, one pass %v ms (%v): want 0 and a positive time", d, ms, err)
	}

	// A reload of that session uses it too: the same batch on screen and the same next one.
	pool, test := fixture(t)
	r, err := New(context.Background(), cfg, pool, test, s)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := r.Restore(context.Background(), msg.Init{Settings: s, Labels: got.Seeded, Round: 0})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(rb), ids(got)) {
		t.Errorf("restored first batch %v, want %v", ids(rb), ids(got))
	}
}

// Other settings with the same seed set use the shipped network but query their own batch;
// another seed set, or another training schedule, uses nothing shipped.
func TestStartOnlyWhereItMatches(t *testing.T) {
	s := msg.Settings{Strategy: "margin", Batch: 6, PoolSubset: 200, Seed: 3}
	start := shipped(t, s)
	cfg := quick
	cfg.Start = start

	s5 := s
	s5.Strategy = "entropy"
	want, _ := firstBatch(t, quick, s5)
	got, _ := firstBatch(t, cfg, s5)
	if !slices.Equal(ids(got), ids(want)) || len(got.Notes) != 1 || !strings.Contains(got.Notes[0], "network (20 seed digits, 20 training steps) was trained") {
		t.Errorf("entropy with margin's round 0: batch %v notes %q, want %v and a note on the network only", ids(got), got.Notes, ids(want))
	}

	s4 := s
	s4.Seed = 4
	want, _ = firstBatch(t, quick, s4)
	got, _ = firstBatch(t, cfg, s4)
	if !slices.Equal(ids(got), ids(want)) || len(got.Notes) != 0 {
		t.Errorf("seed 4 with seed 3's round 0: batch %v notes %q, want %v and no notes", ids(got), got.Notes, ids(want))
	}

	other := quick
	other.ColdSteps++
	other.Start = start
	if got, _ := firstBatch(t, other, s); len(got.Notes) != 0 {
		t.Errorf("a network of %d steps used for a session of %d: notes %q", start.ColdSteps, other.ColdSteps, got.Notes)
	}
}

func TestReadStartRejects(t *testing.T) {
	good := shipped(t, msg.Settings{Seed: 3})
	var buf bytes.Buffer
	if err := WriteStart(&buf, good); err != nil {
		t.Fatal(err)
	}
	whole := buf.String()
	bad := *good
	bad.Weights = bad.Weights[:len(bad.Weights)/2]
	var half bytes.Buffer
	if err := WriteStart(&half, &bad); err != nil {
		t.Fatal(err)
	}
	wrong := *good
	wrong.Arch = "gal"
	var arch bytes.Buffer
	if err := WriteStart(&arch, &wrong); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, in, want string }{
		{"truncated JSON", whole[:len(whole)/2], "first network"},
		{"not JSON", "<html>", "first network"},
		{"truncated weights", half.String(), "npz"},
		{"another architecture", arch.String(), `record says "gal"`},
	} {
		_, err := ReadStart(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}
