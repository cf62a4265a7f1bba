package experiment

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"alab/core/active"
	"alab/core/curve"
	"alab/core/data"
)

// Execute runs the given runs of spec on pool and test, workers at a time (natively, one per
// core; at least 1), and returns their rows ordered by run (in the order given) then round.
// Each run depends only on its own seed, so the rows are the same whatever workers is.
// done, if not nil, is called after each finished run with the number finished so far; calls
// are serialised.
func Execute(ctx context.Context, spec Spec, runs []Run, pool, test *data.Set, workers int, done func(finished int)) ([]curve.Row, error) {
	if err := spec.Validate(pool.N); err != nil {
		return nil, err
	}
	workers = max(1, min(workers, len(runs)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make([][]curve.Row, len(runs))
	errs := make([]error, len(runs))
	next := make(chan int)
	var mu sync.Mutex
	finished := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = runOne(ctx, spec, runs[i], pool, test)
				if errs[i] != nil {
					cancel()
				}
				mu.Lock()
				finished++
				if done != nil {
					done(finished)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range runs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			r := runs[i]
			return nil, fmt.Errorf("experiment: %s, batch %d, repeat %d: %w", r.Strategy, r.Batch, r.Repeat, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rows []curve.Row
	for _, rs := range results {
		rows = append(rows, rs...)
	}
	return rows, nil
}

// runOne runs one cell to its learning curve.
func runOne(ctx context.Context, spec Spec, run Run, pool, test *data.Set) ([]curve.Row, error) {
	loop, err := active.New(ctx, spec.Config(run), pool, test, active.GroundTruth{Set: pool})
	if err != nil {
		return nil, err
	}
	var rows []curve.Row
	err = loop.Run(ctx, func(r *active.Round) {
		rows = append(rows, curve.Row{
			Strategy: run.Strategy, BatchSize: run.Batch, Repeat: run.Repeat,
			Round: r.Round, Labelled: r.Labelled, TestAccuracy: r.TestAccuracy,
			LabelEntropy: r.LabelEntropy, TrainSeconds: r.Train.Seconds(),
			ScoreSeconds: r.Score.Seconds(), SelectSeconds: r.Select.Seconds(),
			Histogram: r.BatchHistogram,
		})
	})
	return rows, err
}

// SortRows orders rows as Execute returns them for a whole sweep: by strategy (in the order
// given; others after them, by name), batch size, repeat and round. Merged shards then read
// like one run.
func SortRows(rows []curve.Row, strategies []string) {
	first := map[string]int{}
	for i, s := range strategies {
		first[s] = i
	}
	rank := func(s string) int {
		if i, ok := first[s]; ok {
			return i
		}
		return len(strategies)
	}
	slices.SortStableFunc(rows, func(a, b curve.Row) int {
		return cmp.Or(
			cmp.Compare(rank(a.Strategy), rank(b.Strategy)),
			cmp.Compare(a.Strategy, b.Strategy),
			cmp.Compare(a.BatchSize, b.BatchSize),
			cmp.Compare(a.Repeat, b.Repeat),
			cmp.Compare(a.Round, b.Round),
		)
	})
}
