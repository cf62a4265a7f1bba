//go:build !(wasm && goexperiment.simd)

package nn

// addTo adds src into dst elementwise: dst[i] += src[i] for i < len(src).
// Built for WebAssembly with GOEXPERIMENT=simd it runs four lanes at a time (vec_wasm_simd.go),
// with the same bits: each element gets the same one addition.
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}
