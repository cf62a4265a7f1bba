package active

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"alab/core/query"
	"alab/core/train"
)

// personConfig is a browser-like session: a schedule with pre-training, no budget to speak
// of, a person answering.
func personConfig(strategy string) Config {
	cfg := quick(strategy)
	cfg.Budget = 400
	cfg.Train = Schedule{
		Cold: train.Config{Steps: 20, Batch: 16}, WarmStart: true, Pre: 4,
		Warm: train.Config{Steps: 5, Batch: 16},
	}
	return cfg
}

// start returns a loop of cfg over the fixture, its initial set labelled from ground truth.
func start(t *testing.T, cfg Config) *Loop {
	t.Helper()
	pool, test := fixture(t)
	l, err := New(context.Background(), cfg, pool, test, GroundTruth{pool})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// person answers a loop's batch from ground truth, taking every sample whose ID is a
// multiple of 7 out as unreadable.
func person(t *testing.T, l *Loop, picks []query.Pick) []Answer {
	t.Helper()
	var out []Answer
	for _, p := range picks {
		a := Answer{ID: p.ID, Label: int(l.Set().Labels[p.ID]), Round: l.Round() + 1}
		var err error
		if p.ID%7 == 0 {
			a.Label = Unreadable
			err = l.TakeOut(p.ID)
		} else {
			err = l.Answer(p.ID, uint8(a.Label))
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func initialAnswers(l *Loop) []Answer {
	var out []Answer
	for _, id := range l.Initial() {
		out = append(out, Answer{ID: id, Label: int(l.Pool().LabelOf(id))})
	}
	return out
}

// A person answering the ground truth through Query, Answer and Submit gets the batches a
// ground-truth oracle gets through Step.
func TestPersonIsAnOracleThatAnswersLater(t *testing.T) {
	pool, _ := fixture(t)
	ctx := context.Background()
	want := pickedIDs(runLoop(t, quick("margin")))
	l := start(t, quick("margin"))
	var got []int
	for {
		r, err := l.Query(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Picks) == 0 {
			break
		}
		again, err := l.Query(ctx)
		if err != nil || !slices.Equal(pickedIDs([]*Round{again}), pickedIDs([]*Round{r})) {
			t.Fatalf("a second query in round %d: %v, %v; want the same batch", r.Round, err, again)
		}
		for _, p := range r.Picks {
			got = append(got, p.ID)
			if err := l.Answer(p.ID, pool.Labels[p.ID]); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Submit(); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("a person's batches %v, a ground-truth oracle's %v", got, want)
	}
}

// Unreadable samples leave the pool; settings change between rounds.
func TestTakeOutAndSettings(t *testing.T) {
	ctx := context.Background()
	l := start(t, personConfig("least-confidence"))
	var out []int
	for round, batch := range []int{5, 3, 8} {
		if err := l.SetSettings(Settings{Strategy: "entropy", Batch: batch, PoolSubset: 100}); err != nil {
			t.Fatal(err)
		}
		r, err := l.Query(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Picks) != batch || r.Round != round || r.Candidates != 100 {
			t.Fatalf("round %d: %d picks of %d candidates, want %d of 100", r.Round, len(r.Picks), r.Candidates, batch)
		}
		for _, p := range r.Picks {
			if slices.Contains(out, p.ID) {
				t.Errorf("sample %d, taken out, queried again", p.ID)
			}
		}
		if err := l.TakeOut(r.Picks[0].ID); err != nil {
			t.Fatal(err)
		}
		out = append(out, r.Picks[0].ID)
		if err := l.Submit(); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range out {
		if l.Pool().IsLabelled(id) || slices.Contains(l.Pool().Unlabelled(), id) {
			t.Errorf("sample %d taken out but labelled or in the pool", id)
		}
		if err := l.Answer(id, 1); err == nil || !strings.Contains(err.Error(), "unreadable") {
			t.Errorf("answering a sample taken out: %v, want an error naming it unreadable", err)
		}
	}
	if err := l.SetSettings(Settings{Strategy: "psychic"}); err == nil {
		t.Error("an unknown strategy: no error")
	}
}

// A session rebuilt from its saved answers by Replay has the same network, bit for bit, the
// same batch on screen, and queries the same batches after it — whether or not the person's
// session pre-trained while the person labelled, and with settings changed between rounds.
func TestReplayIsExact(t *testing.T) {
	ctx := context.Background()
	for _, strategy := range []string{"margin", "bald", "coreset", "fgsm"} {
		cfg := personConfig(strategy)
		l := start(t, cfg)
		saved := initialAnswers(l)
		var r *Round
		var err error
		for round := range 3 {
			if round == 1 {
				s := cfg.Settings
				s.Batch, s.PoolSubset = 3, 80
				if err := l.SetSettings(s); err != nil {
					t.Fatal(err)
				}
			}
			if r, err = l.Query(ctx); err != nil {
				t.Fatal(err)
			}
			if round%2 == 0 {
				if _, err := l.Pretrain(ctx); err != nil {
					t.Fatal(err)
				}
			}
			saved = append(saved, person(t, l, r.Picks)...)
			if err := l.Submit(); err != nil {
				t.Fatal(err)
			}
		}
		if r, err = l.Query(ctx); err != nil {
			t.Fatal(err)
		}
		onScreen := pickedIDs([]*Round{r})

		cfg.Settings = l.Settings()
		back := start(t, cfg)
		if err := back.Replay(ctx, saved, 3, onScreen); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(back.Net().Params, l.Net().Params) {
			t.Errorf("%s: the replayed network differs from the session's", strategy)
		}
		rb, err := back.Query(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := pickedIDs([]*Round{rb}); !slices.Equal(got, onScreen) || !math.IsNaN(rb.Picks[0].Score) {
			t.Errorf("%s: replayed batch %v (score %v), want %v, unscored", strategy, got, rb.Picks[0].Score, onScreen)
		}
		for _, x := range []*Loop{l, back} {
			person(t, x, r.Picks)
			if err := x.Submit(); err != nil {
				t.Fatal(err)
			}
		}
		n1, err := l.Query(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n2, err := back.Query(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := pickedIDs([]*Round{n1}), pickedIDs([]*Round{n2}); !slices.Equal(a, b) || !slices.Equal(l.Net().Params, back.Net().Params) {
			t.Errorf("%s: after the replay the next batch is %v, without %v (or the networks differ)", strategy, b, a)
		}
	}
}

func TestReplayRefuses(t *testing.T) {
	pool, _ := fixture(t)
	ctx := context.Background()
	newLoop := func() *Loop { return start(t, personConfig("random")) }
	l := newLoop()
	init := initialAnswers(l)
	notInit := slices.Clone(init)
	notInit[0].ID = l.Pool().Unlabelled()[0]
	free := l.Pool().Unlabelled()[0]
	for _, c := range []struct {
		answers []Answer
		round   int
		pending []int
		want    string
	}{
		{notInit, 0, nil, "initial set"},
		{init, -1, nil, "round -1"},
		{init, 1 << 40, nil, "want 0 to"},
		{append(slices.Clone(init), Answer{ID: free, Label: 10, Round: 1}), 1, nil, "label 10"},
		{append(slices.Clone(init), Answer{ID: pool.N, Label: 1, Round: 1}), 1, nil, "not in the pool"},
		{append(slices.Clone(init), Answer{ID: free, Label: 1, Round: -2}), 1, nil, "round -2"},
		{append(slices.Clone(init), Answer{ID: free, Label: 1, Round: 1}, Answer{ID: free, Label: 2, Round: 1}), 1, nil, "already labelled"},
		{init, 0, []int{-1}, "pending sample -1"},
	} {
		if err := newLoop().Replay(ctx, c.answers, c.round, c.pending); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("replay to round %d: %v, want an error containing %q", c.round, err, c.want)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := newLoop().Replay(cancelled, init, 2, nil); err == nil {
		t.Error("a cancelled replay: no error")
	}
}

// TestRoundZero checks that a loop given another loop's round 0 gets that round's network,
// accuracy and batch, and trains its own where the given one is for another initial set.
func TestRoundZero(t *testing.T) {
	pool, test := fixture(t)
	ctx := context.Background()
	newLoop := func(cfg Config) *Loop {
		l, err := New(ctx, cfg, pool, test, GroundTruth{Set: pool})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	first := newLoop(quick("margin"))
	r0, err := first.Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := newLoop(quick("random")).Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	zero := &RoundZero{Net: first.Net(), Labelled: first.Initial(), Tested: true, Accuracy: r0.TestAccuracy}
	cfg := quick("random")
	cfg.RoundZero = zero
	got, err := newLoop(cfg).Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Evaluate != 0 || got.TestAccuracy != alone.TestAccuracy || !slices.Equal(pickedIDs([]*Round{got}), pickedIDs([]*Round{alone})) {
		t.Errorf("taken round 0: evaluated in %v, accuracy %v, picks %v; computed alone %v, picks %v",
			got.Evaluate, got.TestAccuracy, pickedIDs([]*Round{got}), alone.TestAccuracy, pickedIDs([]*Round{alone}))
	}

	// Its batch, for the settings it was queried with only.
	zero.Settings, zero.Batch = quick("random").Settings, []query.Pick{{ID: 7}, {ID: 9}}
	taken, err := newLoop(cfg).Query(ctx)
	if err != nil || !taken.TakenBatch || !taken.TakenNet || !slices.Equal(pickedIDs([]*Round{taken}), []int{7, 9}) {
		t.Errorf("round 0's batch for its settings: %v, %+v", err, taken)
	}
	cfg.Batch = 4
	other, err := newLoop(cfg).Query(ctx)
	if err != nil || other.TakenBatch || !other.TakenNet || len(other.Picks) != 4 {
		t.Errorf("round 0's batch for other settings: %v, %+v", err, other)
	}

	// Another initial set: the loop trains round 0 itself.
	wrong := &RoundZero{Net: first.Net(), Labelled: slices.Clone(first.Initial()), Tested: true, Accuracy: 2}
	wrong.Labelled[0]++
	cfg = quick("random")
	cfg.RoundZero = wrong
	own, err := newLoop(cfg).Step(ctx)
	if err != nil || own.TestAccuracy != alone.TestAccuracy || own.Evaluate == 0 {
		t.Errorf("round 0 for another initial set: %v, accuracy %v (evaluated in %v), want %v", err, own.TestAccuracy, own.Evaluate, alone.TestAccuracy)
	}
}

func TestStreams(t *testing.T) {
	if Seed(5, "pool", 3) != 5 || Seed(5, "round", 3) == Seed(5, "round", 4) || Seed(5, "round", 2) == Seed(5, "pretrain", 2) {
		t.Error("streams: the run's stream depends on the round, or two rounds' streams coincide")
	}
	if Rand(5, "select", 1).Uint64() != Rand(5, "select", 1).Uint64() || Rand(5, "select", 1).Uint64() == Rand(5, "map", 1).Uint64() {
		t.Error("streams: a stream is not repeatable, or two named streams coincide")
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown stream: no panic")
		}
	}()
	Seed(1, "psychic", 0)
}
