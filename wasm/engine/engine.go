// Package engine is the browser's active-learning session: a thin layer over core/active's
// loop that takes the page's messages (wasm/msg) in, steps the loop and gives messages out.
// It is what the Web Worker (wasm/worker) runs; it has no syscall/js, so it is tested
// natively. The loop does the rest: the pool, the seed set, the candidates, the training
// schedule, the random streams and the replay of a saved session.
package engine

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"alab/core/active"
	"alab/core/adversarial"
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
	// The training schedule (active.Schedule): round 0's network trains ColdSteps steps
	// from fresh weights; each later round's continues from the previous round's, PreSteps
	// on the labels it had (while the person labels) and WarmSteps on every label so far.
	ColdSteps int // if 0, 60
	PreSteps  int // if 0, 30
	WarmSteps int // if 0, 20
	Batch     int // examples per step; if 0, 32
	// AdversarialCap bounds the candidates of the adversarial searches (fgsm, deepfool),
	// which run the network many times per candidate; if 0, msg.AdversarialCap.
	AdversarialCap int
	// MNISTOffset is the MNIST training index of pool sample 0 (the bundle holds a
	// contiguous run of MNIST's training set).
	MNISTOffset int
	// Start, if not nil, is a network of round 0 trained ahead of time: round 0 uses it
	// where it matches (see Start).
	Start *Start
}

func (c Config) withDefaults() Config {
	c.Arch = cmp.Or(c.Arch, "compact")
	c.Init = cmp.Or(c.Init, 20)
	c.ColdSteps = cmp.Or(c.ColdSteps, 60)
	c.PreSteps = cmp.Or(c.PreSteps, 30)
	c.WarmSteps = cmp.Or(c.WarmSteps, 20)
	c.Batch = cmp.Or(c.Batch, 32)
	c.AdversarialCap = cmp.Or(c.AdversarialCap, msg.AdversarialCap)
	return c
}

// loopConfig is the loop of a session of c over a pool of poolSize with settings s.
func (c Config) loopConfig(s msg.Settings, poolSize int) active.Config {
	return active.Config{
		Arch: c.Arch, Settings: settings(s), Init: c.Init, InitBalanced: true, Budget: poolSize,
		Train: active.Schedule{
			Cold:      train.Config{Steps: c.ColdSteps, Batch: c.Batch},
			WarmStart: true, Pre: c.PreSteps,
			Warm: train.Config{Steps: c.WarmSteps, Batch: c.Batch},
		},
		ModelCap: c.AdversarialCap, RoundZero: c.Start.roundZero(c, s), Seed: s.Seed,
	}
}

// settings are the loop's settings of the page's (whose defaults are filled in).
func settings(s msg.Settings) active.Settings {
	return active.Settings{Strategy: s.Strategy, Batch: s.Batch, PoolSubset: s.PoolSubset, MCSamples: s.MCSamples}
}

// Engine is one person's session over a pool and a test set.
type Engine struct {
	cfg      Config
	loop     *active.Loop
	settings msg.Settings // the loop's, as the page gave them; Seed is fixed for the session
	classes  int          // the network's outputs
	files    []string     // on the person's images: the file of each pool sample; nil on MNIST
}

// New starts a session with settings s over pool (the digits that may be queried, with
// MNIST's labels used only for the seed set and to report disagreements) and test (accuracy
// is measured there): the seed set is labelled from ground truth.
func New(ctx context.Context, cfg Config, pool, test *data.Set, s msg.Settings) (*Engine, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	cfg, s = cfg.withDefaults(), s.WithDefaults()
	if pool.N < cfg.Init+1 || test.N == 0 {
		return nil, fmt.Errorf("engine: a pool of %d and a test set of %d: want more than %d and at least 1", pool.N, test.N, cfg.Init)
	}
	loop, err := active.New(ctx, cfg.loopConfig(s, pool.N), pool, test, active.GroundTruth{Set: pool})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return &Engine{cfg: cfg, loop: loop, settings: s, classes: nn.Classes}, nil
}

// NewImages starts a session with settings s over the person's images: pool, unlabelled,
// files[i] naming image i, labelled into classes classes (2 to msg.LabClasses). There is
// no ground truth, so no seed set: round 0 queries a random batch, round 1 trains the first
// network on its answers (active.Config.Unseeded). The accuracy (Accuracy) is measured on
// test, a labelled set of the person's, or, where test is nil, estimated on every
// active.HeldOutEvery-th label, held out of training.
func NewImages(ctx context.Context, cfg Config, pool *data.Set, files []string, classes int, test *data.Set, s msg.Settings) (*Engine, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	switch {
	case classes < 2 || classes > msg.LabClasses:
		return nil, fmt.Errorf("engine: %d classes: want 2 to %d (the keys 0 to 9)", classes, msg.LabClasses)
	case len(files) != pool.N:
		return nil, fmt.Errorf("engine: %d file names for %d images", len(files), pool.N)
	}
	cfg, s = cfg.withDefaults(), s.WithDefaults()
	c := cfg.loopConfig(s, pool.N)
	c.Classes, c.Unseeded, c.Init, c.InitBalanced, c.HoldOut, c.RoundZero = classes, true, 0, false, active.HeldOutEvery, nil
	if test == nil {
		test = &data.Set{Rows: pool.Rows, Cols: pool.Cols}
	} else {
		c.HoldOut = 0
	}
	loop, err := active.New(ctx, c, pool, test, active.GroundTruth{Set: pool})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return &Engine{cfg: cfg, loop: loop, settings: s, classes: classes, files: files}, nil
}

// SeedSet returns the seed set's labels (round 0, Seed set), sorted by ID.
func (e *Engine) SeedSet() []msg.Label {
	var labels []msg.Label
	for _, id := range e.loop.Initial() {
		labels = append(labels, msg.Label{ID: id, Label: int(e.loop.Pool().LabelOf(id)), Seed: true})
	}
	return labels
}

// Labelled returns the number of labelled samples (skips excluded).
func (e *Engine) Labelled() int { return len(e.loop.Pool().Labelled()) }

// Trained reports whether the batch on screen's round has a network: not round 0 on images.
func (e *Engine) Trained() bool { return e.loop.Net() != nil }

// Round returns the number of batches submitted.
func (e *Engine) Round() int { return e.loop.Round() }

// TestSize returns the number of test digits.
func (e *Engine) TestSize() int { return e.loop.Test().N }

// SetSettings changes the settings from the next round on. The seed is the session's.
func (e *Engine) SetSettings(s msg.Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s = s.WithDefaults()
	if s.Seed != e.settings.Seed {
		return fmt.Errorf("engine: seed %d for a session of seed %d: the seed is fixed when a session starts", s.Seed, e.settings.Seed)
	}
	if err := e.loop.SetSettings(settings(s)); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	e.settings = s
	return nil
}

// Add records answers to the batch on screen (or any unlabelled digit, or a drawn one) given
// in the current round: a label 0–9, or msg.Skip for an unreadable digit. A label outside those, an ID
// outside the pool or a digit answered twice is an error; answers before it are kept.
func (e *Engine) Add(labels []msg.Label) error {
	for _, l := range labels {
		var err error
		switch {
		case l.Image != nil && l.Label >= 0 && l.Label < e.classes:
			err = e.loop.AddImage(l.Image, uint8(l.Label))
		case l.Label == msg.Skip:
			err = e.loop.TakeOut(l.ID)
		case l.Label >= 0 && l.Label < e.classes:
			err = e.loop.Answer(l.ID, uint8(l.Label))
		default:
			err = fmt.Errorf("label %d for sample %d: want 0 to %d or %d (skip)", l.Label, l.ID, e.classes-1, msg.Skip)
		}
		if err != nil {
			return fmt.Errorf("engine: %w", err)
		}
	}
	return nil
}

// Submit records a batch's answers and counts the round.
func (e *Engine) Submit(labels []msg.Label) error {
	if err := e.Add(labels); err != nil {
		return err
	}
	return e.loop.Submit()
}

// Restore rebuilds a session, started with in.Settings, from what the page saved: the
// answers of the in.Round submitted batches, replayed round by round, and the batch on
// screen, in.Pending (its answers are left for Submit). It returns that batch with the
// model's predictions (scores are not recomputed: the page keeps those it saved), or a new
// one where none was on screen.
func (e *Engine) Restore(ctx context.Context, in msg.Init) (*msg.Batch, error) {
	answers := make([]active.Answer, len(in.Labels))
	for i, l := range in.Labels {
		answers[i] = active.Answer{ID: l.ID, Label: l.Label, Round: l.Round, Image: l.Image}
	}
	if err := e.loop.Replay(ctx, answers, in.Round, in.Pending); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return e.Query(ctx)
}

// Query runs the current round with the session's settings: it trains on every label so
// far and queries the next batch (the batch on screen, if a restored one is pending). The
// test accuracy is measured by Evaluate, after the batch is on screen; Batch.Accuracy is -1
// unless it was measured already.
func (e *Engine) Query(ctx context.Context) (*msg.Batch, error) {
	start := time.Now()
	r, err := e.loop.Query(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	s := e.settings
	b := &msg.Batch{
		Round: r.Round, Strategy: s.Strategy, TestSize: e.TestSize(), PoolSize: e.loop.Set().N,
		Labelled: r.Labelled, Accuracy: -1, Restored: r.Replayed,
		Timings: msg.Timings{Train: msg.Ms(r.Train), Score: msg.Ms(r.Score), Select: msg.Ms(r.Select)},
	}
	if acc, ok := e.loop.Measured(); ok {
		b.Accuracy = acc // known already: the batch does not wait for an evaluation
	}
	if strategy, err := query.New(s.Strategy, query.Options{}); err == nil && strategy.Needs().Model &&
		s.PoolSubset > e.cfg.AdversarialCap && !r.Replayed {
		b.Notes = append(b.Notes, fmt.Sprintf("%s searches %d candidates (DFAL's subset), not %d", s.Strategy, r.Candidates, s.PoolSubset))
	}
	if r.TakenNet {
		what := "network (%d seed digits, %d training steps) was trained"
		if r.TakenBatch {
			what = "network (%d seed digits, %d training steps) and its first batch were computed"
		}
		b.Notes = append(b.Notes, fmt.Sprintf("the first "+what+" when the page was built, by this same engine", r.Labelled, e.cfg.ColdSteps))
	}
	b.Items = e.items(r.Picks)
	b.Timings.Total = msg.Ms(time.Since(start))
	return b, nil
}

// Evaluate returns the test accuracy of the current round's network (measured once) and
// how long it took.
func (e *Engine) Evaluate() (float64, time.Duration, error) { return e.loop.Evaluate() }

// Accuracy measures the accuracy of the network of batch b: on the test set, or on the
// person's images without one on the labels held out so far, as an estimate with its
// interval. It is nil, with no error, where there is nothing to measure yet (no network, or
// no held-out label).
func (e *Engine) Accuracy(b *msg.Batch) (*msg.Accuracy, error) {
	if !e.Trained() {
		return nil, nil
	}
	if e.TestSize() > 0 {
		acc, d, err := e.Evaluate()
		if err != nil {
			return nil, err
		}
		a := &msg.Accuracy{Round: b.Round, Labelled: b.Labelled, Accuracy: acc, TestSize: e.TestSize(), Ms: msg.Ms(d)}
		if d > 0 {
			a.PassMs = a.Ms / float64(a.TestSize)
		} else if a.PassMs, err = e.PassMs(); err != nil {
			return nil, err
		}
		return a, nil
	}
	start := time.Now()
	est, err := e.loop.HeldOut()
	if err != nil || est.N == 0 {
		return nil, err
	}
	return &msg.Accuracy{Round: b.Round, Labelled: b.Labelled, Accuracy: est.Accuracy, TestSize: est.N,
		Ms: msg.Ms(time.Since(start)), HeldOut: true, Low: est.Low, High: est.High}, nil
}

// Pretrain runs, once per round, the part of the next round's training that does not need
// the next batch's labels. The worker calls it while the person labels, so that after the
// submit only WarmSteps remain.
func (e *Engine) Pretrain(ctx context.Context) (time.Duration, error) { return e.loop.Pretrain(ctx) }

// items describes the picks for the page: images, predictions, adversarial twins.
func (e *Engine) items(picks []query.Pick) []msg.Item {
	if len(picks) == 0 {
		return nil
	}
	const px = 28 * 28
	set, net, k := e.loop.Set(), e.loop.Net(), e.classes
	ids := make([]int, len(picks))
	for i, p := range picks {
		ids[i] = p.ID
	}
	var probs []float32
	if net != nil { // none in round 0 on images
		x := nn.NewInput(len(ids))
		set.ToFloat32To(x.Float32s(), ids)
		probs = make([]float32, len(ids)*k)
		nn.SoftmaxTo(probs, net.Forward(x, nn.Pass{Mode: nn.Infer}).Float32s(), k)
	}
	items := make([]msg.Item, len(picks))
	for i, p := range picks {
		it := msg.Item{
			ID: p.ID, MNIST: e.cfg.MNISTOffset + p.ID, Image: slices.Clone(set.Image(p.ID)),
			Pred: -1, Score: p.Score, Truth: int(set.Labels[p.ID]),
		}
		if probs != nil {
			row := probs[i*k : (i+1)*k]
			it.Pred = argmax(row)
			it.Prob = float64(row[it.Pred])
		}
		if e.files != nil {
			it.MNIST, it.Truth, it.Name = -1, -1, e.files[p.ID]
		}
		if math.IsNaN(it.Score) || math.IsInf(it.Score, 0) {
			it.Score = 0
		}
		if len(p.Adversarial) == px {
			it.Adversarial = pixels(p.Adversarial)
			ax := nn.NewInput(1)
			copy(ax.Float32s(), p.Adversarial)
			it.AdvPred = argmax(net.Forward(ax, nn.Pass{Mode: nn.Infer}).Float32s())
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
	net := e.loop.Net()
	if net == nil {
		return fmt.Errorf("engine: no model trained yet")
	}
	return net.Save(w)
}

// PassMs measures how long one forward pass of one digit takes on this device, in
// milliseconds, on the first 256 test digits with the network of the batch on screen:
// msg.Accuracy.PassMs when the accuracy needs no evaluation.
func (e *Engine) PassMs() (float64, error) {
	net := e.loop.Net()
	if net == nil {
		return 0, fmt.Errorf("engine: no model trained yet")
	}
	few := e.loop.Test().Head(256)
	start := time.Now()
	if _, err := train.Accuracy(net, few, 0); err != nil {
		return 0, err
	}
	return msg.Ms(time.Since(start)) / float64(few.N), nil
}

// Probe describes a drawn digit with the network of the batch on screen (active.Loop.Probe).
func (e *Engine) Probe(img []byte) (*msg.Probe, error) {
	start := time.Now()
	p, err := e.loop.Probe(img)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	out := &msg.Probe{
		Round: e.loop.Round(), Pred: p.Pred, Softmax: p.Softmax, Passes: p.Passes, Mean: p.Mean, Std: p.Std,
		FGSM: twin(p.FGSM), Deep: twin(p.DeepFool),
	}
	for _, s := range p.Scores {
		out.Scores = append(out.Scores, msg.ProbeScore{Name: s.Name, Value: s.Value, Rank: s.Rank, Of: s.Of, Asks: s.Asks})
	}
	out.Ms = msg.Ms(time.Since(start))
	return out, nil
}

// twin is an adversarial search's result as the page shows it.
func twin(r adversarial.Result) msg.Twin {
	if r.Adversarial == nil {
		return msg.Twin{To: -1}
	}
	return msg.Twin{Image: pixels(r.Adversarial), Distance: r.Distance, To: r.To}
}

// pixels converts an image of values in [0, 1] to 8-bit pixels.
func pixels(img []float32) []byte {
	out := make([]byte, len(img))
	for k, v := range img {
		out[k] = uint8(math.Round(float64(min(max(v, 0), 1)) * 255))
	}
	return out
}
