// Package train fits a core/nn network to a labelled set and measures its accuracy.
package train

import (
	"context"
	"fmt"
	"math/rand/v2"

	"alab/core/data"
	"alab/core/nn"
)

// The largest values Validate accepts: 1000 epochs of all 60,000 MNIST digits at batch 1
// are 6·10⁷ steps, which an int counts on every platform.
const (
	MaxEpochs = 1000
	MaxSteps  = 1_000_000
	MaxBatch  = 1 << 16
	MaxLR     = 10
)

// Config sets how a network is trained. Zero values mean the defaults given.
type Config struct {
	Epochs int `json:"epochs,omitempty"` // passes over the set, at most MaxEpochs; if 0, 1 is used
	// Steps, if positive, fixes the number of optimisation steps instead of Epochs: the
	// order is reshuffled at every pass over the set and training stops after Steps batches.
	// Small labelled sets (active learning's early rounds) need many passes; a fixed number
	// of steps keeps the cost of a round independent of the set's size.
	// Steps is at most MaxSteps.
	Steps     int     `json:"steps,omitempty"`
	Batch     int     `json:"batch,omitempty"`     // examples per step, at most MaxBatch; if 0, 64 is used
	LR        float64 `json:"lr,omitempty"`        // learning rate, at most MaxLR; if 0, 0.001 for Adam and 0.01 for SGD
	Optimizer string  `json:"optimizer,omitempty"` // "adam" or "sgd" (with momentum 0.9); if "", "adam" is used
	Seed      uint64  `json:"seed,omitempty"`      // the order of examples and the dropout masks
}

func (c Config) withDefaults() Config {
	if c.Epochs == 0 {
		c.Epochs = 1
	}
	if c.Batch == 0 {
		c.Batch = 64
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	return c
}

// Validate reports the first invalid field of c, after defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Epochs < 0 || c.Epochs > MaxEpochs:
		return fmt.Errorf("train: invalid epochs %d: want 1 to %d", c.Epochs, MaxEpochs)
	case c.Steps < 0 || c.Steps > MaxSteps:
		return fmt.Errorf("train: invalid steps %d: want 0 (use epochs) to %d", c.Steps, MaxSteps)
	case c.Batch < 0 || c.Batch > MaxBatch:
		return fmt.Errorf("train: invalid batch size %d: want 1 to %d", c.Batch, MaxBatch)
	case !(c.LR >= 0 && c.LR <= MaxLR):
		return fmt.Errorf("train: invalid learning rate %g: want a value in (0, %d]", c.LR, MaxLR)
	case c.Optimizer != "adam" && c.Optimizer != "sgd":
		return fmt.Errorf("train: unknown optimizer %q: want adam or sgd", c.Optimizer)
	}
	return nil
}

func (c Config) optimizer() nn.Optimizer {
	if c.Optimizer == "sgd" {
		return &nn.SGD{LR: c.LR, Momentum: 0.9}
	}
	return &nn.Adam{LR: c.LR}
}

// Progress is told after every step how many steps of how many are done and the step's loss.
type Progress func(done, total int, loss float64)

// CheckSet reports whether s can be fed to a built-in network of the given classes: 28×28
// images, labels 0 to classes−1.
func CheckSet(s *data.Set, classes int) error {
	if s.Rows != nn.Input.H || s.Cols != nn.Input.W {
		return fmt.Errorf("train: images are %d×%d: want %d×%d", s.Rows, s.Cols, nn.Input.H, nn.Input.W)
	}
	return s.Validate(classes)
}

// Fit trains net on every image of set for cfg.Epochs epochs (or cfg.Steps steps),
// reshuffling each epoch, and returns the mean loss over the last (possibly partial) epoch.
// It stops early with ctx's error if ctx is done. progress may be nil.
func Fit(ctx context.Context, net *nn.Net, set *data.Set, cfg Config, progress Progress) (float64, error) {
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	if err := CheckSet(set, net.Outputs()); err != nil {
		return 0, err
	}
	if set.N == 0 {
		return 0, fmt.Errorf("train: the training set is empty")
	}
	cfg = cfg.withDefaults()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7472_6169_6e))
	opt := cfg.optimizer()
	order := make([]int, set.N)
	for i := range order {
		order[i] = i
	}
	bs := min(cfg.Batch, set.N)
	x := nn.NewInput(bs)
	labels := make([]uint8, bs)
	perEpoch := (set.N + bs - 1) / bs
	total := cfg.Epochs * perEpoch
	if cfg.Steps > 0 {
		total = cfg.Steps
	}
	var sum float64 // loss summed over the examples of the current pass
	seen := 0
	for step := 0; step < total; step++ {
		s := step % perEpoch
		if s == 0 {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			sum, seen = 0, 0
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		ids := order[s*bs : min((s+1)*bs, set.N)]
		xb := x
		if len(ids) < bs {
			xb = nn.NewInput(len(ids))
		}
		set.ToFloat32To(xb.Float32s(), ids)
		for j, id := range ids {
			labels[j] = set.Labels[id]
		}
		loss := net.TrainBatch(xb, labels[:len(ids)], opt, rng)
		sum += loss * float64(len(ids))
		seen += len(ids)
		if progress != nil {
			progress(step+1, total, loss)
		}
	}
	return sum / float64(seen), nil
}

// Accuracy returns the fraction of set that net classifies correctly (dropout off),
// evaluating batch images at a time (if batch is 0, 256).
func Accuracy(net *nn.Net, set *data.Set, batch int) (float64, error) {
	if err := CheckSet(set, net.Outputs()); err != nil {
		return 0, err
	}
	if set.N == 0 {
		return 0, fmt.Errorf("train: the evaluation set is empty")
	}
	if batch <= 0 {
		batch = 256
	}
	ids := make([]int, 0, batch)
	x := nn.NewInput(min(batch, set.N))
	correct, classes := 0, net.Outputs()
	for start := 0; start < set.N; start += batch {
		ids = ids[:0]
		for i := start; i < min(start+batch, set.N); i++ {
			ids = append(ids, i)
		}
		xb := x
		if len(ids) < x.Shape()[0] {
			xb = nn.NewInput(len(ids))
		}
		set.ToFloat32To(xb.Float32s(), ids)
		logits := net.Forward(xb, nn.Pass{Mode: nn.Infer, NoGrad: true}).Float32s()
		for j, id := range ids {
			row := logits[j*classes : (j+1)*classes]
			best := 0
			for k, v := range row {
				if v > row[best] {
					best = k
				}
			}
			if best == int(set.Labels[id]) {
				correct++
			}
		}
	}
	return float64(correct) / float64(set.N), nil
}
