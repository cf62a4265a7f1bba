package active

import (
	"context"
	"math"
	"slices"
	"testing"
)

func TestWilson(t *testing.T) {
	for _, c := range []struct {
		correct, n int
		low, high  float64
	}{{8, 10, 0.4902, 0.9433}, {0, 5, 0, 0.4345}, {5, 5, 0.5655, 1}, {50, 100, 0.4038, 0.5962}} {
		e := Wilson(c.correct, c.n)
		if math.Abs(e.Low-c.low) > 1e-4 || math.Abs(e.High-c.high) > 1e-4 || e.Accuracy != float64(c.correct)/float64(c.n) {
			t.Errorf("Wilson(%d, %d) = %+v: want [%v, %v]", c.correct, c.n, e, c.low, c.high)
		}
	}
	if e := Wilson(0, 0); e.Low != 0 || e.High != 1 || e.N != 0 {
		t.Errorf("Wilson(0, 0) = %+v: want nothing known, [0, 1]", e)
	}
}

// Every 5th label is held out: labelled, never trained on, and the accuracy on them is the
// network's, as measured on those samples; a replay holds out the same ones.
func TestHoldOut(t *testing.T) {
	ctx := context.Background()
	cfg := personConfig("margin")
	cfg.HoldOut = 5
	l := start(t, cfg)
	saved := initialAnswers(l)
	answers := 0
	for range 3 {
		r, err := l.Query(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := person(t, l, r.Picks)
		for _, a := range got {
			if a.Label != Unreadable {
				answers++
			}
		}
		saved = append(saved, got...)
		if err := l.Submit(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Query(ctx); err != nil {
		t.Fatal(err)
	}
	if len(l.held) != answers/5 || answers/5 == 0 {
		t.Fatalf("%d held out of %d answers: want every 5th", len(l.held), answers)
	}
	trained := l.labelledSet(l.Round())
	if want := len(l.Pool().Labelled()) - len(l.held); trained.N != want {
		t.Errorf("the network trains on %d labels: want %d (every label but the held-out)", trained.N, want)
	}
	for _, id := range l.held {
		if !l.Pool().IsLabelled(id) || slices.Contains(l.Candidates(), id) {
			t.Errorf("held-out sample %d: labelled %v, a candidate again %v", id, l.Pool().IsLabelled(id), slices.Contains(l.Candidates(), id))
		}
	}
	e, err := l.HeldOut()
	if err != nil || e.N != len(l.held) || e.Low > e.Accuracy || e.Accuracy > e.High || e.Correct > e.N {
		t.Fatalf("held-out estimate %+v (%v)", e, err)
	}

	back := start(t, cfg)
	if err := back.Replay(ctx, saved, 3, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.held, l.held) || !slices.Equal(back.Net().Params, l.Net().Params) {
		t.Errorf("the replay held out %v, the session %v (networks equal: %v)", back.held, l.held, slices.Equal(back.Net().Params, l.Net().Params))
	}

	cfg.HoldOut = 1
	if err := cfg.Validate(500); err == nil {
		t.Error("holding out every label: no error")
	}
}
