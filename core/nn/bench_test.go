package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"alab/core/gemm"
)

// benchBatch is the batch size the throughput goals are stated for.
const benchBatch = 64

// benchThreads lists the thread counts to measure: natively 1 and 2 (this machine's cores),
// under WebAssembly just 1 (it has one thread).
var benchThreads = []int{1, 2}

// BenchmarkTrain measures training throughput: one TrainBatch (forward, backward, Adam)
// on a batch of 64, reported as images/s.
func BenchmarkTrain(b *testing.B) { bench(b, trainStep) }

// BenchmarkInfer measures inference throughput: one Forward pass (dropout off, NoGrad, as
// testing and scoring run it) on a batch of 64, reported as images/s.
func BenchmarkInfer(b *testing.B) { bench(b, inferStep) }

// trainStep returns one step of BenchmarkTrain on net and the batch x.
func trainStep(net *Net, x []float32) func() {
	labels := make([]uint8, benchBatch)
	for i := range labels {
		labels[i] = uint8(i % Classes)
	}
	opt, rng := &Adam{}, rand.New(rand.NewPCG(1, 2))
	xt := NewInput(benchBatch)
	copy(data(xt), x)
	return func() { net.TrainBatch(xt, labels, opt, rng) }
}

// inferStep returns one step of BenchmarkInfer on net and the batch x.
func inferStep(net *Net, x []float32) func() {
	xt := NewInput(benchBatch)
	copy(data(xt), x)
	return func() { net.Forward(xt, Pass{Mode: Infer, NoGrad: true}) }
}

// benchInput is the batch the benchmarks run on: random pixels from a fixed seed.
func benchInput() []float32 {
	x := make([]float32, benchBatch*Input.size())
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range x {
		x[i] = rng.Float32()
	}
	return x
}

func bench(b *testing.B, setup func(*Net, []float32) func()) {
	x := benchInput()
	for _, arch := range Architectures {
		for _, threads := range benchThreads {
			b.Run(fmt.Sprintf("%s/threads=%d", arch, threads), func(b *testing.B) {
				gemm.SetThreads(threads)
				defer gemm.SetThreads(1)
				net, _ := New(arch, 1)
				step := setup(net, x)
				step() // size the buffers
				b.ReportAllocs()
				for b.Loop() {
					step()
				}
				b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}
