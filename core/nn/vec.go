package nn

import "math"

// The elementwise loops of the layers. Where the build has WebAssembly SIMD
// (vec_wasm_simd.go) addTo, addBias, the max-pool's pool2, relu, reluGrad and adam run four lanes at a
// time, natively with AVX2 (vec_amd64_simd.go) eight (pool2's maxKeys), and end with the
// plain loops on what is left; elsewhere (vec_plain.go, vec_keys.go) they are those loops.
// Each element goes through the same operations either way, so the bits are the same.

// addToPlain adds src into dst elementwise: dst[i] += src[i] for i < len(src).
func addToPlain(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// addBiasPlain sets dst[i] to src[i] + b, for i < len(src).
func addBiasPlain(dst, src []float32, b float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = v + b
	}
}

// reluPlain sets dst[i] to src[i], or to 0 where src[i] < 0 (so -0 and NaN pass on), for
// i < len(src). Not the max builtin: its NaN and ±0 rules cost a call per element under
// WebAssembly, three times this loop.
func reluPlain(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// reluGradPlain sets dst[i] to g[i] where y[i] > 0 and to 0 elsewhere, for a ReLU's output
// y ≥ 0 and i < len(g). Branch-free: y > 0 exactly when its bits are non-zero, and b|-b has
// its sign bit set exactly when b ≠ 0. Half the units are off at random, which a branch would
// mispredict.
func reluGradPlain(dst, g, y []float32) {
	dst, y = dst[:len(g)], y[:len(g)]
	for i, v := range g {
		b := int32(math.Float32bits(y[i]))
		mask := uint32((b | -b) >> 31)
		dst[i] = math.Float32frombits(math.Float32bits(v) & mask)
	}
}

// adamStep holds the float32 constants of one Adam step: weight decay, β₁ and 1-β₁, β₂ and
// 1-β₂, the bias-corrected step size and ε scaled alike.
type adamStep struct{ wd, b1, nb1, b2, nb2, step, eps float32 }

// adamPlain updates p[i] and its moments m[i], v[i] from the gradient g[i], for i < len(g):
//
//	g += wd·p;  m = β₁·m + (1-β₁)·g;  v = β₂·v + (1-β₂)·g·g;  p -= step·m / (√v + ε)
//
// each product, sum, quotient and square root rounded to float32 in that order.
func adamPlain(p, g, m, v []float32, k adamStep) {
	p, m, v = p[:len(g)], m[:len(g)], v[:len(g)]
	for i, gi := range g {
		gi += k.wd * p[i]
		m[i] = k.b1*m[i] + k.nb1*gi
		v[i] = k.b2*v[i] + k.nb2*gi*gi
		p[i] -= k.step * m[i] / (float32(math.Sqrt(float64(v[i]))) + k.eps)
	}
}
