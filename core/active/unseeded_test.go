package active

import (
	"context"
	"math"
	"slices"
	"testing"
)

// An unseeded loop labels nothing up front: round 0 has no network and queries a random
// batch drawn from the seed, round 1 trains on its answers; a replay of its answers
// reaches the same batch.
func TestUnseededLoopStartsWithARandomBatch(t *testing.T) {
	cfg := quick("margin")
	cfg.Unseeded, cfg.Budget = true, 20
	pool, test := fixture(t)
	ctx := context.Background()
	run := func() (*Loop, []*Round) {
		l, err := New(ctx, cfg, pool, test, GroundTruth{pool})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(l.Pool().Labelled()); n != 0 || len(l.Initial()) != 0 {
			t.Fatalf("New labelled %d samples: want none", n)
		}
		var rounds []*Round
		for range 3 {
			r, err := l.Step(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rounds = append(rounds, r)
		}
		return l, rounds
	}
	_, a := run()
	_, b := run()
	if !slices.Equal(pickedIDs(a), pickedIDs(b)) {
		t.Fatalf("the same seed picked %v, then %v", pickedIDs(a), pickedIDs(b))
	}
	if a[0].Labelled != 0 || len(a[0].Picks) != cfg.Batch || !math.IsNaN(a[0].TestAccuracy) {
		t.Fatalf("round 0: %d labelled, %d picks, accuracy %v: want 0, %d, NaN", a[0].Labelled, len(a[0].Picks), a[0].TestAccuracy, cfg.Batch)
	}
	if a[1].Labelled != cfg.Batch || math.IsNaN(a[1].TestAccuracy) {
		t.Fatalf("round 1: %d labelled, accuracy %v: want %d and a measured accuracy", a[1].Labelled, a[1].TestAccuracy, cfg.Batch)
	}
	other := cfg
	other.Seed++
	l, err := New(ctx, other, pool, test, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Query(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(pickedIDs([]*Round{r}), pickedIDs(a[:1])) {
		t.Errorf("seeds %d and %d picked the same first batch", cfg.Seed, other.Seed)
	}

	var answers []Answer
	for i, rd := range a[:2] {
		for j, p := range rd.Picks {
			answers = append(answers, Answer{ID: p.ID, Label: int(rd.Labels[j]), Round: i + 1})
		}
	}
	re, err := New(ctx, cfg, pool, test, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := re.Replay(ctx, answers, 2, nil); err != nil {
		t.Fatal(err)
	}
	got, err := re.Query(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pickedIDs([]*Round{got}), pickedIDs(a[2:])) {
		t.Errorf("replayed round 2 picked %v: want %v", pickedIDs([]*Round{got}), pickedIDs(a[2:]))
	}
}
