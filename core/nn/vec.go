//go:build !(wasm && goexperiment.simd)

package nn

import "math"

// The elementwise loops below run four lanes at a time where the build has WebAssembly SIMD
// (vec_wasm_simd.go), with the same bits: each element goes through the same operations.

// addTo adds src into dst elementwise: dst[i] += src[i] for i < len(src).
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// maxKeys sets keys[r·w + x], for each of rows pairs of rows of src (rows 2r and 2r+1, each
// w wide), to the larger orderKey of the pair's two values in column x.
func maxKeys(keys []int32, src []float32, w, rows int) {
	for r := range rows {
		k, a, b := keys[r*w:(r+1)*w], src[2*r*w:(2*r+1)*w], src[(2*r+1)*w:(2*r+2)*w]
		for x, v := range a {
			k[x] = max(orderKey(v), orderKey(b[x]))
		}
	}
}

// relu sets dst[i] to src[i], or to 0 where src[i] < 0 (so -0 and NaN pass on), for
// i < len(src). Not the max builtin: its NaN and ±0 rules cost a call per element under
// WebAssembly, three times this loop.
func relu(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// reluGrad sets dst[i] to g[i] where y[i] > 0 and to 0 elsewhere, for a ReLU's output y ≥ 0
// and i < len(g). Branch-free: y > 0 exactly when its bits are non-zero, and b|-b has its
// sign bit set exactly when b ≠ 0. Half the units are off at random, which a branch would
// mispredict.
func reluGrad(dst, g, y []float32) {
	dst, y = dst[:len(g)], y[:len(g)]
	for i, v := range g {
		b := int32(math.Float32bits(y[i]))
		mask := uint32((b | -b) >> 31)
		dst[i] = math.Float32frombits(math.Float32bits(v) & mask)
	}
}
