//go:build amd64 && goexperiment.simd

package gemm

// With AVX2 the default backend is mulDot, which every test and benchmark runs too.
func init() {
	backends = append(backends, struct {
		name string
		mul  backend
	}{"dot", mulDot})
}
