package active

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"alab/core/data"
	"alab/core/data/datatest"
	"alab/core/nn"
	"alab/core/train"
)

// fixture loads the few hundred real MNIST digits kept in testdata/.
func fixture(t testing.TB) (pool, test *data.Set) { return datatest.Fixture(t) }

// quick is a configuration small enough for unit tests: 20 balanced labels, 3 rounds of 5.
func quick(strategy string) Config {
	return Config{
		Settings: Settings{Strategy: strategy, Batch: 5, PoolSubset: 100, MCSamples: 4},
		Init:     20, InitBalanced: true, Budget: 35,
		Train: Schedule{Cold: train.Config{Steps: 20, Batch: 16}}, Seed: 3,
	}
}

func runLoop(t *testing.T, cfg Config) []*Round {
	t.Helper()
	pool, test := fixture(t)
	l, err := New(context.Background(), cfg, pool, test, GroundTruth{pool})
	if err != nil {
		t.Fatal(err)
	}
	var rounds []*Round
	if err := l.Run(context.Background(), func(r *Round) { rounds = append(rounds, r) }); err != nil {
		t.Fatal(err)
	}
	return rounds
}

func pickedIDs(rounds []*Round) []int {
	var ids []int
	for _, r := range rounds {
		for _, p := range r.Picks {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

func TestLoopRounds(t *testing.T) {
	rounds := runLoop(t, quick("least-confidence"))
	// 20 initial labels, then 5 per round up to 35: models trained on 20, 25, 30, 35.
	var labelled []int
	for _, r := range rounds {
		labelled = append(labelled, r.Labelled)
	}
	if !slices.Equal(labelled, []int{20, 25, 30, 35}) {
		t.Fatalf("rounds trained on %v labels, want [20 25 30 35]", labelled)
	}
	last := rounds[len(rounds)-1]
	if len(last.Picks) != 0 {
		t.Errorf("the last round queried %d samples, want none", len(last.Picks))
	}
	seen := map[int]bool{}
	for _, r := range rounds[:3] {
		if len(r.Picks) != 5 || len(r.Labels) != 5 {
			t.Fatalf("round %d queried %d samples with %d labels, want 5", r.Round, len(r.Picks), len(r.Labels))
		}
		hist := 0
		for _, c := range r.BatchHistogram {
			hist += c
		}
		if hist != 5 {
			t.Errorf("round %d: batch histogram counts %d samples, want 5", r.Round, hist)
		}
		for _, p := range r.Picks {
			if seen[p.ID] {
				t.Errorf("sample %d queried twice", p.ID)
			}
			seen[p.ID] = true
		}
		if r.TestAccuracy < 0 || r.TestAccuracy > 1 || r.Train <= 0 {
			t.Errorf("round %d: accuracy %v, train time %v", r.Round, r.TestAccuracy, r.Train)
		}
	}
	if last.LabelEntropy <= 0 {
		t.Errorf("label entropy after 15 queries is %v, want > 0", last.LabelEntropy)
	}
}

func TestSameSeedSameIDs(t *testing.T) {
	for _, s := range []string{"random", "least-confidence", "bald"} {
		a, b := pickedIDs(runLoop(t, quick(s))), pickedIDs(runLoop(t, quick(s)))
		if !slices.Equal(a, b) {
			t.Errorf("%s: two runs with one seed picked %v and %v", s, a, b)
		}
	}
}

func TestInitialSetIsTheSameForEveryStrategy(t *testing.T) {
	pool, test := fixture(t)
	var first []int
	for _, s := range []string{"random", "entropy", "coreset"} {
		l, err := New(context.Background(), quick(s), pool, test, GroundTruth{pool})
		if err != nil {
			t.Fatal(err)
		}
		ids := slices.Clone(l.Pool().Labelled())
		if first == nil {
			first = ids
		} else if !slices.Equal(ids, first) {
			t.Errorf("%s starts from %v, random from %v", s, ids, first)
		}
		var count [nn.Classes]int
		for _, id := range ids {
			count[pool.Labels[id]]++
		}
		for c, n := range count {
			if n != 2 {
				t.Errorf("balanced initial set of 20 has %d samples of class %d, want 2", n, c)
			}
		}
	}
}

// TestMCHeadOnlyEqualsFullPasses shows that scoring with the body computed once and T head
// passes gives the probabilities of T full stochastic passes with the same masks (up to the
// order of float32 additions).
func TestMCHeadOnlyEqualsFullPasses(t *testing.T) {
	pool, _ := fixture(t)
	net, _ := nn.New("compact", 4)
	ids := []int{3, 1, 4, 15, 92, 65, 35, 89}
	const passes, seed = 5, 77
	got := mcProbs(net, pool, ids, passes, seed)
	x := nn.NewInput(len(ids))
	pool.ToFloat32To(x.Float32s(), ids)
	want := make([]float32, nn.Classes*len(ids))
	for p := 0; p < passes; p++ {
		logits := net.Forward(x, nn.Pass{Mode: nn.MCSample, Rand: rand.New(rand.NewPCG(seed, uint64(p))), Shared: true})
		nn.SoftmaxTo(want, logits.Float32s(), nn.Classes)
		row := got.P[p*len(ids)*nn.Classes : (p+1)*len(ids)*nn.Classes]
		for i := range want {
			if math.Abs(float64(row[i]-want[i])) > 1e-6 {
				t.Fatalf("pass %d: head-only probability %d is %g, %g in a full pass", p, i, row[i], want[i])
			}
		}
	}
}

type badOracle struct{}

func (badOracle) Label(_ context.Context, ids []int) ([]uint8, error) {
	l := make([]uint8, len(ids))
	l[0] = 11
	return l, nil
}

func TestBadConfigAndOracle(t *testing.T) {
	pool, test := fixture(t)
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Strategy = "psychic" }, `unknown strategy "psychic"`},
		{func(c *Config) { c.Arch = "mlp" }, `unknown architecture "mlp"`},
		{func(c *Config) { c.Init = 15 }, "class-balanced initial set of 15: want a multiple of 10"},
		{func(c *Config) { c.Init = 100000 }, "invalid initial set size 100000: want 1 to 500"},
		{func(c *Config) { c.Batch = -2 }, "invalid batch size -2"},
		{func(c *Config) { c.Budget = 10 }, "budget 10 is below the initial set size 20"},
		{func(c *Config) { c.PoolSubset = -1 }, "invalid pool subset -1"},
		{func(c *Config) { c.Train.Cold.LR = -1 }, "invalid learning rate -1"},
	} {
		cfg := quick("random")
		c.edit(&cfg)
		if _, err := New(context.Background(), cfg, pool, test, GroundTruth{pool}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
	if _, err := New(context.Background(), quick("random"), pool, test, badOracle{}); err == nil || !strings.Contains(err.Error(), "oracle gave label 11 for sample") {
		t.Errorf("bad oracle: error %v", err)
	}
}

func TestPool(t *testing.T) {
	p := NewPool(5)
	if err := p.Label(2, 7, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Label(2, 7, 1); err == nil || err.Error() != "active: sample 2 was already labelled in round 0" {
		t.Errorf("labelling twice: %v", err)
	}
	if err := p.Label(5, 1, 1); err == nil || err.Error() != "active: sample 5 is not in the pool of 5" {
		t.Errorf("out of range: %v", err)
	}
	if got := p.Unlabelled(); !slices.Equal(got, []int{0, 1, 3, 4}) {
		t.Errorf("unlabelled %v", got)
	}
	if p.LabelOf(2) != 7 || p.Round(2) != 0 || p.Round(1) != -1 {
		t.Error("label or round not recorded")
	}
}

func TestDFALAugmentAddsTwins(t *testing.T) {
	pool, test := fixture(t)
	cfg := quick("deepfool")
	cfg.PoolSubset, cfg.DFALAugment = 30, true
	l, err := New(context.Background(), cfg, pool, test, GroundTruth{pool})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Step(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	flipped := 0
	for _, p := range r.Picks {
		if p.Adversarial != nil {
			flipped++
		}
	}
	if flipped == 0 || l.Twins() != flipped {
		t.Fatalf("%d twins after a batch with %d adversarial images", l.Twins(), flipped)
	}
	s := l.labelledSet(l.Round())
	if s.N != 25+flipped || len(l.Pool().Labelled()) != 25 {
		t.Errorf("training set of %d with %d labels, want 25 labels + %d twins", s.N, len(l.Pool().Labelled()), flipped)
	}
	if s.Labels[25] != r.Labels[0] && r.Picks[0].Adversarial != nil {
		t.Errorf("first twin labelled %d, its original %d", s.Labels[25], r.Labels[0])
	}
}
