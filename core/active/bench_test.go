package active

import (
	"fmt"
	"testing"

	"alab/core/gemm"
	"alab/core/nn"
)

// BenchmarkMCScoring measures Monte-Carlo dropout scoring as the loop runs it: 10,000 pool
// images, T = 20 stochastic passes of the compact net (the body once, the head per pass).
func BenchmarkMCScoring(b *testing.B) {
	pool, _ := fixture(b)
	ids := make([]int, 10000)
	for i := range ids {
		ids[i] = i % pool.N
	}
	net, _ := nn.New("compact", 1)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("n=10000/T=20/threads=%d", threads), func(b *testing.B) {
			gemm.SetThreads(threads)
			defer gemm.SetThreads(1)
			for b.Loop() {
				mcProbs(net, pool, ids, 20, 1)
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/pool")
		})
	}
}
