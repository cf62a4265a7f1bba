//go:build amd64 && goexperiment.simd

package gemm

import "simd/archsimd"

// On amd64 with GOEXPERIMENT=simd, where the CPU has AVX2, Mul runs the own kernel with
// kernel8x8 on pairs of A panels (256-bit vectors of eight float32) for the shapes where
// that pays (ownOnTall). It sums every element as
// kernel4x2 does (the product rounded, then added: no fused multiply-add), so the bits are
// those of the scalar kernel and of the WebAssembly builds. (archsimd's 128-bit Float32x4
// runs 100× slower than its Float32x8 here, on an Intel Xeon with AVX-512, so the 4-row
// kernel4x8 is not used natively.)
func init() {
	if archsimd.X86.AVX2() {
		fastTall = kernel8x8
		ownPays = ownOnTall
	}
}

// ownOnTall is true where the own kernel's 8-row tiles pay — at least 16 rows and 32 steps of
// k, B not transposed — and false where gonum is faster: on the shapes of core/nn (BenchmarkMul, one thread, Intel Xeon
// with AVX-512, 2026-12-03) the own kernel ran 1.1–1.7× gonum's GFLOP/s on those and
// 0.8–0.9× on the others (a compact convolution's 8 filters, 16 or fewer steps).
func ownOnTall(tb bool, m, k int) bool { return !tb && m >= 16 && k >= 32 }

// kernel8x8 is kernel4x2 on two A panels at once, with 256-bit vectors, four B panels (eight
// columns of C) at a time. One vector holds the 8 rows of one step p (the two panels' four
// values side by side); each of the 8 B values is broadcast and multiplied into it and the
// product added to that column's accumulator, in increasing p. Tiles left over after the
// groups of four run kernel4x2 on each panel.
func kernel8x8(kb int, pa0, pa1, pbs []float32, stride, tiles int, c []float32, ldc int, first bool) {
	pa0, pa1 = pa0[:4*kb], pa1[:4*kb]
	q := 0
	for ; q+4 <= tiles; q += 4 {
		b0 := pbs[stride*q : stride*q+2*kb]
		b1 := pbs[stride*(q+1) : stride*(q+1)+2*kb]
		b2 := pbs[stride*(q+2) : stride*(q+2)+2*kb]
		b3 := pbs[stride*(q+3) : stride*(q+3)+2*kb]
		var c0, c1, c2, c3, c4, c5, c6, c7 archsimd.Float32x8
		for p := range kb {
			var a archsimd.Float32x8
			a = a.SetLo(archsimd.LoadFloat32x4(pa0[4*p : 4*p+4 : 4*p+4])).SetHi(archsimd.LoadFloat32x4(pa1[4*p : 4*p+4 : 4*p+4]))
			x0 := b0[2*p : 2*p+2 : 2*p+2]
			x1 := b1[2*p : 2*p+2 : 2*p+2]
			x2 := b2[2*p : 2*p+2 : 2*p+2]
			x3 := b3[2*p : 2*p+2 : 2*p+2]
			c0 = c0.Add(a.Mul(archsimd.BroadcastFloat32x8(x0[0])))
			c1 = c1.Add(a.Mul(archsimd.BroadcastFloat32x8(x0[1])))
			c2 = c2.Add(a.Mul(archsimd.BroadcastFloat32x8(x1[0])))
			c3 = c3.Add(a.Mul(archsimd.BroadcastFloat32x8(x1[1])))
			c4 = c4.Add(a.Mul(archsimd.BroadcastFloat32x8(x2[0])))
			c5 = c5.Add(a.Mul(archsimd.BroadcastFloat32x8(x2[1])))
			c6 = c6.Add(a.Mul(archsimd.BroadcastFloat32x8(x3[0])))
			c7 = c7.Add(a.Mul(archsimd.BroadcastFloat32x8(x3[1])))
		}
		var u [8][8]float32 // u[j] is column 2q+j, rows 0 to 7
		c0.StoreArray(&u[0])
		c1.StoreArray(&u[1])
		c2.StoreArray(&u[2])
		c3.StoreArray(&u[3])
		c4.StoreArray(&u[4])
		c5.StoreArray(&u[5])
		c6.StoreArray(&u[6])
		c7.StoreArray(&u[7])
		for r := range 8 {
			row := c[r*ldc+2*q : r*ldc+2*q+8 : r*ldc+2*q+8]
			if first {
				row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = u[0][r], u[1][r], u[2][r], u[3][r], u[4][r], u[5][r], u[6][r], u[7][r]
				continue
			}
			row[0] += u[0][r]
			row[1] += u[1][r]
			row[2] += u[2][r]
			row[3] += u[3][r]
			row[4] += u[4][r]
			row[5] += u[5][r]
			row[6] += u[6][r]
			row[7] += u[7][r]
		}
	}
	if q < tiles {
		kernel4x2(kb, pa0, pbs[stride*q:], stride, tiles-q, c[2*q:], ldc, first)
		kernel4x2(kb, pa1, pbs[stride*q:], stride, tiles-q, c[4*ldc+2*q:], ldc, first)
	}
}
