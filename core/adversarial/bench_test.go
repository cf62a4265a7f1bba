package adversarial

import (
	"fmt"
	"testing"

	"alab/core/gemm"
	"alab/core/nn"
)

// benchThreads lists the thread counts to measure: natively 1 and 2, under WebAssembly 1.
var benchThreads = []int{1, 2}

// BenchmarkDeepFool measures DFAL's search on its default candidate set: 300 digits the
// compact net has not seen, reported as candidates/s.
func BenchmarkDeepFool(b *testing.B) { benchSearch(b, DeepFool) }

// BenchmarkFGSM measures the iterated FGSM on the same 300 digits.
func BenchmarkFGSM(b *testing.B) { benchSearch(b, FGSM) }

func benchSearch(b *testing.B, search func(*nn.Net, []float32, Config) ([]Result, error)) {
	const n = 300
	net, x := fixture(b, n)
	for _, threads := range benchThreads {
		b.Run(fmt.Sprintf("compact/threads=%d", threads), func(b *testing.B) {
			gemm.SetThreads(threads)
			defer gemm.SetThreads(1)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := search(net, x, Config{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "candidates/s")
		})
	}
}
