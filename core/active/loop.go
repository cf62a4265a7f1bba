package active

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"alab/core/data"
	"alab/core/nn"
	"alab/core/query"
	"alab/core/train"
)

// Config describes one active-learning run. Zero values mean the defaults given.
type Config struct {
	Arch     string        // network architecture; if "", "compact"
	Strategy string        // query strategy (query.Names); if "", "random"
	Options  query.Options // the strategy's knobs

	Init         int  // size of the initial labelled set; if 0, 20
	InitBalanced bool // the initial set has Init/10 samples of each class (Init must divide by 10)
	Batch        int  // samples queried per round; if 0, 10
	Budget       int  // stop once this many samples are labelled; if 0, Init + 10·Batch

	// PoolSubset, if positive, scores a random subset of that many unlabelled samples each
	// round instead of the whole unlabelled pool (Gal et al. use 2000, DFAL 300).
	PoolSubset int
	MCSamples  int // stochastic passes for MC-dropout strategies; if 0, 20

	// Train configures each round's training. WarmStart keeps the previous round's weights
	// (and continues from them); otherwise every round retrains from fresh weights, as the
	// papers do.
	Train     train.Config
	WarmStart bool

	// DFALAugment adds each queried sample's adversarial twin (Pick.Adversarial, from fgsm
	// or deepfool) to the training set with the label given to the original — full DFAL's
	// free extra data. Twins are stored at MNIST's 8-bit depth and are not counted as labels.
	DFALAugment bool

	// TestLimit, if positive, evaluates on the first TestLimit test images only.
	TestLimit int

	// Seed drives every random choice: the initial set (which depends on Seed alone, so
	// every strategy of a repeat starts from the same set), the pool subsets, the weights,
	// the training order, dropout masks and the strategies' own draws.
	Seed uint64
}

func (c Config) withDefaults() Config {
	if c.Arch == "" {
		c.Arch = "compact"
	}
	if c.Strategy == "" {
		c.Strategy = "random"
	}
	if c.Init == 0 {
		c.Init = 20
	}
	if c.Batch == 0 {
		c.Batch = 10
	}
	if c.Budget == 0 {
		c.Budget = c.Init + 10*c.Batch
	}
	if c.MCSamples == 0 {
		c.MCSamples = 20
	}
	return c
}

// Validate reports the first invalid field of c (after defaults) for a pool of poolSize.
func (c Config) Validate(poolSize int) error {
	c = c.withDefaults()
	if _, err := nn.New(c.Arch, 0); err != nil {
		return err
	}
	if _, err := query.New(c.Strategy, c.Options); err != nil {
		return err
	}
	switch {
	case c.Init < 1 || c.Init > poolSize:
		return fmt.Errorf("active: invalid initial set size %d: want 1 to %d (the pool)", c.Init, poolSize)
	case c.InitBalanced && c.Init%nn.Classes != 0:
		return fmt.Errorf("active: a class-balanced initial set of %d: want a multiple of %d", c.Init, nn.Classes)
	case c.Batch < 1:
		return fmt.Errorf("active: invalid batch size %d: want at least 1", c.Batch)
	case c.Budget < c.Init:
		return fmt.Errorf("active: budget %d is below the initial set size %d", c.Budget, c.Init)
	case c.PoolSubset < 0:
		return fmt.Errorf("active: invalid pool subset %d: want 0 (the whole pool) or more", c.PoolSubset)
	case c.MCSamples < 1:
		return fmt.Errorf("active: invalid MC samples %d: want at least 1", c.MCSamples)
	case c.TestLimit < 0:
		return fmt.Errorf("active: invalid test limit %d: want 0 (all) or more", c.TestLimit)
	}
	return c.Train.Validate()
}

// Round is what one Step did.
type Round struct {
	Round        int     // 0 for the first Step
	Labelled     int     // labels the model of this round was trained on
	TestAccuracy float64 // that model's accuracy on the test set

	Picks  []query.Pick // the batch queried after evaluation (empty in the last round)
	Labels []uint8      // the oracle's labels for Picks

	// LabelEntropy is the entropy (nats) of the class distribution of every sample queried
	// so far, the initial set excluded: the blog's diagnostic of a strategy that keeps
	// asking about a few classes.
	LabelEntropy   float64
	BatchHistogram [nn.Classes]int // classes of this round's batch

	Train, Evaluate, Score, Select, Label time.Duration
}

// Loop runs active learning over a pool. It is not safe for concurrent use.
type Loop struct {
	cfg      Config
	pool     *Pool
	set      *data.Set // the pool's images (their labels are used only by a GroundTruth oracle)
	test     *data.Set
	oracle   Oracle
	strategy query.Strategy
	rng      *rand.Rand // initial set and pool subsets
	net      *nn.Net
	round    int
	queried  [nn.Classes]int
	done     bool
	twins    data.Set // adversarial twins added by DFALAugment, with their labels
	ran0     bool     // round 0 has been trained and tested
	acc0     float64  // its test accuracy
	zero     *roundZero
}

// roundZero is a round 0 taken rather than computed (ShareRoundZero, TakeRoundZero).
type roundZero struct {
	params []float32 // the network's weights
	acc    float64   // its test accuracy
}

// ErrDone is returned by Step once the budget is spent and the last model evaluated.
var ErrDone = errors.New("active: the budget is spent")

// New prepares a loop over the pool set (all unlabelled), evaluating on test, and labels the
// initial set through the oracle.
func New(ctx context.Context, cfg Config, set, test *data.Set, oracle Oracle) (*Loop, error) {
	if err := cfg.Validate(set.N); err != nil {
		return nil, err
	}
	for _, s := range []*data.Set{set, test} {
		if err := train.CheckSet(s); err != nil {
			return nil, err
		}
	}
	cfg = cfg.withDefaults()
	strategy, _ := query.New(cfg.Strategy, cfg.Options)
	l := &Loop{
		cfg: cfg, pool: NewPool(set.N), set: set, test: test, oracle: oracle, strategy: strategy,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x1417)),
	}
	if cfg.TestLimit > 0 {
		l.test = test.Head(cfg.TestLimit)
	}
	ids, err := l.initialSet()
	if err != nil {
		return nil, err
	}
	labels, err := oracle.Label(ctx, ids)
	if err != nil {
		return nil, err
	}
	if err := checkLabels(ids, labels); err != nil {
		return nil, err
	}
	for i, id := range ids {
		if err := l.pool.Label(id, labels[i], 0); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// ShareRoundZero has l take its round 0's network and test accuracy from first, a loop that
// has run its round 0 (and no other) over the same pool and test set with the same
// configuration but for the strategy: round 0 trains on the initial set from the seed
// alone, so the two would compute the same network. A race of strategies saves all but one
// round 0 this way. l's round 0 then reports no training or testing time.
func (l *Loop) ShareRoundZero(first *Loop) error {
	a, b := l.cfg, first.cfg
	a.Strategy, a.Options, b.Strategy, b.Options = "", query.Options{}, "", query.Options{}
	switch {
	case a != b || l.set != first.set || l.test != first.test:
		return fmt.Errorf("active: round 0 can be shared only between loops of one configuration and data")
	case l.ran0 || !first.ran0 || first.round > 1:
		return fmt.Errorf("active: round 0 can be shared only from a loop that has run it and no other to one that has not run it")
	}
	l.zero = &roundZero{params: slices.Clone(first.net.Params), acc: first.acc0}
	return nil
}

// TakeRoundZero has l take its round 0 from net and its test accuracy acc, computed ahead of
// time by a loop of l's configuration over the same pool and test set (a race's first round
// trained by make web): l checks what it can — the architecture and that labelled is its
// own initial set — and the caller vouches for the rest. l's round 0 then reports no
// training or testing time.
func (l *Loop) TakeRoundZero(net *nn.Net, acc float64, labelled []int) error {
	switch {
	case l.ran0 || l.zero != nil:
		return fmt.Errorf("active: round 0 has already been run or taken")
	case net.Arch != l.cfg.Arch:
		return fmt.Errorf("active: a round-0 network of architecture %s for a loop of %s", net.Arch, l.cfg.Arch)
	case !slices.Equal(labelled, l.pool.Labelled()):
		return fmt.Errorf("active: the round-0 network was trained on another initial set")
	}
	l.zero = &roundZero{params: slices.Clone(net.Params), acc: acc}
	return nil
}

// initialSet draws the initial labelled set from the seed alone. A class-balanced set uses
// the pool's own labels to find Init/10 samples of each class: a simulation's convenience,
// as in Gal et al.
func (l *Loop) initialSet() ([]int, error) {
	perm := l.rng.Perm(l.set.N)
	if !l.cfg.InitBalanced {
		ids := perm[:l.cfg.Init]
		slices.Sort(ids)
		return ids, nil
	}
	per := l.cfg.Init / nn.Classes
	var count [nn.Classes]int
	var ids []int
	for _, id := range perm {
		if c := l.set.Labels[id]; count[c] < per {
			count[c]++
			ids = append(ids, id)
		}
	}
	if len(ids) < l.cfg.Init {
		return nil, fmt.Errorf("active: the pool has too few samples of some class for a balanced initial set of %d", l.cfg.Init)
	}
	slices.Sort(ids)
	return ids, nil
}

// Pool returns the loop's pool (read it; label through Step).
func (l *Loop) Pool() *Pool { return l.pool }

// Net returns the model of the last Step.
func (l *Loop) Net() *nn.Net { return l.net }

// Step runs one round: train on every labelled sample, evaluate on the test set, and — unless
// the budget is spent — score the candidates, select a batch and have the oracle label it.
// After the round that evaluates the last model it returns ErrDone.
func (l *Loop) Step(ctx context.Context) (*Round, error) {
	if l.done {
		return nil, ErrDone
	}
	r := &Round{Round: l.round, Labelled: len(l.pool.Labelled())}
	roundSeed := l.cfg.Seed*1_000_003 + uint64(l.round)

	if l.round == 0 && l.zero != nil {
		net, err := nn.New(l.cfg.Arch, roundSeed)
		if err != nil {
			return nil, err
		}
		copy(net.Params, l.zero.params)
		l.net, r.TestAccuracy, l.zero = net, l.zero.acc, nil
	} else {
		start := time.Now()
		if err := l.trainRound(ctx, roundSeed); err != nil {
			return nil, err
		}
		r.Train = time.Since(start)

		start = time.Now()
		acc, err := train.Accuracy(l.net, l.test, 0)
		if err != nil {
			return nil, err
		}
		r.TestAccuracy = acc
		r.Evaluate = time.Since(start)
	}
	if l.round == 0 {
		l.ran0, l.acc0 = true, r.TestAccuracy
	}

	k := min(l.cfg.Batch, l.cfg.Budget-r.Labelled, l.pool.Size()-r.Labelled)
	if k <= 0 {
		l.done = true
		r.LabelEntropy = entropy(l.queried[:])
		return r, nil
	}

	start := time.Now()
	c, err := l.candidates(roundSeed)
	if err != nil {
		return nil, err
	}
	r.Score = time.Since(start)

	start = time.Now()
	picks, err := l.strategy.Select(c, k)
	if err != nil {
		return nil, err
	}
	r.Select = time.Since(start)
	r.Picks = picks

	start = time.Now()
	ids := make([]int, len(picks))
	for i, p := range picks {
		ids[i] = p.ID
	}
	labels, err := l.oracle.Label(ctx, ids)
	if err != nil {
		return nil, err
	}
	r.Label = time.Since(start)
	if err := checkLabels(ids, labels); err != nil {
		return nil, err
	}
	l.round++
	for i, id := range ids {
		if err := l.pool.Label(id, labels[i], l.round); err != nil {
			return nil, err
		}
		r.BatchHistogram[labels[i]]++
		l.queried[labels[i]]++
		if l.cfg.DFALAugment && picks[i].Adversarial != nil {
			l.addTwin(picks[i].Adversarial, labels[i])
		}
	}
	r.Labels = labels
	r.LabelEntropy = entropy(l.queried[:])
	return r, nil
}

// Run calls Step until the budget is spent, handing each round to each (which may be nil).
func (l *Loop) Run(ctx context.Context, each func(*Round)) error {
	for {
		r, err := l.Step(ctx)
		if errors.Is(err, ErrDone) {
			return nil
		}
		if err != nil {
			return err
		}
		if each != nil {
			each(r)
		}
	}
}

// trainRound fits the model to the labelled samples, from fresh weights unless WarmStart.
func (l *Loop) trainRound(ctx context.Context, seed uint64) error {
	if l.net == nil || !l.cfg.WarmStart {
		net, err := nn.New(l.cfg.Arch, seed)
		if err != nil {
			return err
		}
		l.net = net
	}
	labelled := l.labelledSet()
	cfg := l.cfg.Train
	cfg.Seed = seed
	_, err := train.Fit(ctx, l.net, labelled, cfg, nil)
	return err
}

// labelledSet returns the labelled samples with the oracle's labels (which, from a person,
// may differ from the set's), followed by any adversarial twins.
func (l *Loop) labelledSet() *data.Set {
	ids := l.pool.Labelled()
	s := l.set.Subset(ids)
	for i, id := range ids {
		s.Labels[i] = l.pool.LabelOf(id)
	}
	s.N += l.twins.N
	s.Pix = append(s.Pix, l.twins.Pix...)
	s.Labels = append(s.Labels, l.twins.Labels...)
	return s
}

// addTwin keeps an adversarial image (values in [0, 1]) as an 8-bit training image.
func (l *Loop) addTwin(img []float32, label uint8) {
	for _, v := range img {
		l.twins.Pix = append(l.twins.Pix, uint8(min(max(v, 0), 1)*255+0.5))
	}
	l.twins.Labels = append(l.twins.Labels, label)
	l.twins.N++
}

// Twins returns how many adversarial twins DFALAugment has added.
func (l *Loop) Twins() int { return l.twins.N }

// checkLabels reports an oracle's answer that is not one class label per asked sample.
func checkLabels(ids []int, labels []uint8) error {
	if len(labels) != len(ids) {
		return fmt.Errorf("active: oracle gave %d labels for %d samples", len(labels), len(ids))
	}
	for i, l := range labels {
		if int(l) >= nn.Classes {
			return fmt.Errorf("active: oracle gave label %d for sample %d: want 0 to %d", l, ids[i], nn.Classes-1)
		}
	}
	return nil
}
