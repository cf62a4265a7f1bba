//go:build wasm && goexperiment.simd

package nn

import "simd/archsimd"

// addTo is vec.go's addTo with WebAssembly SIMD, four lanes an instruction.
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for len(src) >= 4 && len(dst) >= 4 {
		d := dst[:4:4]
		archsimd.LoadFloat32x4(d).Add(archsimd.LoadFloat32x4(src[:4:4])).Store(d)
		dst, src = dst[4:], src[4:]
	}
	for i, v := range src {
		dst[i] += v
	}
}
