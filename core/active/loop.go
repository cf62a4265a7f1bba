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
	BatchHistogram []int // classes of this round's batch: Config.Classes counts

	Train, Evaluate, Score, Select, Label time.Duration
}

// Loop runs active learning over a pool, one round at a time. Step runs a whole round with
// the loop's oracle. A person is an oracle that answers later, one label at a time: the
// caller runs Query, passes each answer to Answer or TakeOut as it comes, and Submit. It is
// not safe for concurrent use.
type Loop struct {
	cfg     Config
	pool    *Pool
	set     *data.Set // the pool's images (their labels are used only by a GroundTruth oracle)
	test    *data.Set
	oracle  Oracle
	rng     *rand.Rand // the run's "pool" stream
	initial []int      // the initial set, in labelling order
	round   int        // the round being run: batches submitted so far
	queried []int      // the classes queried so far (Config.Classes counts)
	done    bool
	// extra are labelled images outside the pool, trained on from the round after the one
	// they were given in (extraRound): adversarial twins (DFALAugment) and a person's own
	// drawings (AddImage).
	extra      data.Set
	extraRound []int
	twins      int // how many of extra are twins
	probe      *probeRanks
	accuracy   map[int]float64
	answered   int          // labels answered after the initial set
	held       []int        // the samples held out (Config.HoldOut), in answer order
	isHeld     map[int]bool // the same, as a set

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
	cfg = cfg.withDefaults()
	for _, s := range []*data.Set{set, test} {
		if err := train.CheckSet(s, cfg.Classes); err != nil {
			return nil, err
		}
	}
	l := &Loop{
		cfg: cfg, pool: NewPool(set.N), set: set, test: test, oracle: oracle, queried: make([]int, cfg.Classes),
		extra: data.Set{Rows: set.Rows, Cols: set.Cols},
		rng:   Rand(cfg.Seed, "pool", 0), trained: -1, accuracy: map[int]float64{}, isHeld: map[int]bool{}, zero: cfg.RoundZero,
	}
	if cfg.TestLimit > 0 {
		l.test = test.Head(cfg.TestLimit)
	}
	if cfg.Unseeded {
		return l, nil
	}
	ids, err := l.initialSet()
	if err != nil {
		return nil, err
	}
	labels, err := oracle.Label(ctx, ids)
	if err != nil {
		return nil, err
	}
	if err := checkLabels(ids, labels, cfg.Classes); err != nil {
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
	per := l.cfg.Init / l.cfg.Classes
	count := make([]int, l.cfg.Classes)
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

// RandomBatch draws, from the round's "map" stream, what a description of the round's batch
// compares it with (the browser's redundancy map): a random batch of the batch's size from
// the round's candidates, and up to most of the candidates to show, in a new slice.
func (l *Loop) RandomBatch(most int) (random, shown []int) {
	rng := Rand(l.cfg.Seed, "map", l.round)
	k := min(len(l.batch), len(l.candidates))
	random = make([]int, k)
	for i, j := range rng.Perm(len(l.candidates))[:k] {
		random[i] = l.candidates[j]
	}
	shown = slices.Clone(l.candidates)
	if len(shown) > most {
		rng.Shuffle(len(shown), func(i, j int) { shown[i], shown[j] = shown[j], shown[i] })
		shown = shown[:most]
	}
	return random, shown
}

// SetSettings changes the settings from the next query on.
func (l *Loop) SetSettings(s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	l.cfg.Settings = s.withDefaults()
	return nil
}

// Step runs one round: train on every labelled sample, evaluate on the test set (NaN in an
// unseeded loop's round 0, which has no network), and — unless
// the budget is spent — score the candidates, select a batch and have the oracle label it.
// After the round that evaluates the last model it returns ErrDone.
func (l *Loop) Step(ctx context.Context) (*Round, error) {
	r, err := l.Query(ctx)
	if err != nil {
		return nil, err
	}
	r.TestAccuracy = math.NaN() // an unseeded loop's round 0 has no network
	if l.net != nil {
		acc, d, err := l.Evaluate()
		if err != nil {
			return nil, err
		}
		r.TestAccuracy, r.Evaluate = acc, d
	}
	if len(r.Picks) == 0 {
		l.done = true
		r.LabelEntropy = entropy(l.queried)
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
	if err := checkLabels(ids, labels, l.cfg.Classes); err != nil {
		return nil, err
	}
	r.BatchHistogram = make([]int, l.cfg.Classes)
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
	r.LabelEntropy = entropy(l.queried)
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
	strategy, err := l.strategy()
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

// strategy returns the round's query strategy: the settings', or "random" in an unseeded
// loop's round 0, which has no network to score with.
func (l *Loop) strategy() (query.Strategy, error) {
	name := l.cfg.Strategy
	if l.cfg.Unseeded && l.round == 0 {
		name = "random"
	}
	return query.New(name, l.cfg.Options)
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

// Measured returns the current round's test accuracy if it is known without computing it:
// measured by Evaluate, or given with round 0 (RoundZero).
func (l *Loop) Measured() (float64, bool) {
	if l.net == nil || l.trained != l.round {
		return 0, false
	}
	a, ok := l.accuracy[l.round]
	return a, ok
}

// Evaluate returns the test accuracy of the current round's network, measured once per
// round, and how long measuring it took (0 if it was known).
func (l *Loop) Evaluate() (float64, time.Duration, error) {
	switch {
	case l.net == nil || l.trained != l.round:
		return 0, 0, fmt.Errorf("active: no network trained for round %d", l.round)
	case l.test.N == 0:
		return 0, 0, fmt.Errorf("active: no test set: measure the held-out labels instead (Config.HoldOut)")
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
	if int(label) >= l.cfg.Classes {
		return fmt.Errorf("active: label %d for sample %d: want 0 to %d", label, id, l.cfg.Classes-1)
	}
	if err := l.pool.Label(id, label, l.round+1); err != nil {
		return err
	}
	l.answered++
	if k := l.cfg.HoldOut; k >= 2 && l.answered%k == 0 {
		l.held = append(l.held, id)
		l.isHeld[id] = true
	}
	return nil
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

func checkLabels(ids []int, labels []uint8, classes int) error {
	if len(labels) != len(ids) {
		return fmt.Errorf("active: oracle gave %d labels for %d samples", len(labels), len(ids))
	}
	for i, l := range labels {
		if int(l) >= classes {
			return fmt.Errorf("active: oracle gave label %d for sample %d: want 0 to %d", l, ids[i], classes-1)
		}
	}
	return nil
}
