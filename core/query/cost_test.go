package query_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"alab/core/active"
	"alab/core/data"
	"alab/core/nn"
	"alab/core/query"
	"alab/core/train"
)

// BenchmarkRound measures each strategy's round as the loop runs it — active.Gather of what
// it needs, then Select — for a compact network trained on 100 labels, and reports it as
// "forwards": the round's time over the time of one deterministic forward pass of one
// candidate (Gather of the probabilities), measured just before it in each iteration, so
// that the machine's drift cancels; the median over iterations. ns/op counts both. "model" is
// what the strategy's cost model (query.Info.Ops) predicts; its constants come from this
// benchmark, on one thread as in the browser:
//
//	go test -run '^$' -bench Round -benchtime 5x -cpu 1 ./core/query
//
// It runs on the full MNIST training set when the module holding it is present, else on the
// fixture's 500 digits.
func BenchmarkRound(b *testing.B) {
	pool := roundPool(b)
	labelled := make([]int, 100)
	for i := range labelled {
		labelled[i] = i
	}
	net, err := nn.New("compact", 1)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := train.Fit(context.Background(), net, pool.Subset(labelled), train.Config{Steps: 200, Batch: 32, Seed: 1}, nil); err != nil {
		b.Fatal(err)
	}
	settings := []struct{ n, k, t int }{{2000, 10, 20}, {2000, 50, 20}, {2000, 10, 5}, {500, 10, 20}}
	for _, info := range query.Catalog() {
		for _, s := range settings {
			n := min(s.n, pool.N-len(labelled))
			if info.Needs.Model {
				n = min(n, 300) // the adversarial searches' subset (DFAL's)
			}
			ids := make([]int, n)
			for i := range ids {
				ids[i] = len(labelled) + i
			}
			strategy, err := query.New(info.Name, query.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/n=%d/k=%d/T=%d", info.Name, n, s.k, s.t), func(b *testing.B) {
				var ratios []float64
				for b.Loop() {
					start := time.Now()
					active.Gather(net, pool, ids, labelled, query.Needs{Probs: true}, s.t, 1, 0)
					unit := time.Since(start)
					start = time.Now()
					c := active.Gather(net, pool, ids, labelled, strategy.Needs(), s.t, 1, 0)
					if _, err := strategy.Select(c, s.k); err != nil {
						b.Fatal(err)
					}
					ratios = append(ratios, float64(time.Since(start))/float64(unit)*float64(n))
				}
				slices.Sort(ratios)
				b.ReportMetric(ratios[len(ratios)/2], "forwards")
				b.ReportMetric(info.Ops(n, s.k, s.t), "model")
			})
		}
	}
}

// roundPool returns MNIST's training set, or the fixture's if the module is absent.
func roundPool(b *testing.B) *data.Set {
	dir, err := data.MNISTDir()
	if err != nil {
		dir = "../../testdata/mnist-small"
	}
	pool, _, err := data.MNIST(dir)
	if err != nil {
		b.Fatal(err)
	}
	return pool
}
