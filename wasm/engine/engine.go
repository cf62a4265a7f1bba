// Package engine is the browser's active-learning session: the labelled pool, the network
// and one round at a time (train, evaluate, score, select), with settings that may change
// between rounds and a session that can be rebuilt from saved labels. It is what the Web
// Worker (wasm/worker) runs; it has no syscall/js, so it is tested natively.
//
// It keeps its own pool rather than an active.Loop because the browser needs what the loop
// does not offer: a strategy, batch size and pool subset chosen anew each round, labels that
// arrive one by one (a person), digits skipped as unreadable, and a restart from storage.
// The round itself is the loop's: active.Gather computes what the strategy needs.
package engine

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"alab/core/active"
	"alab/core/data"
	"alab/core/nn"
	"alab/core/query"
	"alab/core/train"
	"alab/wasm/msg"
)

// Config fixes what does not change during a session. Zero values mean the defaults given.
type Config struct {
	Arch string // network; if "", "compact"
	Init int    // class-balanced seed set labelled from ground truth; if 0, 20
	// The network of round 0 trains ColdSteps steps from fresh weights. Each later round's
	// continues from the previous round's: PreSteps steps on the labels the previous round
	// had (Pretrain: done while the person labels), then WarmSteps steps on every label so
	// far (after the submit). A round costs the same at 30 labels as at 300, and the chain
	// is deterministic, so a restore replays it exactly.
	ColdSteps int // if 0, 60
	PreSteps  int // if 0, 30
	WarmSteps int // if 0, 20
	Batch     int // examples per step; if 0, 32
	// AdversarialCap bounds the candidates of the adversarial searches (fgsm, deepfool),
	// which run the network many times per candidate: DFAL's 300 if 0.
	AdversarialCap int
	// MNISTOffset is the MNIST training index of pool sample 0 (the bundle holds a
	// contiguous run of MNIST's training set).
	MNISTOffset int
	// Start, if not nil, is a network of round 0 trained ahead of time: round 0 uses it
	// instead of training where it matches (see Start).
	Start *Start
}

func (c Config) withDefaults() Config {
	if c.Arch == "" {
		c.Arch = "compact"
	}
	if c.Init == 0 {
		c.Init = 20
	}
	if c.ColdSteps == 0 {
		c.ColdSteps = 60
	}
	if c.PreSteps == 0 {
		c.PreSteps = 30
	}
	if c.WarmSteps == 0 {
		c.WarmSteps = 20
	}
	if c.Batch == 0 {
		c.Batch = 32
	}
	if c.AdversarialCap == 0 {
		c.AdversarialCap = 300
	}
	return c
}

// Engine is one person's session over a pool and a test set.
type Engine struct {
	cfg       Config
	set, test *data.Set
	pool      *active.Pool
	skipped   []bool
	net       *nn.Net
	round     int             // batches submitted
	pending   []int           // the batch on screen, awaiting labels
	trained   int             // the round the net was last trained for, or -1
	pre       int             // the round whose Pretrain ran, or -1
	accuracy  map[int]float64 // test accuracy of each round's net, once measured
	cands     []int           // the candidates the last Query scored (nil for a restored batch)
	picks     []query.Pick    // the batch the last Query returned
	started   bool            // round 0's network is Config.Start's
	// weights are the parameters of the current round's network, as trained for the batch
	// on screen: Pretrain goes on changing the network itself.
	weights []float32
}

// New returns a session over pool (the digits that may be queried, with MNIST's labels used
// only for the seed set and to report disagreements) and test (accuracy is measured there).
func New(cfg Config, pool, test *data.Set) (*Engine, error) {
	for _, s := range []*data.Set{pool, test} {
		if err := train.CheckSet(s); err != nil {
			return nil, err
		}
	}
	cfg = cfg.withDefaults()
	if _, err := nn.New(cfg.Arch, 0); err != nil {
		return nil, err
	}
	if pool.N < cfg.Init+1 || test.N == 0 {
		return nil, fmt.Errorf("engine: a pool of %d and a test set of %d: want more than %d and at least 1", pool.N, test.N, cfg.Init)
	}
	return &Engine{cfg: cfg, set: pool, test: test, pool: active.NewPool(pool.N), skipped: make([]bool, pool.N), trained: -1, pre: -1, accuracy: map[int]float64{}}, nil
}

// Labelled returns the number of labelled samples (skips excluded).
func (e *Engine) Labelled() int { return len(e.pool.Labelled()) }

// Round returns the number of batches submitted.
func (e *Engine) Round() int { return e.round }

// SeedSet labels a class-balanced set of Config.Init samples from ground truth, drawn with
// seed, and returns the labels (round 0, Seed set).
func (e *Engine) SeedSet(seed uint64) ([]msg.Label, error) {
	per := e.cfg.Init / nn.Classes
	if per == 0 {
		per = 1
	}
	rng := rand.New(rand.NewPCG(seed, 0x1417))
	var count [nn.Classes]int
	var labels []msg.Label
	for _, id := range rng.Perm(e.set.N) {
		c := e.set.Labels[id]
		if count[c] < per && !e.pool.IsLabelled(id) && !e.skipped[id] {
			count[c]++
			labels = append(labels, msg.Label{ID: id, Label: int(c), Seed: true})
		}
	}
	if len(labels) < per*nn.Classes {
		return nil, fmt.Errorf("engine: the pool has too few digits of some class for a seed set of %d", per*nn.Classes)
	}
	slices.SortFunc(labels, func(a, b msg.Label) int { return a.ID - b.ID })
	return labels, e.Add(labels)
}

// Add records answers. A label outside 0–9 other than msg.Skip, an ID outside the pool or
// a sample answered twice is an error; answers before it are kept.
func (e *Engine) Add(labels []msg.Label) error {
	for _, l := range labels {
		if l.ID < 0 || l.ID >= e.set.N {
			return fmt.Errorf("engine: sample %d is not in the pool of %d", l.ID, e.set.N)
		}
		if e.skipped[l.ID] {
			return fmt.Errorf("engine: sample %d was already skipped", l.ID)
		}
		switch {
		case l.Label == msg.Skip:
			if e.pool.IsLabelled(l.ID) {
				return fmt.Errorf("engine: sample %d was already labelled", l.ID)
			}
			e.skipped[l.ID] = true
		case l.Label >= 0 && l.Label < nn.Classes:
			if err := e.pool.Label(l.ID, uint8(l.Label), l.Round); err != nil {
				return fmt.Errorf("engine: %w", err)
			}
		default:
			return fmt.Errorf("engine: label %d for sample %d: want 0 to 9 or %d (skip)", l.Label, l.ID, msg.Skip)
		}
		e.pending = slices.DeleteFunc(e.pending, func(id int) bool { return id == l.ID })
	}
	return nil
}

// Restore rebuilds a session from what the page saved: every answer of the in.Round
// submitted batches (answers to the batch on screen, of a later round, are left for Submit)
// and the IDs of the batch on screen. It trains the network as it was when that batch was
// queried and returns the batch with the model's predictions (scores are not recomputed:
// the page keeps those it saved). With no batch on screen it queries a new one.
func (e *Engine) Restore(ctx context.Context, in msg.Init) (*msg.Batch, error) {
	if in.Round < 0 {
		return nil, fmt.Errorf("engine: invalid round %d: want 0 or more", in.Round)
	}
	byRound := map[int][]msg.Label{}
	for _, l := range in.Labels {
		if l.Round < 0 {
			return nil, fmt.Errorf("engine: label of sample %d in round %d: want 0 or more", l.ID, l.Round)
		}
		byRound[l.Round] = append(byRound[l.Round], l)
	}
	s := in.Settings.WithDefaults()
	// Replay the chain of networks, one round at a time, as the session built it.
	for r := 0; r <= in.Round; r++ {
		e.round = r
		if err := e.Add(byRound[r]); err != nil {
			return nil, err
		}
		if _, err := e.train(ctx, s.Seed); err != nil {
			return nil, err
		}
	}
	e.pending = e.pending[:0]
	for _, id := range in.Pending {
		if id < 0 || id >= e.set.N {
			return nil, fmt.Errorf("engine: pending sample %d is not in the pool of %d", id, e.set.N)
		}
		if !e.pool.IsLabelled(id) && !e.skipped[id] && !slices.Contains(e.pending, id) {
			e.pending = append(e.pending, id)
		}
	}
	return e.Query(ctx, in.Settings)
}

// Pending returns the IDs of the batch on screen still awaiting an answer.
func (e *Engine) Pending() []int { return e.pending }

func (e *Engine) roundSeed(seed uint64) uint64 { return seed*1_000_003 + uint64(e.round) }

// train brings the network up to the current round: fresh weights trained ColdSteps steps
// in round 0; in a later round the previous round's Pretrain (if it has not run yet), then
// WarmSteps steps on every label so far. It does nothing if the network is already
// trained for this round.
func (e *Engine) train(ctx context.Context, seed uint64) (time.Duration, error) {
	if e.trained == e.round && e.net != nil {
		return 0, nil
	}
	start := time.Now()
	rs := e.roundSeed(seed)
	steps := e.cfg.WarmSteps
	if e.net == nil {
		if net := e.startNet(seed); net != nil {
			e.net, e.trained, e.started = net, e.round, true
			e.weights = append(e.weights[:0], net.Params...)
			return time.Since(start), nil
		}
		net, err := nn.New(e.cfg.Arch, rs)
		if err != nil {
			return 0, err
		}
		e.net, steps = net, e.cfg.ColdSteps
	} else if e.pre < e.trained {
		if err := e.fit(ctx, e.trained, e.cfg.PreSteps, seed*1_000_003+uint64(e.trained)+0x9e37); err != nil {
			return 0, err
		}
		e.pre = e.trained
	}
	if err := e.fit(ctx, e.round, steps, rs); err != nil {
		return 0, err
	}
	e.trained = e.round
	e.weights = append(e.weights[:0], e.net.Params...)
	return time.Since(start), nil
}

// Pretrain runs, once per round, the part of the next round's training that does not need
// the next batch's labels: PreSteps steps on the labels of this round. The worker calls it
// while the person labels, so that after the submit only WarmSteps remain.
func (e *Engine) Pretrain(ctx context.Context, seed uint64) (time.Duration, error) {
	if e.net == nil || e.trained != e.round || e.pre == e.round {
		return 0, nil
	}
	start := time.Now()
	if err := e.fit(ctx, e.round, e.cfg.PreSteps, seed*1_000_003+uint64(e.round)+0x9e37); err != nil {
		return 0, err
	}
	e.pre = e.round
	return time.Since(start), nil
}

// fit trains the network steps steps on the labels given up to round.
func (e *Engine) fit(ctx context.Context, round, steps int, seed uint64) error {
	var ids []int
	for _, id := range e.pool.Labelled() {
		if e.pool.Round(id) <= round {
			ids = append(ids, id)
		}
	}
	s := e.set.Subset(ids)
	for i, id := range ids {
		s.Labels[i] = e.pool.LabelOf(id)
	}
	_, err := train.Fit(ctx, e.net, s, train.Config{Steps: steps, Batch: e.cfg.Batch, Seed: seed}, nil)
	return err
}

// Evaluate returns the test accuracy of the current round's network (measured once) and
// how long it took.
func (e *Engine) Evaluate() (acc float64, d time.Duration, err error) {
	if e.net == nil || e.trained != e.round {
		return 0, 0, fmt.Errorf("engine: no network trained for round %d", e.round)
	}
	if a, ok := e.accuracy[e.round]; ok {
		return a, 0, nil
	}
	start := time.Now()
	if acc, err = train.Accuracy(e.net, e.test, 0); err != nil {
		return 0, 0, err
	}
	e.accuracy[e.round] = acc
	return acc, time.Since(start), nil
}

// TestSize returns the number of test digits.
func (e *Engine) TestSize() int { return e.test.N }

// Query runs one round with settings s: it trains on every label so far and queries the
// next batch (the batch on screen, if a restored one is pending). The test accuracy is
// measured by Evaluate, after the batch is on screen; Batch.Accuracy is -1 unless it was
// measured already (Query with Eval set measures it first).
func (e *Engine) Query(ctx context.Context, s msg.Settings) (*msg.Batch, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.WithDefaults()
	start := time.Now()
	b := &msg.Batch{Round: e.round, Strategy: s.Strategy, TestSize: e.test.N, PoolSize: e.set.N}
	seed := e.roundSeed(s.Seed)
	var err error
	d, err := e.train(ctx, s.Seed)
	if err != nil {
		return nil, err
	}
	b.Timings.Train = msg.Ms(d)
	b.Labelled = e.Labelled()
	b.Accuracy = -1
	if a, ok := e.accuracy[e.round]; ok {
		b.Accuracy = a
	}
	var picks []query.Pick
	e.cands = nil
	if len(e.pending) > 0 { // a restored batch
		b.Restored = true
		for _, id := range e.pending {
			picks = append(picks, query.Pick{ID: id, Score: math.NaN()})
		}
	} else {
		if picks = e.startPicks(s); picks == nil {
			if picks, err = e.selectBatch(s, seed, b); err != nil {
				return nil, err
			}
		}
		for _, p := range picks {
			e.pending = append(e.pending, p.ID)
		}
	}
	e.picks = picks
	if e.round == 0 && e.started {
		what := "network (%d seed digits, %d training steps) was trained"
		if e.startPicks(s) != nil {
			what = "network (%d seed digits, %d training steps) and its first batch were computed"
		}
		b.Notes = append(b.Notes, fmt.Sprintf("the first "+what+" when the page was built, by this same engine", e.Labelled(), e.cfg.ColdSteps))
	}
	b.Items = e.items(picks)
	b.Timings.Total = msg.Ms(time.Since(start))
	return b, nil
}

// selectBatch scores the candidates of this round with strategy s.Strategy and selects its
// batch, recording the timings and any adjusted setting in b.
func (e *Engine) selectBatch(s msg.Settings, seed uint64, b *msg.Batch) ([]query.Pick, error) {
	t := time.Now()
	strategy, err := query.New(s.Strategy, query.Options{})
	if err != nil {
		return nil, err
	}
	needs := strategy.Needs()
	subset := s.PoolSubset
	if needs.Model && subset > e.cfg.AdversarialCap {
		subset = e.cfg.AdversarialCap
		b.Notes = append(b.Notes, fmt.Sprintf("%s searches %d candidates (DFAL's subset), not %d", s.Strategy, subset, s.PoolSubset))
	}
	ids := e.candidates(subset, seed)
	e.cands = ids
	c := active.Gather(e.net, e.set, ids, e.pool.Labelled(), needs, s.MCSamples, seed)
	b.Timings.Score = msg.Ms(time.Since(t))
	t = time.Now()
	picks, err := strategy.Select(c, min(s.Batch, len(ids)))
	b.Timings.Select = msg.Ms(time.Since(t))
	return picks, err
}

// Submit records a batch's answers and counts the round.
func (e *Engine) Submit(labels []msg.Label) error {
	if err := e.Add(labels); err != nil {
		return err
	}
	e.pending = e.pending[:0]
	e.cands, e.picks = nil, nil
	e.round++
	return nil
}

// candidates returns the unlabelled, unskipped IDs, or a random subset of m of them (sorted).
func (e *Engine) candidates(m int, seed uint64) []int {
	ids := make([]int, 0, e.set.N)
	for id := range e.set.N {
		if !e.pool.IsLabelled(id) && !e.skipped[id] {
			ids = append(ids, id)
		}
	}
	if m > 0 && m < len(ids) {
		rng := rand.New(rand.NewPCG(seed, 0x5ab5e7))
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		ids = ids[:m]
		slices.Sort(ids)
	}
	return ids
}

// items describes the picks for the page: images, predictions, adversarial twins.
func (e *Engine) items(picks []query.Pick) []msg.Item {
	if len(picks) == 0 {
		return nil
	}
	const px = 28 * 28
	ids := make([]int, len(picks))
	for i, p := range picks {
		ids[i] = p.ID
	}
	x := nn.NewInput(len(ids))
	e.set.ToFloat32To(x.Float32s(), ids)
	probs := make([]float32, len(ids)*nn.Classes)
	nn.SoftmaxTo(probs, e.net.Forward(x, nn.Pass{Mode: nn.Infer}).Float32s(), nn.Classes)
	items := make([]msg.Item, len(picks))
	for i, p := range picks {
		row := probs[i*nn.Classes : (i+1)*nn.Classes]
		pred := argmax(row)
		it := msg.Item{
			ID: p.ID, MNIST: e.cfg.MNISTOffset + p.ID, Image: slices.Clone(e.set.Image(p.ID)),
			Pred: pred, Prob: float64(row[pred]), Score: p.Score, Truth: int(e.set.Labels[p.ID]),
		}
		if math.IsNaN(it.Score) || math.IsInf(it.Score, 0) {
			it.Score = 0
		}
		if len(p.Adversarial) == px {
			it.Adversarial = make([]byte, px)
			for k, v := range p.Adversarial {
				it.Adversarial[k] = uint8(math.Round(float64(min(max(v, 0), 1)) * 255))
			}
			ax := nn.NewInput(1)
			copy(ax.Float32s(), p.Adversarial)
			it.AdvPred = argmax(e.net.Forward(ax, nn.Pass{Mode: nn.Infer}).Float32s())
		}
		items[i] = it
	}
	return items
}

func argmax[F float32 | float64](v []F) int {
	best := 0
	for k, x := range v {
		if x > v[best] {
			best = k
		}
	}
	return best
}

// SaveModel writes, as .npz (nn.Net.Save), the network of the batch on screen — the one
// whose test accuracy Evaluate measures, without Pretrain's further steps; an error before
// any round.
func (e *Engine) SaveModel(w io.Writer) error {
	if e.net == nil {
		return fmt.Errorf("engine: no model trained yet")
	}
	net, err := nn.New(e.net.Arch, 0)
	if err != nil {
		return err
	}
	copy(net.Params, e.weights)
	return net.Save(w)
}
