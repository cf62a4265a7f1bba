//go:build wasm && goexperiment.simd

package gemm

import "simd/archsimd"

// Under WebAssembly with GOEXPERIMENT=simd the own backend runs kernel4x8, kernelRows and,
// for MulGather, mulGroups: WebAssembly SIMD, 128-bit vectors of four float32.
func init() {
	fastKernel = kernel4x8
	fastRows = kernelRows
	fastGather = mulGroups
}

// groupCols is the width of the column groups rows8 reads.
const groupCols = 8

// kernel4x8 is kernel4x2 with 128-bit vectors, four B panels (eight columns of C) at a time.
// The packed A panel holds the 4 rows of one step p side by side, so one load gives a column
// of the tile; each of the 8 B values is broadcast and multiplied into it, and the product
// added to that column's accumulator. Each element of C is thus summed as in kernel4x2 (the
// product rounded, then added, in increasing p: WebAssembly has no fused multiply-add), so
// the results are bitwise the same. Tiles left over after the groups of four run kernel4x2.
//
// The loop over p is unrolled twice: the accumulators then stay in locals across the loop
// and the loop's overhead is paid every 64 multiply-adds.
func kernel4x8(kb int, pa, pbs []float32, stride, tiles int, c []float32, ldc int, first bool) {
	pa = pa[:4*kb]
	q := 0
	for ; q+4 <= tiles; q += 4 {
		b0 := pbs[stride*q : stride*q+2*kb]
		b1 := pbs[stride*(q+1) : stride*(q+1)+2*kb]
		b2 := pbs[stride*(q+2) : stride*(q+2)+2*kb]
		b3 := pbs[stride*(q+3) : stride*(q+3)+2*kb]
		// cj is column 2q+j of the tile, rows 0 to 3.
		var c0, c1, c2, c3, c4, c5, c6, c7 archsimd.Float32x4
		// Two steps of p a loop, then a one-step tail: the two bodies are alike by design,
		// as kernel4x2's unrolled steps are (see there why unrolling pays).
		p := 0
		for ; p+1 < kb; p += 2 {
			x0 := b0[2*p : 2*p+4 : 2*p+4]
			x1 := b1[2*p : 2*p+4 : 2*p+4]
			x2 := b2[2*p : 2*p+4 : 2*p+4]
			x3 := b3[2*p : 2*p+4 : 2*p+4]
			a := archsimd.LoadFloat32x4(pa[4*p : 4*p+4 : 4*p+4])
			c0 = c0.Add(a.Mul(archsimd.BroadcastFloat32x4(x0[0])))
			c1 = c1.Add(a.Mul(archsimd.BroadcastFloat32x4(x0[1])))
			c2 = c2.Add(a.Mul(archsimd.BroadcastFloat32x4(x1[0])))
			c3 = c3.Add(a.Mul(archsimd.BroadcastFloat32x4(x1[1])))
			c4 = c4.Add(a.Mul(archsimd.BroadcastFloat32x4(x2[0])))
			c5 = c5.Add(a.Mul(archsimd.BroadcastFloat32x4(x2[1])))
			c6 = c6.Add(a.Mul(archsimd.BroadcastFloat32x4(x3[0])))
			c7 = c7.Add(a.Mul(archsimd.BroadcastFloat32x4(x3[1])))
			a = archsimd.LoadFloat32x4(pa[4*p+4 : 4*p+8 : 4*p+8])
			c0 = c0.Add(a.Mul(archsimd.BroadcastFloat32x4(x0[2])))
			c1 = c1.Add(a.Mul(archsimd.BroadcastFloat32x4(x0[3])))
			c2 = c2.Add(a.Mul(archsimd.BroadcastFloat32x4(x1[2])))
			c3 = c3.Add(a.Mul(archsimd.BroadcastFloat32x4(x1[3])))
			c4 = c4.Add(a.Mul(archsimd.BroadcastFloat32x4(x2[2])))
			c5 = c5.Add(a.Mul(archsimd.BroadcastFloat32x4(x2[3])))
			c6 = c6.Add(a.Mul(archsimd.BroadcastFloat32x4(x3[2])))
			c7 = c7.Add(a.Mul(archsimd.BroadcastFloat32x4(x3[3])))
		}
		if p < kb {
			x0 := b0[2*p : 2*p+2 : 2*p+2]
			x1 := b1[2*p : 2*p+2 : 2*p+2]
			x2 := b2[2*p : 2*p+2 : 2*p+2]
			x3 := b3[2*p : 2*p+2 : 2*p+2]
			a := archsimd.LoadFloat32x4(pa[4*p : 4*p+4 : 4*p+4])
			c0 = c0.Add(a.Mul(archsimd.BroadcastFloat32x4(x0[0])))
			c1 = c1.Add(a.Mul(archsimd.BroadcastFloat32x4(x0[1])))
			c2 = c2.Add(a.Mul(archsimd.BroadcastFloat32x4(x1[0])))
			c3 = c3.Add(a.Mul(archsimd.BroadcastFloat32x4(x1[1])))
			c4 = c4.Add(a.Mul(archsimd.BroadcastFloat32x4(x2[0])))
			c5 = c5.Add(a.Mul(archsimd.BroadcastFloat32x4(x2[1])))
			c6 = c6.Add(a.Mul(archsimd.BroadcastFloat32x4(x3[0])))
			c7 = c7.Add(a.Mul(archsimd.BroadcastFloat32x4(x3[1])))
		}
		storeColumns8(c[2*q:], ldc, first, c0, c1, c2, c3, c4, c5, c6, c7)
	}
	if q < tiles {
		kernel4x2(kb, pa, pbs[stride*q:], stride, tiles-q, c[2*q:], ldc, first)
	}
}

// storeColumns8 stores (first) or adds the 4×8 tile whose column j is cj into c, whose rows
// are ldc apart.
func storeColumns8(c []float32, ldc int, first bool, c0, c1, c2, c3, c4, c5, c6, c7 archsimd.Float32x4) {
	if first {
		// Each column to memory in one store, then each row out of it: 8 stores and 32
		// copies, where extracting the 32 lanes one by one took 32 more.
		var u [8][4]float32
		c0.StoreArray(&u[0])
		c1.StoreArray(&u[1])
		c2.StoreArray(&u[2])
		c3.StoreArray(&u[3])
		c4.StoreArray(&u[4])
		c5.StoreArray(&u[5])
		c6.StoreArray(&u[6])
		c7.StoreArray(&u[7])
		for r := range 4 {
			row := c[r*ldc : r*ldc+8 : r*ldc+8]
			row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] = u[0][r], u[1][r], u[2][r], u[3][r], u[4][r], u[5][r], u[6][r], u[7][r]
		}
		return
	}
	var t [4][8]float32
	t[0] = [8]float32{c0.GetElem(0), c1.GetElem(0), c2.GetElem(0), c3.GetElem(0), c4.GetElem(0), c5.GetElem(0), c6.GetElem(0), c7.GetElem(0)}
	t[1] = [8]float32{c0.GetElem(1), c1.GetElem(1), c2.GetElem(1), c3.GetElem(1), c4.GetElem(1), c5.GetElem(1), c6.GetElem(1), c7.GetElem(1)}
	t[2] = [8]float32{c0.GetElem(2), c1.GetElem(2), c2.GetElem(2), c3.GetElem(2), c4.GetElem(2), c5.GetElem(2), c6.GetElem(2), c7.GetElem(2)}
	t[3] = [8]float32{c0.GetElem(3), c1.GetElem(3), c2.GetElem(3), c3.GetElem(3), c4.GetElem(3), c5.GetElem(3), c6.GetElem(3), c7.GetElem(3)}
	for r := range 4 {
		row := c[r*ldc : r*ldc+8 : r*ldc+8]
		lo := archsimd.LoadFloat32x4(row[:4:4]).Add(archsimd.LoadFloat32x4Array((*[4]float32)(t[r][:4])))
		hi := archsimd.LoadFloat32x4(row[4:8:8]).Add(archsimd.LoadFloat32x4Array((*[4]float32)(t[r][4:])))
		lo.Store(row[:4:4])
		hi.Store(row[4:8:8])
	}
}

// kernelRows is the rowsKernel of WebAssembly SIMD: rows8 for each group of eight columns of
// B, then a group of four columns and single columns to finish the row, summed alike.
func kernelRows(kb int, pa, b []float32, ldb, nb int, c []float32, ldc int, first bool, rows int) {
	pa = pa[:4*kb]
	var offs [kc]int // where B's row p starts
	for p := range kb {
		offs[p] = p * ldb
	}
	j := nb / groupCols * groupCols
	rows8(kb, pa, b, offs[:kb], identity[:j], c, ldc, first, rows)
	for ; j+4 <= nb; j += 4 {
		var c0, c1, c2, c3 archsimd.Float32x4
		for p := range kb {
			v := archsimd.LoadFloat32x4(b[p*ldb+j : p*ldb+j+4 : p*ldb+j+4])
			a := pa[4*p : 4*p+4 : 4*p+4]
			c0 = c0.Add(v.Mul(archsimd.BroadcastFloat32x4(a[0])))
			c1 = c1.Add(v.Mul(archsimd.BroadcastFloat32x4(a[1])))
			c2 = c2.Add(v.Mul(archsimd.BroadcastFloat32x4(a[2])))
			c3 = c3.Add(v.Mul(archsimd.BroadcastFloat32x4(a[3])))
		}
		put4(c[j:], first, c0)
		if rows > 1 {
			put4(c[ldc+j:], first, c1)
		}
		if rows > 2 {
			put4(c[2*ldc+j:], first, c2)
		}
		if rows > 3 {
			put4(c[3*ldc+j:], first, c3)
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

// identity[j] = j: the columns of a block of B read in place, for rows8.
var identity = func() (t [nc]int) {
	for j := range t {
		t[j] = j
	}
	return t
}()

// put4 stores (first) or adds v into c[:4].
func put4(c []float32, first bool, v archsimd.Float32x4) {
	d := c[:4:4]
	if !first {
		v = archsimd.LoadFloat32x4(d).Add(v)
	}
	v.Store(d)
}

// rows8 computes the first rows rows of the 4×8 tiles of C = A·B for len(cols)/8 groups of
// eight columns of B: in group g, B's row p is the eight values from b[cols[8g] + offs[p]]
// (B in place: cols[j] = j, offs[p] = p·ldb; MulGather's: its offsets into x), the tile
// columns 8g to 8g+7 of c, whose rows are ldc apart, stored (first) or added. The tile is two
// vectors a row; at each step p the group's eight values of B's row p are two loads, each of
// A's four values is broadcast and multiplied into them and the product added to its row's
// accumulators, in increasing p, as in kernel4x2: the same bits. Unrolled twice, as
// kernel4x8, with a one-step tail. Side by side under node 20, over 200 steps, it ran 17–19
// GFLOP/s (B's rows ldb apart, before the offsets table) and kernel4x8 on pairs 8–9; read
// in place from a convolution's input it ran 2–2.5× gathering B first and then multiplying.
func rows8(kb int, pa, b []float32, offs, cols []int, c []float32, ldc int, first bool, rows int) {
	pa, offs = pa[:4*kb], offs[:kb]
	for g := 0; g+groupCols <= len(cols); g += groupCols {
		base := cols[g]
		var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x4
		p := 0
		for ; p+1 < kb; p += 2 {
			o0, o1 := base+offs[p], base+offs[p+1]
			r0, r1 := b[o0:o0+8:o0+8], b[o1:o1+8:o1+8]
			a := pa[4*p : 4*p+8 : 4*p+8]
			b0, b1 := archsimd.LoadFloat32x4(r0[:4:4]), archsimd.LoadFloat32x4(r0[4:8:8])
			x := archsimd.BroadcastFloat32x4(a[0])
			c00, c01 = c00.Add(b0.Mul(x)), c01.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x4(a[1])
			c10, c11 = c10.Add(b0.Mul(x)), c11.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x4(a[2])
			c20, c21 = c20.Add(b0.Mul(x)), c21.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x4(a[3])
			c30, c31 = c30.Add(b0.Mul(x)), c31.Add(b1.Mul(x))
			b0, b1 = archsimd.LoadFloat32x4(r1[:4:4]), archsimd.LoadFloat32x4(r1[4:8:8])
			x = archsimd.BroadcastFloat32x4(a[4])
			c00, c01 = c00.Add(b0.Mul(x)), c01.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x4(a[5])
			c10, c11 = c10.Add(b0.Mul(x)), c11.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x4(a[6])
			c20, c21 = c20.Add(b0.Mul(x)), c21.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x4(a[7])
			c30, c31 = c30.Add(b0.Mul(x)), c31.Add(b1.Mul(x))
		}
		if p < kb {
			o0 := base + offs[p]
			r0 := b[o0 : o0+8 : o0+8]
			a := pa[4*p : 4*p+4 : 4*p+4]
			b0, b1 := archsimd.LoadFloat32x4(r0[:4:4]), archsimd.LoadFloat32x4(r0[4:8:8])
			x := archsimd.BroadcastFloat32x4(a[0])
			c00, c01 = c00.Add(b0.Mul(x)), c01.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x4(a[1])
			c10, c11 = c10.Add(b0.Mul(x)), c11.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x4(a[2])
			c20, c21 = c20.Add(b0.Mul(x)), c21.Add(b1.Mul(x))
			x = archsimd.BroadcastFloat32x4(a[3])
			c30, c31 = c30.Add(b0.Mul(x)), c31.Add(b1.Mul(x))
		}
		put4(c[g:], first, c00)
		put4(c[g+4:], first, c01)
		if rows > 1 {
			put4(c[ldc+g:], first, c10)
			put4(c[ldc+g+4:], first, c11)
		}
		if rows > 2 {
			put4(c[2*ldc+g:], first, c20)
			put4(c[2*ldc+g+4:], first, c21)
		}
		if rows > 3 {
			put4(c[3*ldc+g:], first, c30)
			put4(c[3*ldc+g+4:], first, c31)
		}
	}
}

// mulGroups is MulGather's backend here, mulRows with B found where it lies. Where a block's
// columns fall in runs of eight consecutive offsets (octets), rows8 reads B in x: a
// convolution's product reads its input in place, never unrolled. Any other block of B is
// gathered row by row (rowsOf), once for all the rows of A, for kernelRows, as mulRows copies
// a transposed B. It sums each element of C in the same kc blocks as mulBlocks: the same bits.
func mulGroups(w *workspace, m, n, k int, a []float32, lda int, g gathered, beta float32, c []float32, ldc int) {
	for p0 := 0; p0 < k; p0 += kc {
		kb := min(kc, k-p0)
		first := p0 == 0 && beta == 0
		offs := g.rows[p0 : p0+kb]
		for j0 := 0; j0 < n; j0 += nc {
			nb := min(nc, n-j0)
			cols := g.cols[j0 : j0+nb]
			inPlace := octets(cols)
			if !inPlace {
				w.b = grow(w.b, kb*nb)
				w.runs = rowsOf(w.b, g.x, offs, cols, w.runs)
			}
			for i0 := 0; i0 < m; i0 += mc {
				mb := min(mc, m-i0)
				w.a = grow(w.a, roundUp(mb, mr)*kb)
				packA(w.a, false, a, lda, i0, mb, p0, kb)
				ci := c[i0*ldc+j0:]
				if !inPlace {
					rowsBlock(kernelRows, w.a, mb, kb, w.b, nb, nb, ci, ldc, first)
					continue
				}
				for i := 0; i < mb; i += mr {
					rows8(kb, w.a[i*kb:(i+mr)*kb], g.x, offs, cols, ci[i*ldc:], ldc, first, min(mr, mb-i))
				}
			}
		}
	}
}

// octets tells whether cols falls in runs of eight consecutive offsets: cols[8g+j] =
// cols[8g]+j. cols rises, so the last of each eight tells.
func octets(cols []int) bool {
	if len(cols)%groupCols != 0 {
		return false
	}
	for g := 0; g < len(cols); g += groupCols {
		if cols[g+groupCols-1] != cols[g]+groupCols-1 {
			return false
		}
	}
	return true
}

// rowsOf gathers B[p, j] = x[rows[p] + cols[j]] into dst row by row (len(cols) values a row).
// Where the column offsets fall in runs of eight or more on average (an output row's
// positions), each run is copied as one slice, row by row. Otherwise (a kernel row's five
// taps) eight columns at a time go down each run of consecutive row offsets, where each
// column reads consecutive values, and the columns left one at a time. runs is scratch for
// the runs' lengths, returned grown.
func rowsOf(dst, x []float32, rows, cols []int, runs []int) []int {
	n := len(cols)
	runs = runsOf(runs[:0], cols)
	if len(runs)*8 <= n {
		for p, o := range rows {
			d := dst[p*n : (p+1)*n]
			j := 0
			for _, l := range runs {
				s, e := x[o+cols[j]:][:l], d[j:j+l]
				for i, v := range s {
					e[i] = v
				}
				j += l
			}
		}
		return runs
	}
	runs = runsOf(runs[:0], rows)
	j := 0
	for ; j+8 <= n; j += 8 {
		g := cols[j : j+8 : j+8]
		p := 0
		for _, l := range runs {
			o := rows[p]
			// Each of the eight the length of s0, so the loop checks no bounds there.
			s0 := x[o+g[0] : o+g[0]+l]
			s1, s2, s3 := x[o+g[1]:][:len(s0)], x[o+g[2]:][:len(s0)], x[o+g[3]:][:len(s0)]
			s4, s5, s6, s7 := x[o+g[4]:][:len(s0)], x[o+g[5]:][:len(s0)], x[o+g[6]:][:len(s0)], x[o+g[7]:][:len(s0)]
			for i := range s0 {
				f := dst[(p+i)*n+j : (p+i)*n+j+8 : (p+i)*n+j+8]
				f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7] = s0[i], s1[i], s2[i], s3[i], s4[i], s5[i], s6[i], s7[i]
			}
			p += l
		}
	}
	for ; j < n; j++ {
		for p, o := range rows {
			dst[p*n+j] = x[o+cols[j]]
		}
	}
	return runs
}
