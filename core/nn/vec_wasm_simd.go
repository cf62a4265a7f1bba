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

// addBias is addBiasPlain with WebAssembly SIMD, four lanes an instruction.
func addBias(dst, src []float32, b float32) {
	dst = dst[:len(src)]
	v := archsimd.BroadcastFloat32x4(b)
	for len(src) >= 4 && len(dst) >= 4 {
		archsimd.LoadFloat32x4(src[:4:4]).Add(v).Store(dst[:4:4])
		dst, src = dst[4:], src[4:]
	}
	addBiasPlain(dst, src, b)
}

// copyTo is copy(dst, src): under WebAssembly a convolution never unrolls its input
// (gemm.MulGather reads it in place).
func copyTo(dst, src []float32) { copy(dst, src) }

// pool2 is vec_keys.go's pool2 with WebAssembly SIMD, four windows at a time and without the
// keys: orderKey on four lanes is the same shift, mask and exclusive or; the larger key of
// the two rows is taken lane by lane, then in each vector the 64-bit lanes shifted right by
// 32 put each odd column's key beside its even one's, and a byte swizzle of each of the two
// vectors gathers its two maxima (int32 lanes 0 and 2) into one half of the result. Integer
// maxima are exact and their order does not matter, so the bits are the same.
func pool2(dst, src []float32, _ []int32, w, oh, ow int) {
	lo, hi := archsimd.LoadInt8x16Array(&pairLo), archsimd.LoadInt8x16Array(&pairHi)
	mag := archsimd.BroadcastInt32x4(0x7fffffff)
	key := func(v []float32) archsimd.Int32x4 {
		k := archsimd.LoadFloat32x4(v[:4:4]).ToBits().BitsToInt32()
		return k.Xor(k.ShiftAllRight(31).And(mag))
	}
	pair := func(k archsimd.Int32x4, swizzle archsimd.Int8x16) archsimd.Int8x16 {
		k = k.Max(k.ToBits().ReshapeToUint64s().ShiftAllRight(32).ReshapeToUint32s().BitsToInt32())
		return k.ToBits().ReshapeToUint8s().BitsToInt8().LookupOrZero(swizzle)
	}
	for oy := range oh {
		row, a, b := dst[oy*ow:(oy+1)*ow], src[2*oy*w:(2*oy+1)*w], src[(2*oy+1)*w:(2*oy+2)*w]
		for len(row) >= 4 && len(a) >= 8 && len(b) >= 8 {
			k := pair(key(a[:4]).Max(key(b[:4])), lo).Or(pair(key(a[4:8]).Max(key(b[4:8])), hi)).ToBits().ReshapeToUint32s().BitsToInt32()
			k.Xor(k.ShiftAllRight(31).And(mag)).ToBits().BitsToFloat32().Store(row[:4:4])
			row, a, b = row[4:], a[8:], b[8:]
		}
		for ox := range row {
			row[ox] = fromOrderKey(max(orderKey(a[2*ox]), orderKey(a[2*ox+1]), orderKey(b[2*ox]), orderKey(b[2*ox+1])))
		}
	}
}

// pairLo and pairHi are pool2's swizzles: bytes 0–3 and 8–11 (int32 lanes 0 and 2) to the
// low half, zeros in the high one (an index of 16 or more makes 0), and the other way.
var (
	pairLo = [16]int8{0, 1, 2, 3, 8, 9, 10, 11, 16, 16, 16, 16, 16, 16, 16, 16}
	pairHi = [16]int8{16, 16, 16, 16, 16, 16, 16, 16, 0, 1, 2, 3, 8, 9, 10, 11}
)

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
