package active

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"alab/core/data"
	"alab/core/nn"
	"alab/core/query"
	"alab/core/train"
)

// Settings are what a caller may change between rounds (Loop.SetSettings): they apply from
// the next query. Zero values mean the defaults given.
type Settings struct {
	Strategy string        // query strategy (query.Names); if "", "random"
	Options  query.Options // the strategy's knobs
	Batch    int           // samples queried per round; if 0, 10

	// PoolSubset, if positive, scores a random subset of that many unlabelled samples each
	// round instead of the whole unlabelled pool (Gal et al. use 2000, DFAL 300).
	PoolSubset int
	MCSamples  int // stochastic passes for MC-dropout strategies; if 0, 20
}

func (s Settings) withDefaults() Settings {
	if s.Strategy == "" {
		s.Strategy = "random"
	}
	if s.Batch == 0 {
		s.Batch = 10
	}
	if s.MCSamples == 0 {
		s.MCSamples = 20
	}
	return s
}

// Validate reports the first invalid setting (after defaults).
func (s Settings) Validate() error {
	s = s.withDefaults()
	if _, err := query.New(s.Strategy, s.Options); err != nil {
		return err
	}
	switch {
	case s.Batch < 1:
		return fmt.Errorf("active: invalid batch size %d: want at least 1", s.Batch)
	case s.PoolSubset < 0:
		return fmt.Errorf("active: invalid pool subset %d: want 0 (the whole pool) or more", s.PoolSubset)
	case s.MCSamples < 1:
		return fmt.Errorf("active: invalid MC samples %d: want at least 1", s.MCSamples)
	}
	return nil
}

// Schedule says how each round's network is trained. Round 0's trains Cold from fresh
// weights. Unless WarmStart, every later round does the same, as the papers do. With
// WarmStart a later round continues from the previous round's network: first Pre steps
// (Warm's batch and learning rate) on the labels the previous round had — Loop.Pretrain runs
// them early, while a person labels, or else the round runs them itself: the same chain
// either way — then Warm on every label so far. So a person's round costs the same at 30
// labels as at 300, and a replay retrains it exactly.
type Schedule struct {
	Cold      train.Config
	WarmStart bool
	Pre       int
	Warm      train.Config
}

// Config describes one active-learning run. Zero values mean the defaults given.
type Config struct {
	Arch string // network architecture; if "", "compact"
	Settings

	Init         int  // size of the initial labelled set; if 0, 20
	InitBalanced bool // the initial set has Init/10 samples of each class (Init must divide by 10)
	Budget       int  // stop once this many samples are labelled; if 0, Init + 10·Batch

	Train Schedule

	// ModelCap, if positive, bounds the candidates of strategies that run the network per
	// candidate (query.Needs.Model: fgsm, deepfool) below PoolSubset: DFAL's 300 in the browser.
	ModelCap int

	// DFALAugment adds each queried sample's adversarial twin (Pick.Adversarial, from fgsm
	// or deepfool) to the training set with the label given to the original — full DFAL's
	// free extra data. Twins are stored at MNIST's 8-bit depth and are not counted as labels.
	DFALAugment bool

	// TestLimit, if positive, evaluates on the first TestLimit test images only.
	TestLimit int

	// RoundZero, if not nil, is round 0 computed ahead of time; the loop takes it where it
	// matches (see RoundZero) and otherwise trains round 0 itself.
	RoundZero *RoundZero

	// Seed drives every random choice (see Seed for the streams): the initial set depends on
	// Seed alone, so every strategy of a repeat starts from the same set.
	Seed uint64
}

func (c Config) withDefaults() Config {
	if c.Arch == "" {
		c.Arch = "compact"
	}
	c.Settings = c.Settings.withDefaults()
	if c.Init == 0 {
		c.Init = 20
	}
	if c.Budget == 0 {
		c.Budget = c.Init + 10*c.Batch
	}
	return c
}

// Validate reports the first invalid field of c (after defaults) for a pool of poolSize.
func (c Config) Validate(poolSize int) error {
	c = c.withDefaults()
	if _, err := nn.New(c.Arch, 0); err != nil {
		return err
	}
	if err := c.Settings.Validate(); err != nil {
		return err
	}
	switch {
	case c.Init < 1 || c.Init > poolSize:
		return fmt.Errorf("active: invalid initial set size %d: want 1 to %d (the pool)", c.Init, poolSize)
	case c.InitBalanced && c.Init%nn.Classes != 0:
		return fmt.Errorf("active: a class-balanced initial set of %d: want a multiple of %d", c.Init, nn.Classes)
	case c.Budget < c.Init:
		return fmt.Errorf("active: budget %d is below the initial set size %d", c.Budget, c.Init)
	case c.TestLimit < 0:
		return fmt.Errorf("active: invalid test limit %d: want 0 (all) or more", c.TestLimit)
	case c.Train.Pre < 0:
		return fmt.Errorf("active: invalid pre-training steps %d: want 0 or more", c.Train.Pre)
	case c.ModelCap < 0:
		return fmt.Errorf("active: invalid model cap %d: want 0 (none) or more", c.ModelCap)
	}
	if err := c.Train.Cold.Validate(); err != nil {
		return err
	}
	return c.Train.Warm.Validate()
}

// A RoundZero is a loop's round 0 computed ahead of time — by another loop of the same
// configuration (a race's first strategy), or when the page is built (the shipped first
// networks). The loop checks what it can: the architecture, and that Labelled is its own
// initial set; the caller vouches for the rest (seed and schedule). Its round 0 then reports
// no training time.
type RoundZero struct {
	Net      *nn.Net // round 0's network (the loop keeps a copy)
	Labelled []int   // the initial set it was trained on, in the loop's order

	// Tested says Accuracy is the network's accuracy on the loop's test set.
	Tested   bool
	Accuracy float64

	// Batch, if not empty, is the batch the network queries with Settings: the loop takes it
	// instead of selecting where its own settings are those.
	Settings Settings
	Batch    []query.Pick
}

// Round is what one round did.
type Round struct {
	Round        int      // 0 for the first
	Labelled     int      // labels the model of this round was trained on
	Settings     Settings // the settings it queried with
	Candidates   int      // samples scored
	TakenNet     bool     // the network is Config.RoundZero's, not trained here
	TakenBatch   bool     // the batch is Config.RoundZero's, not selected here
	Replayed     bool     // the batch is the one on screen when a replayed session was saved
	TestAccuracy float64  // that model's accuracy on the test set (Step; see Evaluate)

	Picks  []query.Pick // the batch queried (empty in the last round)
	Labels []uint8      // the oracle's labels for Picks (Step)

	// LabelEntropy is the entropy (nats) of the class distribution of every sample queried
	// so far, the initial set excluded: the blog's diagnostic of a strategy that keeps
	// asking about a few classes.
	LabelEntropy   float64
	BatchHistogram [nn.Classes]int // classes of this round's batch

	Train, Evaluate, Score, Select, Label time.Duration
}

// Loop runs active learning over a pool, one round at a time. Step runs a whole round with
// the loop's oracle. A person is an oracle that answers later, one label at a time: the
// caller runs Query, passes each answer to Answer or TakeOut as it comes, and Submit. It is
// not safe for concurrent use.
type Loop struct {
	cfg      Config
	pool     *Pool
	set      *data.Set // the pool's images (their labels are used only by a GroundTruth oracle)
	test     *data.Set
	oracle   Oracle
	rng      *rand.Rand // the run's "pool" stream
	initial  []int      // the initial set, in labelling order
	round    int        // the round being run: batches submitted so far
	queried  [nn.Classes]int
	done     bool
	twins    data.Set // adversarial twins added by DFALAugment, with their labels
	accuracy map[int]float64

	net     *nn.Net // the network of the round (the one its batch was queried with)
	trained int     // the round net was trained for, or -1
	next    *nn.Net // net continued by Pretrain's steps, or nil
	zero    *RoundZero
	took0   bool // round 0's network is zero's

	// The query of the round: its candidates and its batch, awaiting answers.
	candidates []int
	batch      []query.Pick
	open       bool // the round's query has run, and Submit has not
	replayed   bool // batch is Replay's pending batch
}

// ErrDone is returned by Step and Query once the budget is spent and the last model
// evaluated.
var ErrDone = errors.New("active: the budget is spent")

// New prepares a loop over the pool set (all unlabelled), evaluating on test, and labels the
// initial set through the oracle, which also labels Step's batches (it may be nil for a
// loop driven by Query, Answer and Submit alone, with an initial set supplied by Replay).
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
	l := &Loop{
		cfg: cfg, pool: NewPool(set.N), set: set, test: test, oracle: oracle,
		rng: Rand(cfg.Seed, "pool", 0), trained: -1, accuracy: map[int]float64{}, zero: cfg.RoundZero,
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
	l.initial = ids
	return l, nil
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

// Pool returns the loop's pool (read it; label through Step or Answer).
func (l *Loop) Pool() *Pool { return l.pool }

// Set returns the pool's images.
func (l *Loop) Set() *data.Set { return l.set }

// Test returns the test set the loop evaluates on.
func (l *Loop) Test() *data.Set { return l.test }

// Initial returns the initial set, in the order it was labelled.
func (l *Loop) Initial() []int { return l.initial }

// Net returns the network of the current round (the one its batch was queried with), or
// nil before the first query. Pretrain does not change it.
func (l *Loop) Net() *nn.Net { return l.net }

// Round returns the number of the current round (batches submitted so far).
func (l *Loop) Round() int { return l.round }

// Settings returns the settings the next query uses.
func (l *Loop) Settings() Settings { return l.cfg.Settings }

// Candidates returns the IDs the current round's query scored, ascending.
func (l *Loop) Candidates() []int { return l.candidates }

// Batch returns the current round's batch, as queried.
func (l *Loop) Batch() []query.Pick { return l.batch }

// SetSettings changes the settings from the next query on.
func (l *Loop) SetSettings(s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	l.cfg.Settings = s.withDefaults()
	return nil
}

// Step runs one round: train on every labelled sample, evaluate on the test set, and — unless
// the budget is spent — score the candidates, select a batch and have the oracle label it.
// After the round that evaluates the last model it returns ErrDone.
func (l *Loop) Step(ctx context.Context) (*Round, error) {
	r, err := l.Query(ctx)
	if err != nil {
		return nil, err
	}
	acc, d, err := l.Evaluate()
	if err != nil {
		return nil, err
	}
	r.TestAccuracy, r.Evaluate = acc, d
	if len(r.Picks) == 0 {
		l.done = true
		r.LabelEntropy = entropy(l.queried[:])
		return r, nil
	}
	if l.oracle == nil {
		return nil, fmt.Errorf("active: Step needs an oracle: without one, answer through Answer and Submit")
	}
	start := time.Now()
	ids := make([]int, len(r.Picks))
	for i, p := range r.Picks {
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
	for i, id := range ids {
		if err := l.Answer(id, labels[i]); err != nil {
			return nil, err
		}
		r.BatchHistogram[labels[i]]++
	}
	r.Labels = labels
	if err := l.Submit(); err != nil {
		return nil, err
	}
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

// Query runs the current round up to its batch: it trains the round's network (once) and,
// unless the budget is spent, draws the candidates, scores them and selects the batch, which
// then awaits its answers (Answer, TakeOut) and Submit. Asked again in the same round, it
// returns the same batch without recomputing it. TestAccuracy is left for Evaluate.
func (l *Loop) Query(ctx context.Context) (*Round, error) {
	if l.done {
		return nil, ErrDone
	}
	r := &Round{Round: l.round, Labelled: len(l.pool.Labelled()), Settings: l.cfg.Settings}
	start := time.Now()
	if err := l.trainRound(ctx); err != nil {
		return nil, err
	}
	r.Train = time.Since(start)
	if r.TakenNet = l.round == 0 && l.took0; r.TakenNet {
		r.Train = 0
	}
	if l.open {
		r.Picks, r.Candidates, r.Replayed = l.batch, len(l.candidates), l.replayed
		r.TakenBatch = r.TakenNet && l.takenBatch() != nil
		return r, nil
	}
	k := min(l.cfg.Batch, l.cfg.Budget-r.Labelled, len(l.pool.Unlabelled()))
	if k <= 0 {
		l.open = true
		return r, nil
	}
	strategy, err := query.New(l.cfg.Strategy, l.cfg.Options)
	if err != nil {
		return nil, err
	}
	start = time.Now()
	l.candidates = l.drawCandidates(strategy.Needs())
	r.Candidates = len(l.candidates)
	if picks := l.takenBatch(); picks != nil {
		l.batch, r.TakenBatch = picks, true
	} else {
		c := Gather(l.net, l.set, l.candidates, l.pool.Labelled(), strategy.Needs(), l.cfg.MCSamples, l.cfg.Seed, l.round)
		r.Score = time.Since(start)
		start = time.Now()
		if l.batch, err = strategy.Select(c, min(k, len(l.candidates))); err != nil {
			return nil, err
		}
		r.Select = time.Since(start)
	}
	l.open = true
	r.Picks = l.batch
	return r, nil
}

// drawCandidates draws the round's candidates from the "pool" stream: a permutation of the
// unlabelled pool every round, whether or not a subset is asked for, so the stream's state
// depends on the rounds' pool sizes alone (a replay draws the same).
func (l *Loop) drawCandidates(needs query.Needs) []int {
	ids := l.pool.Unlabelled()
	perm := l.rng.Perm(len(ids))
	m := l.cfg.PoolSubset
	if c := l.cfg.ModelCap; needs.Model && c > 0 && (m == 0 || m > c) {
		m = c
	}
	if m <= 0 || m >= len(ids) {
		return ids
	}
	sub := make([]int, m)
	for i, j := range perm[:m] {
		sub[i] = ids[j]
	}
	slices.Sort(sub)
	return sub
}

// takenBatch returns Config.RoundZero's batch if round 0's network is its and the settings
// are those it was queried with; else nil.
func (l *Loop) takenBatch() []query.Pick {
	z := l.zero
	if l.round != 0 || z == nil || len(z.Batch) == 0 || z.Settings.withDefaults() != l.cfg.Settings {
		return nil
	}
	return slices.Clone(z.Batch)
}

// Evaluate returns the test accuracy of the current round's network, measured once per
// round, and how long measuring it took (0 if it was known).
func (l *Loop) Evaluate() (float64, time.Duration, error) {
	if l.net == nil || l.trained != l.round {
		return 0, 0, fmt.Errorf("active: no network trained for round %d", l.round)
	}
	if a, ok := l.accuracy[l.round]; ok {
		return a, 0, nil
	}
	start := time.Now()
	acc, err := train.Accuracy(l.net, l.test, 0)
	if err != nil {
		return 0, 0, err
	}
	l.accuracy[l.round] = acc
	return acc, time.Since(start), nil
}

// Answer records label for sample id, given in the current round: it trains from the next
// round on. Any unlabelled sample may be answered, not only the batch's.
func (l *Loop) Answer(id int, label uint8) error {
	if int(label) >= nn.Classes {
		return fmt.Errorf("active: label %d for sample %d: want 0 to %d", label, id, nn.Classes-1)
	}
	return l.pool.Label(id, label, l.round+1)
}

// TakeOut records that sample id is unreadable: it leaves the pool, never queried again and
// never trained on.
func (l *Loop) TakeOut(id int) error { return l.pool.TakeOut(id, l.round+1) }

// Submit closes the current round: the batch's unanswered samples return to the pool, the
// answers count (DFALAugment adds the twins of the answered picks) and the next round begins.
func (l *Loop) Submit() error {
	if !l.open {
		return fmt.Errorf("active: submit before round %d's query", l.round)
	}
	for _, p := range l.batch {
		if !l.pool.IsLabelled(p.ID) || l.pool.Round(p.ID) != l.round+1 {
			continue
		}
		label := l.pool.LabelOf(p.ID)
		l.queried[label]++
		if l.cfg.DFALAugment && p.Adversarial != nil {
			l.addTwin(p.Adversarial, label)
		}
	}
	l.round++
	l.candidates, l.batch, l.open, l.replayed = nil, nil, false, false
	return nil
}

// Pretrain runs the current round's share of the next round's training — Schedule.Pre steps
// on the labels of this round, which do not need the next batch's answers — on a copy of the
// round's network, once. A person's session calls it while the person labels; it does
// nothing without WarmStart and Pre steps, or before the round's network is trained.
func (l *Loop) Pretrain(ctx context.Context) (time.Duration, error) {
	if l.net == nil || l.trained != l.round {
		return 0, nil
	}
	start := time.Now()
	err := l.pretrain(ctx)
	return time.Since(start), err
}

// pretrain sets next to the network of round trained continued by Schedule.Pre steps on
// that round's labels, unless it is set or the schedule has no such steps.
func (l *Loop) pretrain(ctx context.Context) error {
	if !l.cfg.Train.WarmStart || l.cfg.Train.Pre == 0 || l.next != nil {
		return nil
	}
	next, err := l.copyNet(l.net)
	if err != nil {
		return err
	}
	cfg := l.cfg.Train.Warm
	cfg.Steps, cfg.Epochs, cfg.Seed = l.cfg.Train.Pre, 0, Seed(l.cfg.Seed, "pretrain", l.trained)
	if _, err := train.Fit(ctx, next, l.labelledSet(l.trained), cfg, nil); err != nil {
		return err
	}
	l.next = next
	return nil
}

// trainRound brings the network up to the current round (Schedule), once per round.
func (l *Loop) trainRound(ctx context.Context) error {
	if l.net != nil && l.trained == l.round {
		return nil
	}
	seed := Seed(l.cfg.Seed, "round", l.round)
	if l.round == 0 && l.zero != nil {
		if net, err := l.takeZero(); err != nil || net != nil {
			l.net, l.trained, l.took0 = net, 0, err == nil
			return err
		}
	}
	cfg := l.cfg.Train.Cold
	if l.net == nil || !l.cfg.Train.WarmStart {
		net, err := nn.New(l.cfg.Arch, seed)
		if err != nil {
			return err
		}
		l.net = net
	} else {
		if err := l.pretrain(ctx); err != nil { // unless Pretrain ran in the previous round
			return err
		}
		if l.next != nil {
			l.net = l.next
		}
		cfg = l.cfg.Train.Warm
	}
	l.next = nil
	cfg.Seed = seed
	if _, err := train.Fit(ctx, l.net, l.labelledSet(l.round), cfg, nil); err != nil {
		return err
	}
	l.trained = l.round
	return nil
}

// takeZero returns a copy of Config.RoundZero's network if it matches the loop (recording its
// accuracy if tested), nil if it does not.
func (l *Loop) takeZero() (*nn.Net, error) {
	z := l.zero
	if z.Net == nil || z.Net.Arch != l.cfg.Arch || !slices.Equal(z.Labelled, l.initial) {
		l.zero = nil
		return nil, nil
	}
	net, err := l.copyNet(z.Net)
	if err != nil {
		return nil, err
	}
	if z.Tested {
		l.accuracy[0] = z.Accuracy
	}
	return net, nil
}

// copyNet returns a network of the loop's architecture with net's weights.
func (l *Loop) copyNet(net *nn.Net) (*nn.Net, error) {
	c, err := nn.New(l.cfg.Arch, 0)
	if err != nil {
		return nil, err
	}
	copy(c.Params, net.Params)
	return c, nil
}

// labelledSet returns the samples labelled up to round with the oracle's labels (which,
// from a person, may differ from the set's), in labelling order, followed by any
// adversarial twins.
func (l *Loop) labelledSet(round int) *data.Set {
	var ids []int
	for _, id := range l.pool.Labelled() {
		if l.pool.Round(id) <= round {
			ids = append(ids, id)
		}
	}
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

// Unreadable is the label of an Answer that takes its sample out of the pool (TakeOut).
const Unreadable = -1

// An Answer is one saved answer: sample ID got Label (0 to 9, or Unreadable), given in Round
// (the round whose network first trains on it; 0 for the initial set).
type Answer struct {
	ID, Label, Round int
}

// Replay rebuilds a session from its saved answers: the initial set's (which must be the
// loop's own), and those of rounds 1 to round, each recorded and submitted in turn, each
// round's network trained exactly as the session trained it and each round's candidates
// drawn, so the stream is where the session left it. The batch on screen, pending, becomes
// the current round's batch (its scores are not recomputed: NaN); with none, the next Query
// selects one. Answers of a later round (to the batch on screen) are left to the caller.
// The settings must be those the next query uses; a replay with DFALAugment is refused (its
// twins come from the queries).
func (l *Loop) Replay(ctx context.Context, answers []Answer, round int, pending []int) error {
	switch {
	case l.round != 0 || l.net != nil:
		return fmt.Errorf("active: replay into a loop that has run")
	case l.cfg.DFALAugment:
		return fmt.Errorf("active: a loop with adversarial twins cannot be replayed")
	case round < 0 || round > l.set.N:
		return fmt.Errorf("active: replay to round %d: want 0 to %d (the pool)", round, l.set.N)
	}
	byRound := make([][]Answer, round+1)
	var initial []int
	for _, a := range answers {
		switch {
		case a.Round < 0:
			return fmt.Errorf("active: answer for sample %d in round %d: want 0 or more", a.ID, a.Round)
		case a.Round == 0:
			initial = append(initial, a.ID)
		case a.Round <= round:
			byRound[a.Round] = append(byRound[a.Round], a)
		}
	}
	slices.Sort(initial)
	if !slices.Equal(initial, l.initial) {
		return fmt.Errorf("active: the saved initial set (%d samples) is not the loop's (%d)", len(initial), len(l.initial))
	}
	for r := 0; r < round; r++ {
		if err := l.trainRound(ctx); err != nil {
			return err
		}
		l.drawRound()
		for _, a := range byRound[r+1] {
			var err error
			if a.Label == Unreadable {
				err = l.TakeOut(a.ID)
			} else if a.Label < 0 || a.Label >= nn.Classes {
				err = fmt.Errorf("active: label %d for sample %d: want 0 to %d or %d (unreadable)", a.Label, a.ID, nn.Classes-1, Unreadable)
			} else {
				err = l.Answer(a.ID, uint8(a.Label))
			}
			if err != nil {
				return err
			}
		}
		if err := l.Submit(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := l.trainRound(ctx); err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	l.drawRound()
	l.replayed = true
	for _, id := range pending {
		switch {
		case id < 0 || id >= l.set.N:
			return fmt.Errorf("active: pending sample %d is not in the pool of %d", id, l.set.N)
		case l.pool.Round(id) < 0 && !slices.ContainsFunc(l.batch, func(p query.Pick) bool { return p.ID == id }):
			l.batch = append(l.batch, query.Pick{ID: id, Score: math.NaN()})
		}
	}
	return nil
}

// drawRound draws the current round's candidates as its query would and marks the query
// run, with an empty batch, without scoring: a replayed round's batch is in its answers.
func (l *Loop) drawRound() {
	strategy, _ := query.New(l.cfg.Strategy, l.cfg.Options) // validated
	l.candidates = l.drawCandidates(strategy.Needs())
	l.batch, l.open = nil, true
}

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
