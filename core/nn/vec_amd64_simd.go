//go:build amd64 && goexperiment.simd

package nn

import "simd/archsimd"

// avx2 tells whether the CPU has AVX2: then the loops below run eight lanes at a time, and
// otherwise they are the plain loops of vec.go.
var avx2 = archsimd.X86.AVX2()

// addTo is addToPlain with AVX2, eight lanes an instruction.
func addTo(dst, src []float32) {
	if !avx2 {
		addToPlain(dst, src)
		return
	}
	dst = dst[:len(src)]
	for len(src) >= 8 && len(dst) >= 8 {
		d := dst[:8:8]
		archsimd.LoadFloat32x8(d).Add(archsimd.LoadFloat32x8(src[:8:8])).Store(d)
		dst, src = dst[8:], src[8:]
	}
	addToPlain(dst, src)
}

// addBias is addBiasPlain with AVX2, eight lanes an instruction.
func addBias(dst, src []float32, b float32) {
	dst = dst[:len(src)]
	v := archsimd.BroadcastFloat32x8(b)
	for avx2 && len(src) >= 8 && len(dst) >= 8 {
		archsimd.LoadFloat32x8(src[:8:8]).Add(v).Store(dst[:8:8])
		dst, src = dst[8:], src[8:]
	}
	addBiasPlain(dst, src, b)
}

// copyTo is copy(dst, src) with AVX2 for the short rows of im2col (a convolution's output
// rows, 8 to 24 values): eight lanes a load and a store, where the runtime's memmove costs a
// call a row.
func copyTo(dst, src []float32) {
	dst = dst[:len(src)]
	for avx2 && len(src) >= 8 && len(dst) >= 8 {
		archsimd.LoadFloat32x8(src[:8:8]).Store(dst[:8:8])
		dst, src = dst[8:], src[8:]
	}
	for i, v := range src {
		dst[i] = v
	}
}

// maxKeys is vec_plain.go's maxKeys with AVX2: orderKey on eight lanes is the same shift,
// mask and exclusive or, and the integer maximum is exact.
func maxKeys(keys []int32, src []float32, w, rows int) {
	mag := archsimd.BroadcastInt32x8(0x7fffffff)
	for r := range rows {
		k, a, b := keys[r*w:(r+1)*w], src[2*r*w:(2*r+1)*w], src[(2*r+1)*w:(2*r+2)*w]
		for avx2 && len(a) >= 8 && len(b) >= 8 && len(k) >= 8 {
			ka := archsimd.LoadFloat32x8(a[:8:8]).ToBits().BitsToInt32()
			kb := archsimd.LoadFloat32x8(b[:8:8]).ToBits().BitsToInt32()
			ka = ka.Xor(ka.ShiftAllRight(31).And(mag))
			kb = kb.Xor(kb.ShiftAllRight(31).And(mag))
			ka.Max(kb).Store(k[:8:8])
			k, a, b = k[8:], a[8:], b[8:]
		}
		maxKeysRow(k, a, b)
	}
}

// relu is reluPlain with AVX2: 0 where v < 0, v elsewhere.
func relu(dst, src []float32) {
	dst = dst[:len(src)]
	var zero archsimd.Float32x8
	for avx2 && len(src) >= 8 && len(dst) >= 8 {
		v := archsimd.LoadFloat32x8(src[:8:8])
		zero.IfElse(v.Less(zero), v).Store(dst[:8:8])
		dst, src = dst[8:], src[8:]
	}
	reluPlain(dst, src)
}

// reluGrad is reluGradPlain with AVX2: g where y's bits are not zero.
func reluGrad(dst, g, y []float32) {
	dst, y = dst[:len(g)], y[:len(g)]
	var zero archsimd.Uint32x8
	for avx2 && len(g) >= 8 && len(dst) >= 8 && len(y) >= 8 {
		on := archsimd.LoadFloat32x8(y[:8:8]).ToBits().NotEqual(zero)
		archsimd.LoadFloat32x8(g[:8:8]).Masked(on).Store(dst[:8:8])
		dst, g, y = dst[8:], g[8:], y[8:]
	}
	reluGradPlain(dst, g, y)
}

// adam is adamPlain with AVX2: the same operations in the same order on eight lanes (the
// vector square root and quotient are rounded as the scalar ones).
func adam(p, g, m, v []float32, k adamStep) {
	p, m, v = p[:len(g)], m[:len(g)], v[:len(g)]
	wd, b1, nb1 := archsimd.BroadcastFloat32x8(k.wd), archsimd.BroadcastFloat32x8(k.b1), archsimd.BroadcastFloat32x8(k.nb1)
	b2, nb2 := archsimd.BroadcastFloat32x8(k.b2), archsimd.BroadcastFloat32x8(k.nb2)
	step, eps := archsimd.BroadcastFloat32x8(k.step), archsimd.BroadcastFloat32x8(k.eps)
	for avx2 && len(g) >= 8 && len(p) >= 8 && len(m) >= 8 && len(v) >= 8 {
		pi := archsimd.LoadFloat32x8(p[:8:8])
		gi := archsimd.LoadFloat32x8(g[:8:8]).Add(wd.Mul(pi))
		mi := b1.Mul(archsimd.LoadFloat32x8(m[:8:8])).Add(nb1.Mul(gi))
		vi := b2.Mul(archsimd.LoadFloat32x8(v[:8:8])).Add(nb2.Mul(gi).Mul(gi))
		mi.Store(m[:8:8])
		vi.Store(v[:8:8])
		pi.Sub(step.Mul(mi).Div(vi.Sqrt().Add(eps))).Store(p[:8:8])
		p, g, m, v = p[8:], g[8:], m[8:], v[8:]
	}
	adamPlain(p, g, m, v, k)
}
