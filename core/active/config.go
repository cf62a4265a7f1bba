package active

import (
	"cmp"
	"fmt"

	"alab/core/nn"
	"alab/core/query"
	"alab/core/train"
)

// The ranges Validate accepts. MaxSamples bounds every count of images (budget, subset, test
// limit): ten million images are 7.8 GB of pixels, more than the machines alab runs on hold.
// MaxMCSamples bounds the stochastic passes: 100 passes over MNIST's 60,000 digits hold
// 240 MB of probabilities.
const (
	MaxBatch     = 10_000
	MaxMCSamples = 100
	MaxSamples   = 10_000_000
	MaxHoldOut   = 1000
)

// HeldOutEvery is the hold-out (Config.HoldOut) of a person's or a team's labelling on
// images without a test set, in the lab and in alab team: every fifth label estimates the
// accuracy and is never trained on.
const HeldOutEvery = 5

// Settings are what a caller may change between rounds (Loop.SetSettings): they apply from
// the next query. Zero values mean the defaults given.
type Settings struct {
	Strategy string        // query strategy (query.Names); if "", "random"
	Options  query.Options // the strategy's knobs
	Batch    int           // samples queried per round, at most MaxBatch; if 0, 10

	// PoolSubset, if positive, scores a random subset of that many unlabelled samples each
	// round instead of the whole unlabelled pool (Gal et al. use 2000, DFAL 300). It is at
	// least Batch (a smaller subset would shrink the batch) and at most MaxSamples.
	PoolSubset int
	MCSamples  int // stochastic passes for MC-dropout strategies, at most MaxMCSamples; if 0, 20
}

func (s Settings) withDefaults() Settings {
	s.Strategy = cmp.Or(s.Strategy, "random")
	s.Batch = cmp.Or(s.Batch, 10)
	s.MCSamples = cmp.Or(s.MCSamples, 20)
	return s
}

// Validate reports the first invalid setting (after defaults).
func (s Settings) Validate() error {
	s = s.withDefaults()
	if _, err := query.New(s.Strategy, s.Options); err != nil {
		return err
	}
	switch {
	case s.Batch < 1 || s.Batch > MaxBatch:
		return fmt.Errorf("active: invalid batch size %d: want 1 to %d", s.Batch, MaxBatch)
	case s.PoolSubset < 0 || s.PoolSubset > MaxSamples:
		return fmt.Errorf("active: invalid pool subset %d: want 0 (the whole pool) or %d to %d", s.PoolSubset, s.Batch, MaxSamples)
	case s.PoolSubset > 0 && s.PoolSubset < s.Batch:
		return fmt.Errorf("active: pool subset %d is below the batch size %d: want 0 (the whole pool) or at least the batch", s.PoolSubset, s.Batch)
	case s.MCSamples < 1 || s.MCSamples > MaxMCSamples:
		return fmt.Errorf("active: invalid MC samples %d: want 1 to %d", s.MCSamples, MaxMCSamples)
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
	// Classes is the network's outputs: the pool's labels are 0 to Classes−1. If 0,
	// nn.Classes (MNIST's ten digits).
	Classes int
	Settings

	Init         int  // size of the initial labelled set; if 0, 20
	InitBalanced bool // the initial set has Init/10 samples of each class (Init must divide by 10)
	// Unseeded starts with no labels at all, where there is no ground truth to draw an
	// initial set from: Init and InitBalanced are ignored, New labels nothing, round 0 has
	// no network and queries its batch at random (the "random" strategy), and round 1
	// trains the first network from fresh weights on round 0's answers.
	Unseeded bool
	Budget   int // stop once this many samples are labelled (at most MaxSamples); if 0, Init + 10·Batch

	Train Schedule

	// ModelCap, if positive, bounds the candidates of strategies that run the network per
	// candidate (query.Needs.Model: fgsm, deepfool) below PoolSubset: DFAL's 300 in the browser.
	ModelCap int

	// HoldOut, if k ≥ 2, holds out every k-th label answered after the initial set (the
	// k-th, 2k-th, … in answer order): such a sample is labelled but never trained on, and
	// Loop.HeldOut measures the network's accuracy on them — an estimate where there is no
	// test set. At most MaxHoldOut; 0 holds nothing out.
	HoldOut int

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
	c.Arch = cmp.Or(c.Arch, "compact")
	c.Classes = cmp.Or(c.Classes, nn.Classes)
	c.Settings = c.Settings.withDefaults()
	if c.Unseeded {
		c.Init, c.InitBalanced = 0, false
	} else {
		c.Init = cmp.Or(c.Init, 20)
	}
	c.Budget = cmp.Or(c.Budget, c.Init+10*c.Batch)
	return c
}

// Validate reports the first invalid field of c (after defaults) for a pool of poolSize.
func (c Config) Validate(poolSize int) error {
	c = c.withDefaults()
	if _, err := nn.NewClasses(c.Arch, c.Classes, 0); err != nil {
		return err
	}
	if err := c.Settings.Validate(); err != nil {
		return err
	}
	if c.Unseeded {
		c.Init, c.InitBalanced = 0, false
	}
	switch {
	case poolSize < 1:
		return fmt.Errorf("active: the pool is empty: want at least one sample")
	case c.Init < 0 || c.Init > poolSize || (c.Init == 0 && !c.Unseeded):
		return fmt.Errorf("active: invalid initial set size %d: want 1 to %d (the pool)", c.Init, poolSize)
	case c.InitBalanced && c.Init%c.Classes != 0:
		return fmt.Errorf("active: a class-balanced initial set of %d: want a multiple of %d (the classes)", c.Init, c.Classes)
	case c.Budget < c.Init:
		return fmt.Errorf("active: budget %d is below the initial set size %d", c.Budget, c.Init)
	case c.Budget > MaxSamples:
		return fmt.Errorf("active: invalid budget %d: want %d (the initial set) to %d", c.Budget, c.Init, MaxSamples)
	case c.HoldOut < 0 || c.HoldOut == 1 || c.HoldOut > MaxHoldOut:
		return fmt.Errorf("active: invalid hold-out %d: want 0 (none) or every k-th label for k from 2 to %d", c.HoldOut, MaxHoldOut)
	case c.TestLimit < 0 || c.TestLimit > MaxSamples:
		return fmt.Errorf("active: invalid test limit %d: want 0 (all) to %d", c.TestLimit, MaxSamples)
	case c.Train.Pre < 0 || c.Train.Pre > train.MaxSteps:
		return fmt.Errorf("active: invalid pre-training steps %d: want 0 to %d", c.Train.Pre, train.MaxSteps)
	case c.ModelCap < 0 || c.ModelCap > MaxSamples:
		return fmt.Errorf("active: invalid model cap %d: want 0 (none) to %d", c.ModelCap, MaxSamples)
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
