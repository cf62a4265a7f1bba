package engine

import (
	"context"
	"errors"
	"fmt"

	"alab/core/active"
	"alab/core/data"
	"alab/core/experiment"
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

// Race runs strategies of a race side by side, each from the race's initial set (it
// depends on the seed alone) and labelled from pool's ground truth: one round of each in
// turn, so their curves grow together. Their round 0 is trained and tested once, by the
// first (active.Loop.ShareRoundZero). It hands each round to each as it finishes — the rows
// `alab run` writes for the same spec — and done(strategy) when a strategy's budget is spent.
func Race(ctx context.Context, r msg.Race, strategies []string, pool, test *data.Set, each func(msg.Row), done func(string)) error {
	spec := RaceSpec(r)
	spec.Strategies = strategies
	if err := spec.Validate(pool.N); err != nil {
		return err
	}
	loops := make([]*active.Loop, len(strategies))
	for i, s := range strategies {
		l, err := active.New(ctx, spec.Config(experiment.Run{Strategy: s, Batch: r.Batch}), pool, test, active.GroundTruth{Set: pool})
		if err != nil {
			return err
		}
		loops[i] = l
	}
	for pass, left := 0, len(loops); left > 0; pass++ {
		for i, l := range loops {
			if l == nil {
				continue
			}
			if pass == 0 && i > 0 {
				// Round 0 is the same network for every strategy: train and test it once.
				if err := l.ShareRoundZero(loops[0]); err != nil {
					return fmt.Errorf("engine: race of %s: %w", strategies[i], err)
				}
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
