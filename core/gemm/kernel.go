package gemm

// The own backend is a packed, register-blocked GEMM in the style of Goto and van de Geijn
// ("Anatomy of high-performance matrix multiplication", 2008) and BLIS, written in plain Go
// so that it runs at the same speed natively and under WebAssembly.
//
// C is computed in blocks: for each block of nc columns and kc steps of k, the kc×nc block of
// op(B) is copied ("packed") into panels nr columns wide; for each block of mc rows, the mc×kc
// block of op(A) is packed into panels mr rows tall. The micro-kernel then multiplies one A
// panel by one B panel, keeping the mr×nr tile of C in local variables, which the compiler
// holds in registers. Packing makes every load in the kernel sequential whatever the transpose
// flags, so one kernel serves NN, NT, TN and TT.
//
// Summation order. Every element of C is computed as
//
//	C = s₀ (beta 0) or C + s₀ (beta 1), then C += s₁, C += s₂, …
//
// where sᵢ is the sum over the i-th block of kc values of k (boundaries at multiples of kc,
// counted from 0), accumulated from zero in increasing k. This depends only on k, never on
// which rows or columns share a block or a thread, which is what makes the results bitwise
// identical for any number of threads.

const (
	// mr×nr is the register tile. Go's amd64 back end has 15 usable floating-point
	// registers and its scheduler issues all multiplications of a basic block before the
	// additions, so every extra accumulator also costs a live product: 4×2 (8 accumulators)
	// was the fastest of 1×4 … 4×4 measured natively and under WASM (see kernel4x2).
	mr = 4
	nr = 2

	// kc is the depth of one packed block. 256 keeps a B micro-panel (kc·nr floats, 2 KiB)
	// in L1 and amortizes writing the C tile over 256 multiply-adds.
	kc = 256
	// mc and nc bound the packed A block (mc·kc floats, 64 KiB, L2) and B block
	// (kc·nc floats, 512 KiB, L2/L3). They only affect speed, never the result.
	mc = 64
	nc = 512
)

// workspace holds the pack buffers of one thread. Buffers grow to the largest block seen and
// are then reused, so a steady-state call allocates nothing and touches no fresh pages.
type workspace struct {
	tile [mr * nr]float32 // C tile for edge panels that do not fill mr×nr
	rows []float32        // the mr rows of C of an A panel with fewer than mr rows
	a    []float32        // packed A block: ⌈mc/mr⌉ panels of kc×mr
	b    []float32        // packed B block: ⌈nc/nr⌉ panels of kc×nr
	runs []int            // the runs of a gathered block's columns (MulGather)
	t    []float32        // Cᵀ of a product Mul computes transposed (mulSwapped)
}

// grow returns s with length n, reallocating only if its capacity is too small.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// mulOwn computes C = op(A)·op(B) + beta·C with the packed kernel on the calling goroutine.
// It requires m, n, k > 0; Mul handles the empty cases.
// It runs the SIMD kernels where the target has them: fastRows where B is not transposed or
// C has rows enough to share a copy of B, fastKernel elsewhere.
func mulOwn(w *workspace, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if fastRows != nil && (!tb || m >= minRowsT) {
		mulRows(w, fastRows, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	mulBlocks(w, fastKernel, ta, tb, nil, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// A rowsKernel computes the 4×nb block of C = A·B from a packed A panel (4 values per p, kb
// steps) and B read in place (kb×nb, rows ldb apart), storing (first) or adding its first
// rows rows into c, whose rows are ldc apart. It sums each element as kernel4x2 does.
type rowsKernel func(kb int, pa, b []float32, ldb, nb int, c []float32, ldc int, first bool, rows int)

// fastRows, if not nil, is the rowsKernel mulOwn runs where it reads B in rows: the SIMD
// kernel (WebAssembly SIMD or AVX2) whose vectors run along C's rows, so that B needs no
// packing and C no transposing store.
var fastRows rowsKernel

// minRowsT is the number of rows of C from which mulOwn runs fastRows on a transposed B,
// copying each kc×nc block of op(B) into rows first (transposeB): below it the copy, one
// per element of B, costs more than the faster kernel saves.
const minRowsT = 16

// mulRows is mulBlocks with B read in rows by kern: in place where B is not transposed,
// from a copy of each block of op(B) made by transposeB where it is. It sums each element
// of C in the same kc blocks, so the bits are those of mulBlocks. With no B block to pack,
// each A block is packed once and meets every block of nc columns of B: a convolution's
// input gradient (few steps, many columns) packs its small A once, not once per nc columns.
func mulRows(w *workspace, kern rowsKernel, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for p0 := 0; p0 < k; p0 += kc {
		kb := min(kc, k-p0)
		first := p0 == 0 && beta == 0
		if tb {
			for j0 := 0; j0 < n; j0 += nc {
				nb := min(nc, n-j0)
				w.b = grow(w.b, kb*nb)
				transposeB(w.b, b, ldb, p0, kb, j0, nb)
				for i0 := 0; i0 < m; i0 += mc {
					mb := min(mc, m-i0)
					w.a = grow(w.a, roundUp(mb, mr)*kb)
					packA(w.a, ta, a, lda, i0, mb, p0, kb)
					rowsBlock(kern, w.a, mb, kb, w.b, nb, nb, c[i0*ldc+j0:], ldc, first)
				}
			}
			continue
		}
		for i0 := 0; i0 < m; i0 += mc {
			mb := min(mc, m-i0)
			w.a = grow(w.a, roundUp(mb, mr)*kb)
			packA(w.a, ta, a, lda, i0, mb, p0, kb)
			for j0 := 0; j0 < n; j0 += nc {
				rowsBlock(kern, w.a, mb, kb, b[p0*ldb+j0:], ldb, min(nc, n-j0), c[i0*ldc+j0:], ldc, first)
			}
		}
	}
}

// rowsBlock runs kern on each panel of the packed mb×kb block of A, pa, with the kb×nb block
// of B at b (rows ldb apart), into the mb×nb block of C at c.
func rowsBlock(kern rowsKernel, pa []float32, mb, kb int, b []float32, ldb, nb int, c []float32, ldc int, first bool) {
	for i := 0; i < mb; i += mr {
		kern(kb, pa[i*kb:(i+mr)*kb], b, ldb, nb, c[i*ldc:], ldc, first, min(mr, mb-i))
	}
}

// transposeB copies the kb×nb block of Bᵀ at (p0, j0), B being n×k with rows ldb apart, into
// dst row by row: dst[p*nb + j] = B[j0+j, p0+p]. Four rows of B at a time, so that each
// store fills four consecutive values.
func transposeB(dst, b []float32, ldb, p0, kb, j0, nb int) {
	dst = dst[:kb*nb]
	j := 0
	for ; j+4 <= nb; j += 4 {
		r0 := b[(j0+j)*ldb+p0 : (j0+j)*ldb+p0+kb]
		r1 := b[(j0+j+1)*ldb+p0 : (j0+j+1)*ldb+p0+kb]
		r2 := b[(j0+j+2)*ldb+p0 : (j0+j+2)*ldb+p0+kb]
		r3 := b[(j0+j+3)*ldb+p0 : (j0+j+3)*ldb+p0+kb]
		for p := range r0 {
			d := dst[p*nb+j : p*nb+j+4 : p*nb+j+4]
			d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
	for ; j < nb; j++ {
		for p, v := range b[(j0+j)*ldb+p0 : (j0+j)*ldb+p0+kb] {
			dst[p*nb+j] = v
		}
	}
}

// mulScalar is mulOwn with the plain-Go kernel, kernel4x2, on every target.
func mulScalar(w *workspace, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	mulBlocks(w, kernel4x2, ta, tb, nil, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// A rowKernel computes one row of 4×2 tiles of C from a packed A panel and `tiles` packed B
// panels, as kernel4x2 documents. Every rowKernel sums each element of C in the same order.
type rowKernel func(kb int, pa, pbs []float32, stride, tiles int, c []float32, ldc int, first bool)

// fastKernel is the rowKernel mulOwn and mulGather run: kernel4x2, or the SIMD kernel a
// file built with GOEXPERIMENT=simd installs where the target (and natively the CPU) has it.
var fastKernel rowKernel = kernel4x2

// mulBlocks is mulOwn with the kernel kern, or with g set mulGather: B gathered from g.x.
func mulBlocks(w *workspace, kern rowKernel, ta, tb bool, g *gathered, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for j0 := 0; j0 < n; j0 += nc {
		nb := min(nc, n-j0)
		for p0 := 0; p0 < k; p0 += kc {
			kb := min(kc, k-p0)
			// The first k block overwrites C when beta is 0, so stale NaNs never enter a sum.
			first := p0 == 0 && beta == 0
			// w.b[q*nr*kb:][:nr*kb] is the q-th B panel of the block.
			w.b = grow(w.b, roundUp(nb, nr)*kb)
			if g != nil {
				w.runs = g.pairs(w.b, p0, kb, j0, nb, w.runs)
			} else {
				packB(w.b, tb, b, ldb, p0, kb, j0, nb)
			}
			pb, stride := w.b, nr*kb
			for i0 := 0; i0 < m; i0 += mc {
				mb := min(mc, m-i0)
				w.a = grow(w.a, roundUp(mb, mr)*kb)
				packA(w.a, ta, a, lda, i0, mb, p0, kb)
				macroKernel(w, kern, pb, stride, mb, nb, kb, c[i0*ldc+j0:], ldc, first)
			}
		}
	}
}

// macroKernel multiplies the packed mb×kb block of A by the kb×nb block of B, whose q-th
// panel is pb[q*stride:][:nr*kb], into the mb×nb block of C starting at c[0]. Each A panel
// (L1) meets every B panel of the block (L2) in one call of the kernel: under WebAssembly a
// call costs as much as a 4×2 tile of 25 steps. Whole tiles run kern, the last column's
// tiles kernel4x2: all sum in the same order.
func macroKernel(w *workspace, kern rowKernel, pb []float32, stride, mb, nb, kb int, c []float32, ldc int, first bool) {
	pairs := nb / nr
	for i := 0; i < mb; i += mr {
		pa := w.a[i*kb : (i+mr)*kb]
		switch {
		case i+mr > mb:
			// The last A panel, short of rows (zero-padded): its whole tiles into w.rows
			// by kern, then the rows that exist. (Tile by tile with kernel4x2, as the last
			// column's, a 25-row product under WebAssembly SIMD would spend a seventh of its
			// work at the scalar kernel's speed.)
			if pairs == 0 {
				break
			}
			ld := pairs * nr
			w.rows = grow(w.rows, mr*ld)
			kern(kb, pa, pb, stride, pairs, w.rows, ld, true)
			putRows(c[i*ldc:], ldc, w.rows, ld, mb-i, ld, first)
		default:
			kern(kb, pa, pb, stride, pairs, c[i*ldc:], ldc, first)
		}
		if j := pairs * nr; j < nb {
			// The last column's tile, short of columns: compute the full mr×nr tile (the
			// packed panels are zero-padded) into the workspace, then copy the part that
			// exists. The arithmetic is the same as for an interior tile.
			kernel4x2(kb, pa, pb[j/nr*stride:], stride, 1, w.tile[:], nr, true)
			putRows(c[i*ldc+j:], ldc, w.tile[:], nr, min(mr, mb-i), nb-j, first)
		}
	}
}

// putRows stores (first) or adds the rows×cols block t, whose rows are ldt apart, into c,
// whose rows are ldc apart: where a kernel's tiles went to scratch because C has fewer rows
// or columns than the tiles.
func putRows(c []float32, ldc int, t []float32, ldt, rows, cols int, first bool) {
	for r := range rows {
		crow, trow := c[r*ldc:r*ldc+cols], t[r*ldt:r*ldt+cols]
		if first {
			copy(crow, trow)
			continue
		}
		for q, v := range trow {
			crow[q] += v
		}
	}
}

// packA copies the mb×kb block of op(A) at (i0, p0) into dst as ⌈mb/mr⌉ panels, each kb
// groups of mr consecutive rows: dst[(i/mr)*kb*mr + p*mr + i%mr] = op(A)[i0+i, p0+p].
// Rows past mb are zero so edge tiles need no special kernel.
func packA(dst []float32, ta bool, a []float32, lda, i0, mb, p0, kb int) {
	for i := 0; i < mb; i += mr {
		panel := dst[i*kb : (i+mr)*kb]
		rows := min(mr, mb-i)
		if rows < mr {
			clear(panel)
		}
		if ta {
			// op(A) = Aᵀ: the mr values for one p are contiguous in A.
			for p := 0; p < kb; p++ {
				src := a[(p0+p)*lda+i0+i : (p0+p)*lda+i0+i+rows]
				copy(panel[p*mr:p*mr+rows], src)
			}
			continue
		}
		if rows == mr {
			// Four rows at a time, each step's four values one store.
			r0 := a[(i0+i)*lda+p0 : (i0+i)*lda+p0+kb]
			r1, r2, r3 := a[(i0+i+1)*lda+p0:][:len(r0)], a[(i0+i+2)*lda+p0:][:len(r0)], a[(i0+i+3)*lda+p0:][:len(r0)]
			for p := range r0 {
				d := panel[p*mr : p*mr+mr : p*mr+mr]
				d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
			}
			continue
		}
		for r := 0; r < rows; r++ {
			src := a[(i0+i+r)*lda+p0 : (i0+i+r)*lda+p0+kb]
			for p, v := range src {
				panel[p*mr+r] = v
			}
		}
	}
}

// packB copies the kb×nb block of op(B) at (p0, j0) into dst as ⌈nb/nr⌉ panels, each kb
// groups of nr consecutive columns: dst[(j/nr)*kb*nr + p*nr + j%nr] = op(B)[p0+p, j0+j].
// Columns past nb are zero.
func packB(dst []float32, tb bool, b []float32, ldb, p0, kb, j0, nb int) {
	for j := 0; j < nb; j += nr {
		panel := dst[j*kb : (j+nr)*kb]
		cols := min(nr, nb-j)
		if cols < nr {
			clear(panel)
		}
		if !tb {
			// op(B) = B: the nr values for one p are contiguous in B.
			if cols == nr {
				for p := 0; p < kb; p++ {
					src := b[(p0+p)*ldb+j0+j : (p0+p)*ldb+j0+j+nr : (p0+p)*ldb+j0+j+nr]
					dst := panel[p*nr : p*nr+nr : p*nr+nr]
					dst[0], dst[1] = src[0], src[1]
				}
				continue
			}
			for p := 0; p < kb; p++ {
				src := b[(p0+p)*ldb+j0+j : (p0+p)*ldb+j0+j+cols]
				copy(panel[p*nr:p*nr+cols], src)
			}
			continue
		}
		for q := 0; q < cols; q++ {
			src := b[(j0+j+q)*ldb+p0 : (j0+j+q)*ldb+p0+kb]
			for p, v := range src {
				panel[p*nr+q] = v
			}
		}
	}
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// kernel4x2 computes, for each of `tiles` packed B panels (2 values per p, kb steps each,
// panel q at pbs[q*stride:]), the 4×2 tile t = Σ_p pa[p]·pb[p] with the packed A panel (4
// values per p), then stores t into c (first) or adds it to c, whose rows are ldc apart;
// tile q is columns 2q and 2q+1 of c.
//
// The loop over p is unrolled four times. Besides saving loop overhead this matters for Go's
// instruction scheduler: within a basic block it places values that have uses in the block
// first, so without unrolling all eight products are computed before any is added and the
// temporaries spill to the stack; unrolled, the sums of the first three steps feed the next
// step and the statements stay interleaved in source order. Measured on the kernel
// alone, with its panels in L1: 7.6 → 10.5 GFLOP/s natively, 4.4 → 6.5 under WASM (Zen 5,
// go1.26, node 20). The loop over tiles is inside for WebAssembly, where a call costs about
// 40 ns: at kb = 25 (a 5×5 convolution of one channel) calling once per tile ran the kernel
// at 2.6 GFLOP/s, once per row of tiles at 3.7 (best of 5, node 20).
func kernel4x2(kb int, pa, pbs []float32, stride, tiles int, c []float32, ldc int, first bool) {
	pa = pa[:4*kb]
	for q := range tiles {
		pb := pbs[stride*q : stride*q+2*kb]
		var c00, c01, c10, c11, c20, c21, c30, c31 float32
		p := 0
		for ; p+3 < kb; p += 4 {
			// Three-index slices of exact length let the compiler drop the bounds checks
			// on the constant indexes below.
			a := pa[4*p : 4*p+16 : 4*p+16]
			b := pb[2*p : 2*p+8 : 2*p+8]

			a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
			b0, b1 := b[0], b[1]
			c00 += a0 * b0
			c01 += a0 * b1
			c10 += a1 * b0
			c11 += a1 * b1
			c20 += a2 * b0
			c21 += a2 * b1
			c30 += a3 * b0
			c31 += a3 * b1

			a0, a1, a2, a3 = a[4], a[5], a[6], a[7]
			b0, b1 = b[2], b[3]
			c00 += a0 * b0
			c01 += a0 * b1
			c10 += a1 * b0
			c11 += a1 * b1
			c20 += a2 * b0
			c21 += a2 * b1
			c30 += a3 * b0
			c31 += a3 * b1

			a0, a1, a2, a3 = a[8], a[9], a[10], a[11]
			b0, b1 = b[4], b[5]
			c00 += a0 * b0
			c01 += a0 * b1
			c10 += a1 * b0
			c11 += a1 * b1
			c20 += a2 * b0
			c21 += a2 * b1
			c30 += a3 * b0
			c31 += a3 * b1

			a0, a1, a2, a3 = a[12], a[13], a[14], a[15]
			b0, b1 = b[6], b[7]
			c00 += a0 * b0
			c01 += a0 * b1
			c10 += a1 * b0
			c11 += a1 * b1
			c20 += a2 * b0
			c21 += a2 * b1
			c30 += a3 * b0
			c31 += a3 * b1
		}
		for ; p < kb; p++ {
			a := pa[4*p : 4*p+4 : 4*p+4]
			b := pb[2*p : 2*p+2 : 2*p+2]
			c00 += a[0] * b[0]
			c01 += a[0] * b[1]
			c10 += a[1] * b[0]
			c11 += a[1] * b[1]
			c20 += a[2] * b[0]
			c21 += a[2] * b[1]
			c30 += a[3] * b[0]
			c31 += a[3] * b[1]
		}
		j := 2 * q
		r0 := c[j : j+2 : j+2]
		r1 := c[ldc+j : ldc+j+2 : ldc+j+2]
		r2 := c[2*ldc+j : 2*ldc+j+2 : 2*ldc+j+2]
		r3 := c[3*ldc+j : 3*ldc+j+2 : 3*ldc+j+2]
		if first {
			r0[0], r0[1] = c00, c01
			r1[0], r1[1] = c10, c11
			r2[0], r2[1] = c20, c21
			r3[0], r3[1] = c30, c31
			continue
		}
		r0[0] += c00
		r0[1] += c01
		r1[0] += c10
		r1[1] += c11
		r2[0] += c20
		r2[1] += c21
		r3[0] += c30
		r3[1] += c31
	}
}
