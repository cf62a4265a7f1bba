//go:build wasm && goexperiment.simd

package nn

import "simd/archsimd"

// addTo is addToPlain with WebAssembly SIMD, four lanes an instruction.
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for len(src) >= 4 && len(dst) >= 4 {
		d := dst[:4:4]
		archsimd.LoadFloat32x4(d).Add(archsimd.LoadFloat32x4(src[:4:4])).Store(d)
		dst, src = dst[4:], src[4:]
	}
	for i, v := range src { // written out, not addToPlain: addTo stays within Go's inlining budget
		dst[i] += v
	}
}

// maxKeys is vec_plain.go's maxKeys with WebAssembly SIMD: orderKey on four lanes is the same
// shift, mask and exclusive or, and the integer maximum is exact.
func maxKeys(keys []int32, src []float32, w, rows int) {
	mag := archsimd.BroadcastInt32x4(0x7fffffff)
	for r := range rows {
		k, a, b := keys[r*w:(r+1)*w], src[2*r*w:(2*r+1)*w], src[(2*r+1)*w:(2*r+2)*w]
		for len(a) >= 4 && len(b) >= 4 && len(k) >= 4 {
			ka := archsimd.LoadFloat32x4(a[:4:4]).ToBits().BitsToInt32()
			kb := archsimd.LoadFloat32x4(b[:4:4]).ToBits().BitsToInt32()
			ka = ka.Xor(ka.ShiftAllRight(31).And(mag))
			kb = kb.Xor(kb.ShiftAllRight(31).And(mag))
			ka.Max(kb).Store(k[:4:4])
			k, a, b = k[4:], a[4:], b[4:]
		}
		maxKeysRow(k, a, b)
	}
}

// relu is reluPlain with WebAssembly SIMD: 0 where v < 0, v elsewhere.
func relu(dst, src []float32) {
	dst = dst[:len(src)]
	var zero archsimd.Float32x4
	for len(src) >= 4 && len(dst) >= 4 {
		v := archsimd.LoadFloat32x4(src[:4:4])
		zero.IfElse(v.Less(zero), v).Store(dst[:4:4])
		dst, src = dst[4:], src[4:]
	}
	reluPlain(dst, src)
}

// reluGrad is reluGradPlain with WebAssembly SIMD: g where y's bits are not zero.
func reluGrad(dst, g, y []float32) {
	dst, y = dst[:len(g)], y[:len(g)]
	var zero archsimd.Uint32x4
	for len(g) >= 4 && len(dst) >= 4 && len(y) >= 4 {
		on := archsimd.LoadFloat32x4(y[:4:4]).ToBits().NotEqual(zero)
		archsimd.LoadFloat32x4(g[:4:4]).Masked(on).Store(dst[:4:4])
		dst, g, y = dst[4:], g[4:], y[4:]
	}
	reluGradPlain(dst, g, y)
}

// adam is adamPlain with WebAssembly SIMD: the same operations in the same order on four
// lanes (the vector square root and quotient are rounded as the scalar ones).
func adam(p, g, m, v []float32, k adamStep) {
	p, m, v = p[:len(g)], m[:len(g)], v[:len(g)]
	wd, b1, nb1 := archsimd.BroadcastFloat32x4(k.wd), archsimd.BroadcastFloat32x4(k.b1), archsimd.BroadcastFloat32x4(k.nb1)
	b2, nb2 := archsimd.BroadcastFloat32x4(k.b2), archsimd.BroadcastFloat32x4(k.nb2)
	step, eps := archsimd.BroadcastFloat32x4(k.step), archsimd.BroadcastFloat32x4(k.eps)
	for len(g) >= 4 && len(p) >= 4 && len(m) >= 4 && len(v) >= 4 {
		pi := archsimd.LoadFloat32x4(p[:4:4])
		gi := archsimd.LoadFloat32x4(g[:4:4]).Add(wd.Mul(pi))
		mi := b1.Mul(archsimd.LoadFloat32x4(m[:4:4])).Add(nb1.Mul(gi))
		vi := b2.Mul(archsimd.LoadFloat32x4(v[:4:4])).Add(nb2.Mul(gi).Mul(gi))
		mi.Store(m[:4:4])
		vi.Store(v[:4:4])
		pi.Sub(step.Mul(mi).Div(vi.Sqrt().Add(eps))).Store(p[:4:4])
		p, g, m, v = p[4:], g[4:], m[4:], v[4:]
	}
	adamPlain(p, g, m, v, k)
}
