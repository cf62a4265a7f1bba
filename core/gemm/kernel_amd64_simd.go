//go:build amd64 && goexperiment.simd

package gemm

import "simd/archsimd"

// On amd64 with GOEXPERIMENT=simd, where the CPU has AVX2, Mul runs the own kernel with
// vectors along C's rows on the shapes where that pays (ownShapes), and mulDot on the others:
// kernelRows16, with 512-bit vectors of sixteen float32, where the CPU has AVX-512, and
// kernelRows8, with 256-bit vectors, where it has AVX2 only. Both sum every element as
// kernel4x2 does (the product rounded, then added: no fused multiply-add), so the bits are
// those of the scalar kernel and of the WebAssembly builds.
// (Go's register allocator gives AVX-512 instructions 31 vector registers and AVX2 ones 15:
// kernelRows8's eight accumulators, two rows of B and the eight products the scheduler
// issues before the additions do not fit, and two accumulators go to the stack at each step;
// kernelRows16's do. On gal's and compact's products, BenchmarkMul, one thread, AMD EPYC,
// 2026-12-04, it ran 1.7–2.0× kernelRows8's GFLOP/s. archsimd's 128-bit Float32x4 ran 100×
// slower than its Float32x8 on an Intel Xeon with AVX-512, so natively no kernel uses it.)
func init() {
	if archsimd.X86.AVX2() {
		fastRows = kernelRows8
		ownPays = ownShapes
		defaultBackend = mulDot
	}
	if archsimd.X86.AVX512() {
		fastRows = kernelRows16
	}
}

// ownShapes is true where the own kernel pays and false where mulDot (or gonum) is faster:
// B not transposed, or transposed with rows longer than dotMaxK and at least minTile rows
// and columns of C, so that the copy of the smaller operand into rows (Mul copies A where C
// has fewer rows than columns) feeds whole tiles. On the shapes of core/nn (BenchmarkMul, one
// thread, AMD EPYC with AVX-512, 2026-12-04), B not transposed, the own kernel ran 1.8–2.3×
// gonum's GFLOP/s; B transposed, 4× mulDot on gal's second convolution's weight gradient
// (32 × 512, k = 30976) and mulDot 1.7–3× the own kernel on the other convolutions' (8 or 16
// filters, or 16 taps). A dense layer's forward product (a batch × outputs, k its inputs: 3872
// at most) always runs mulDot, so a row of it has the same bits whatever the batch: a probe
// of one image scores as it does in a batch.
func ownShapes(tb bool, m, n, k int) bool { return !tb || min(m, n) >= minTile && k > dotMaxK }

// dotMaxK is the longest row mulDot multiplies faster than the own kernel: two rows of A
// (64 KiB at 8192) stay in a core's L1 cache while every row of B streams past them.
const dotMaxK = 8192

// minTile is the width of kernelRows16's tile.
const minTile = 32

// kernelRows16 is the rowsKernel of AVX-512: for each group of 32 columns of B it keeps the
// 4×32 tile of C as two 512-bit vectors a row; at each step p the group's 32 values of B's
// row p are two loads, each of A's four values is broadcast and multiplied into them and the
// product added to its row's accumulators, in increasing p, as in kernel4x2. kernelRows8
// finishes the row.
func kernelRows16(kb int, pa, b []float32, ldb, nb int, c []float32, ldc int, first bool, rows int) {
	pa = pa[:4*kb]
	j := 0
	for ; j+32 <= nb; j += 32 {
		var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x16
		for p := range kb {
			row := b[p*ldb+j : p*ldb+j+32 : p*ldb+j+32]
			b0, b1 := archsimd.LoadFloat32x16(row[:16:16]), archsimd.LoadFloat32x16(row[16:32:32])
			a := pa[4*p : 4*p+4 : 4*p+4]
			x := archsimd.BroadcastFloat32x16(a[0])
			c00, c01 = c00.Add(b0.Mul(x)), c01.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x16(a[1])
			c10, c11 = c10.Add(b0.Mul(x)), c11.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x16(a[2])
			c20, c21 = c20.Add(b0.Mul(x)), c21.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x16(a[3])
			c30, c31 = c30.Add(b0.Mul(x)), c31.Add(b1.Mul(x))
		}
		put16(c[j:], first, c00)
		put16(c[j+16:], first, c01)
		if rows > 1 {
			put16(c[ldc+j:], first, c10)
			put16(c[ldc+j+16:], first, c11)
		}
		if rows > 2 {
			put16(c[2*ldc+j:], first, c20)
			put16(c[2*ldc+j+16:], first, c21)
		}
		if rows > 3 {
			put16(c[3*ldc+j:], first, c30)
			put16(c[3*ldc+j+16:], first, c31)
		}
	}
	if j < nb {
		kernelRows8(kb, pa, b[j:], ldb, nb-j, c[j:], ldc, first, rows)
	}
}

// put16 stores (first) or adds v into c[:16].
func put16(c []float32, first bool, v archsimd.Float32x16) {
	d := c[:16:16]
	if !first {
		v = archsimd.LoadFloat32x16(d).Add(v)
	}
	v.Store(d)
}

// kernelRows8 is the rowsKernel of AVX2: for each group of sixteen columns of B it keeps the
// 4×16 tile of C as two 256-bit vectors a row; at each step p the group's sixteen values of
// B's row p are two loads, each of A's four values is broadcast and multiplied into them and
// the product added to its row's accumulators, in increasing p, as in kernel4x2. A group of
// eight columns, then single columns, finish the row.
func kernelRows8(kb int, pa, b []float32, ldb, nb int, c []float32, ldc int, first bool, rows int) {
	pa = pa[:4*kb]
	j := 0
	for ; j+16 <= nb; j += 16 {
		var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x8
		p := 0
		for ; p+1 < kb; p += 2 {
			row := b[p*ldb+j : p*ldb+j+16 : p*ldb+j+16]
			b0, b1 := archsimd.LoadFloat32x8(row[:8:8]), archsimd.LoadFloat32x8(row[8:16:16])
			a := pa[4*p : 4*p+8 : 4*p+8]
			x := archsimd.BroadcastFloat32x8(a[0])
			c00, c01 = c00.Add(b0.Mul(x)), c01.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x8(a[1])
			c10, c11 = c10.Add(b0.Mul(x)), c11.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x8(a[2])
			c20, c21 = c20.Add(b0.Mul(x)), c21.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x8(a[3])
			c30, c31 = c30.Add(b0.Mul(x)), c31.Add(b1.Mul(x))
			row = b[(p+1)*ldb+j : (p+1)*ldb+j+16 : (p+1)*ldb+j+16]
			b0, b1 = archsimd.LoadFloat32x8(row[:8:8]), archsimd.LoadFloat32x8(row[8:16:16])
			x = archsimd.BroadcastFloat32x8(a[4])
			c00, c01 = c00.Add(b0.Mul(x)), c01.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x8(a[5])
			c10, c11 = c10.Add(b0.Mul(x)), c11.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x8(a[6])
			c20, c21 = c20.Add(b0.Mul(x)), c21.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x8(a[7])
			c30, c31 = c30.Add(b0.Mul(x)), c31.Add(b1.Mul(x))
		}
		for ; p < kb; p++ {
			row := b[p*ldb+j : p*ldb+j+16 : p*ldb+j+16]
			b0, b1 := archsimd.LoadFloat32x8(row[:8:8]), archsimd.LoadFloat32x8(row[8:16:16])
			a := pa[4*p : 4*p+4 : 4*p+4]
			x := archsimd.BroadcastFloat32x8(a[0])
			c00, c01 = c00.Add(b0.Mul(x)), c01.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x8(a[1])
			c10, c11 = c10.Add(b0.Mul(x)), c11.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x8(a[2])
			c20, c21 = c20.Add(b0.Mul(x)), c21.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x8(a[3])
			c30, c31 = c30.Add(b0.Mul(x)), c31.Add(b1.Mul(x))
		}
		put8(c[j:], first, c00)
		put8(c[j+8:], first, c01)
		if rows > 1 {
			put8(c[ldc+j:], first, c10)
			put8(c[ldc+j+8:], first, c11)
		}
		if rows > 2 {
			put8(c[2*ldc+j:], first, c20)
			put8(c[2*ldc+j+8:], first, c21)
		}
		if rows > 3 {
			put8(c[3*ldc+j:], first, c30)
			put8(c[3*ldc+j+8:], first, c31)
		}
	}
	for ; j+8 <= nb; j += 8 {
		var c0, c1, c2, c3 archsimd.Float32x8
		for p := range kb {
			v := archsimd.LoadFloat32x8(b[p*ldb+j : p*ldb+j+8 : p*ldb+j+8])
			a := pa[4*p : 4*p+4 : 4*p+4]
			c0 = c0.Add(v.Mul(archsimd.BroadcastFloat32x8(a[0])))
			c1 = c1.Add(v.Mul(archsimd.BroadcastFloat32x8(a[1])))
			c2 = c2.Add(v.Mul(archsimd.BroadcastFloat32x8(a[2])))
			c3 = c3.Add(v.Mul(archsimd.BroadcastFloat32x8(a[3])))
		}
		put8(c[j:], first, c0)
		if rows > 1 {
			put8(c[ldc+j:], first, c1)
		}
		if rows > 2 {
			put8(c[2*ldc+j:], first, c2)
		}
		if rows > 3 {
			put8(c[3*ldc+j:], first, c3)
		}
	}
	for ; j < nb; j++ {
		var t [4]float32
		for p := range kb {
			v, a := b[p*ldb+j], pa[4*p:4*p+4:4*p+4]
			t[0] += a[0] * v
			t[1] += a[1] * v
			t[2] += a[2] * v
			t[3] += a[3] * v
		}
		for r, v := range t[:rows] {
			if first {
				c[r*ldc+j] = v
			} else {
				c[r*ldc+j] += v
			}
		}
	}
}

// put8 stores (first) or adds v into c[:8].
func put8(c []float32, first bool, v archsimd.Float32x8) {
	d := c[:8:8]
	if !first {
		v = archsimd.LoadFloat32x8(d).Add(v)
	}
	v.Store(d)
}

// mulDot is the default backend natively with AVX2: for C = A·Bᵀ (A not transposed) it
// computes each element as a dot product of two rows 256 bits at a time (dotTile), where the
// own kernel would copy too few rows (ownShapes: fewer than minTile rows or columns of C, such
// as a convolution's weight gradient for 16 filters); every other product goes to gonum.
func mulDot(w *workspace, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if ta || !tb {
		mulGonum(w, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	for i := 0; i < m; i += 2 {
		for j := 0; j < n; j += 2 {
			dotTile(a[i*lda:], lda, min(2, m-i), b[j*ldb:], ldb, min(2, n-j), k, beta, c[i*ldc+j:], ldc)
		}
	}
}

// dotTile computes the rows×cols tile of C (rows, cols ≤ 2) at c: each element the dot
// product of a row of A and a row of B over k, in eight lanes (lane l sums the products of
// the steps p ≡ l mod 8 below k rounded down to a multiple of 8, in increasing p), then the
// lanes summed in order, then the steps left added one by one; C = that (beta 0) or C + that.
// The order depends only on k, not on the tile, so threads cutting C change no bits.
func dotTile(a []float32, lda, rows int, b []float32, ldb, cols, k int, beta float32, c []float32, ldc int) {
	a0, b0 := a[:k:k], b[:k:k]
	a1, b1 := a0, b0
	if rows > 1 {
		a1 = a[lda : lda+k : lda+k]
	}
	if cols > 1 {
		b1 = b[ldb : ldb+k : ldb+k]
	}
	var s00, s01, s10, s11 archsimd.Float32x8
	k8 := k &^ 7
	for p := 0; p < k8; p += 8 {
		x0, x1 := archsimd.LoadFloat32x8(a0[p:p+8:p+8]), archsimd.LoadFloat32x8(a1[p:p+8:p+8])
		y0, y1 := archsimd.LoadFloat32x8(b0[p:p+8:p+8]), archsimd.LoadFloat32x8(b1[p:p+8:p+8])
		s00 = s00.Add(x0.Mul(y0))
		s01 = s01.Add(x0.Mul(y1))
		s10 = s10.Add(x1.Mul(y0))
		s11 = s11.Add(x1.Mul(y1))
	}
	t := [2][2]float32{{laneSum(s00), laneSum(s01)}, {laneSum(s10), laneSum(s11)}}
	for p := k8; p < k; p++ {
		t[0][0] += a0[p] * b0[p]
		t[0][1] += a0[p] * b1[p]
		t[1][0] += a1[p] * b0[p]
		t[1][1] += a1[p] * b1[p]
	}
	for r := range rows {
		for q := range cols {
			if beta == 0 {
				c[r*ldc+q] = t[r][q]
			} else {
				c[r*ldc+q] += t[r][q]
			}
		}
	}
}

// laneSum sums v's eight lanes in order.
func laneSum(v archsimd.Float32x8) float32 {
	var u [8]float32
	v.StoreArray(&u)
	return ((((((u[0] + u[1]) + u[2]) + u[3]) + u[4]) + u[5]) + u[6]) + u[7]
}
