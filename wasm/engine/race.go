package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"alab/core/active"
	"alab/core/data"
	"alab/core/experiment"
	"alab/core/nn"
	"alab/wasm/msg"
)

// RaceSpec returns the sweep of `alab run` that a race runs: the same flags give the same
// active.Config (`alab run --strategies S --batch B --init I --budget N --pool-subset P
// --mc-samples T --steps K --warm-start --seed X`), on the bundle's pool and test digits.
func RaceSpec(r msg.Race) experiment.Spec {
	s := experiment.Spec{
		Strategies: r.Strategies, Batches: []int{r.Batch}, Repeats: 1, Seed: r.Seed,
		Arch: "compact", Init: r.Init, Budget: r.Budget, PoolSubset: r.PoolSubset,
		MCSamples: r.MCSamples, WarmStart: true,
	}
	s.Train.Steps, s.Train.Batch, s.Train.LR = r.Steps, 32, 0.001
	return s
}

// A RaceStart is a race's round 0 computed ahead of time — by `make web`, natively, for
// the default race over the page's bundle: the network the race's loops train on their
// initial set, and its test accuracy. Round 0 depends on the seed, the initial set's size and
// the training steps alone (not on the strategies, the batch size or the budget), so every
// race with those three the same starts from it, as if it had trained it.
type RaceStart struct {
	Seed     uint64  `json:"seed"`
	Init     int     `json:"init"`
	Steps    int     `json:"steps"`
	Labelled []int   `json:"labelled"` // the initial set, as the loop orders it
	TestN    int     `json:"testN"`    // digits in the test set of Accuracy
	Accuracy float64 `json:"accuracy"`
	Weights  []byte  `json:"weights"` // the network as .npz (nn.Net.Save)
}

// TrainRaceStart computes the round 0 of race r over pool and test, as Race would.
func TrainRaceStart(ctx context.Context, r msg.Race, pool, test *data.Set) (*RaceStart, error) {
	spec := RaceSpec(r)
	l, err := active.New(ctx, spec.Config(experiment.Run{Strategy: "random", Batch: r.Batch}), pool, test, active.GroundTruth{Set: pool})
	if err != nil {
		return nil, err
	}
	labelled := slices.Clone(l.Pool().Labelled()) // before the round labels its batch
	rd, err := l.Step(ctx)
	if err != nil {
		return nil, err
	}
	var w bytes.Buffer
	if err := l.Net().Save(&w); err != nil {
		return nil, err
	}
	return &RaceStart{Seed: r.Seed, Init: r.Init, Steps: r.Steps, Labelled: labelled, TestN: test.N,
		Accuracy: rd.TestAccuracy, Weights: w.Bytes()}, nil
}

// WriteRaceStart writes s as JSON, the form ReadRaceStart reads.
func WriteRaceStart(w io.Writer, s *RaceStart) error { return json.NewEncoder(w).Encode(s) }

// ReadRaceStart decodes a RaceStart written by WriteRaceStart.
func ReadRaceStart(rd io.Reader) (*RaceStart, error) {
	var s RaceStart
	if err := json.NewDecoder(rd).Decode(&s); err != nil {
		return nil, fmt.Errorf("engine: the race's first network: %w", err)
	}
	return &s, nil
}

// roundZero returns s as round 0 of race r over a test set of testN digits, or nil where
// it is another race's: the race then trains its round 0 itself.
func (s *RaceStart) roundZero(r msg.Race, testN int) *active.RoundZero {
	if s == nil || s.Seed != r.Seed || s.Init != r.Init || s.Steps != r.Steps || s.TestN != testN {
		return nil
	}
	net, err := nn.Load(bytes.NewReader(s.Weights), int64(len(s.Weights)))
	if err != nil {
		return nil
	}
	return &active.RoundZero{Net: net, Labelled: s.Labelled, Tested: true, Accuracy: s.Accuracy}
}

// Race runs strategies of a race side by side, each from the race's initial set (it
// depends on the seed alone) and labelled from pool's ground truth: one round of each in
// turn, so their curves grow together. Their round 0 is trained and tested once, by the
// first, and handed to the others (active.RoundZero), or taken from start where start is
// this race's (start may be nil). It hands each round to each as it finishes — the rows
// `alab run` writes for the same spec — and done(strategy) when a strategy's budget is spent.
func Race(ctx context.Context, r msg.Race, strategies []string, pool, test *data.Set, start *RaceStart, each func(msg.Row), done func(string)) error {
	spec := RaceSpec(r)
	spec.Strategies = strategies
	if err := spec.Validate(pool.N); err != nil {
		return err
	}
	loops := make([]*active.Loop, len(strategies))
	zero := start.roundZero(r, test.N)
	for pass, left := 0, len(loops); left > 0; pass++ {
		for i := range loops {
			if pass == 0 {
				cfg := spec.Config(experiment.Run{Strategy: strategies[i], Batch: r.Batch})
				cfg.RoundZero = zero
				l, err := active.New(ctx, cfg, pool, test, active.GroundTruth{Set: pool})
				if err != nil {
					return err
				}
				loops[i] = l
			}
			l := loops[i]
			if l == nil {
				continue
			}
			rd, err := l.Step(ctx)
			if errors.Is(err, active.ErrDone) {
				loops[i] = nil
				left--
				if done != nil {
					done(strategies[i])
				}
				continue
			}
			if err != nil {
				return fmt.Errorf("engine: race of %s: %w", strategies[i], err)
			}
			if pass == 0 && i == 0 {
				// Round 0 is the same network for every strategy: trained and tested once.
				net, err := nn.New(l.Net().Arch, 0)
				if err != nil {
					return err
				}
				copy(net.Params, l.Net().Params)
				zero = &active.RoundZero{Net: net, Labelled: l.Initial(), Tested: true, Accuracy: rd.TestAccuracy}
			}
			each(msg.Row{
				Strategy: strategies[i], BatchSize: r.Batch, Round: rd.Round, Labelled: rd.Labelled,
				TestAccuracy: rd.TestAccuracy, LabelEntropy: rd.LabelEntropy,
				TrainSeconds: rd.Train.Seconds(), ScoreSeconds: rd.Score.Seconds(),
				SelectSeconds: rd.Select.Seconds(), Histogram: rd.BatchHistogram,
			})
		}
	}
	return nil
}
