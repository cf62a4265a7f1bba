package engine

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"alab/wasm/msg"
)

// firstBatch runs a first visit's round 0 with cfg and settings s, as the worker does.
func firstBatch(t *testing.T, cfg Config, s msg.Settings) (*msg.Batch, *Engine) {
	t.Helper()
	pool, test := fixture(t)
	e, err := New(cfg, pool, test)
	if err != nil {
		t.Fatal(err)
	}
	seeded, err := e.SeedSet(s.WithDefaults().Seed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Query(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	b.Seeded = seeded // as the worker sends it
	return b, e
}

func shipped(t *testing.T, seed uint64) *Start {
	t.Helper()
	pool, test := fixture(t)
	s, err := TrainStart(context.Background(), quick, pool, test, seed)
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

// A first visit with the network trained ahead of time queries exactly the batch it would
// have queried after training that network itself, says so, and a reload agrees.
func TestStartIsTheTrainedFirstNetwork(t *testing.T) {
	s := msg.Settings{Strategy: "margin", Batch: 6, PoolSubset: 200, Seed: 3}
	want, trained := firstBatch(t, quick, s)
	cfg := quick
	cfg.Start = shipped(t, 3)
	got, e := firstBatch(t, cfg, s)
	if !slices.Equal(ids(got), ids(want)) {
		t.Fatalf("with the shipped network the first batch is %v, want %v", ids(got), ids(want))
	}
	if !slices.ContainsFunc(got.Notes, func(n string) bool { return strings.Contains(n, "trained when the page was built") }) {
		t.Errorf("notes %q do not say the first network came with the page", got.Notes)
	}
	if slices.ContainsFunc(want.Notes, func(n string) bool { return strings.Contains(n, "page was built") }) {
		t.Errorf("a session that trained its own network notes %q", want.Notes)
	}
	a1, _, _ := trained.Evaluate()
	if a2, _, err := e.Evaluate(); err != nil || a1 != a2 {
		t.Errorf("accuracy with the shipped network %v (%v), want %v", a2, err, a1)
	}

	// A reload of that session uses it too: the same batch on screen and the same next one.
	pool, test := fixture(t)
	r, err := New(cfg, pool, test)
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

// A shipped network for another seed set is not used: the session trains its own.
func TestStartOnlyWhereItMatches(t *testing.T) {
	s := msg.Settings{Strategy: "margin", Batch: 6, PoolSubset: 200, Seed: 4}
	want, _ := firstBatch(t, quick, s)
	cfg := quick
	cfg.Start = shipped(t, 3) // seed 3's seed set and weights
	got, _ := firstBatch(t, cfg, s)
	if !slices.Equal(ids(got), ids(want)) || len(got.Notes) != 0 {
		t.Errorf("seed 4 with seed 3's network: batch %v notes %q, want %v and no notes", ids(got), got.Notes, ids(want))
	}
	other := quick
	other.ColdSteps++
	other.Start = cfg.Start
	s.Seed = 3
	if got, _ := firstBatch(t, other, s); len(got.Notes) != 0 {
		t.Errorf("a network of %d steps used for a session of %d: notes %q", cfg.Start.ColdSteps, other.ColdSteps, got.Notes)
	}
}

func TestReadStartRejects(t *testing.T) {
	good := shipped(t, 3)
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
