package gemm

import "fmt"

// MulGather computes C = A·B + beta·C as Mul does (A m×k, not transposed), for B (k×n) read
// where it lies in x: B[p, j] = x[rows[p] + cols[j]]. rows (k of them) and cols (n) must
// rise. A convolution's unrolled input is such a B, with rows the kernel taps and cols the
// output positions, or the other way round for the weights' gradient (core/nn), so it is
// multiplied without being written out: each block of B is gathered as packing copies it,
// and under WebAssembly SIMD a block whose columns fall in runs of eight consecutive
// offsets (an output row of a multiple of eight positions) is read from x in place. It sums
// each element of C in the same order as Mul's own kernel does. It runs on the calling
// goroutine.
//
// MulGather panics if the matrices are not as described or an offset lies outside x.
func MulGather(m, n, k int, a []float32, lda int, x []float32, rows, cols []int, beta float32, c []float32, ldc int) {
	// B is checked by its offsets below; as far as check is concerned it is k×n row by row.
	check(false, false, m, n, k, len(a), lda, k*n, max(n, 1), beta, len(c), ldc)
	if len(rows) != k || len(cols) != n {
		panic(fmt.Sprintf("gemm: %d rows and %d columns of offsets: want %d and %d", len(rows), len(cols), k, n))
	}
	if empty(m, n, k, beta, c, ldc) {
		return
	}
	rising := func(name string, v []int) {
		for i := 1; i < len(v); i++ {
			if v[i] <= v[i-1] {
				panic(fmt.Sprintf("gemm: %s offsets fall at %d (%d after %d): want them rising", name, i, v[i], v[i-1]))
			}
		}
	}
	rising("row", rows)
	rising("column", cols)
	if lo, hi := rows[0]+cols[0], rows[k-1]+cols[n-1]; lo < 0 || hi >= len(x) {
		panic(fmt.Sprintf("gemm: B reads x from %d to %d: want within its %d values", lo, hi, len(x)))
	}
	g := gathered{x: x, rows: rows, cols: cols}
	if !pool.mu.TryLock() {
		w := spare.Get().(*workspace)
		mulGather(w, m, n, k, a, lda, g, beta, c, ldc)
		spare.Put(w)
		return
	}
	defer pool.mu.Unlock()
	mulGather(&pool.ws, m, n, k, a, lda, g, beta, c, ldc)
}

// gathered is MulGather's B: B[p, j] = x[rows[p] + cols[j]].
type gathered struct {
	x          []float32
	rows, cols []int
}

// mulGather is the backend of MulGather: mulBlocks with each block of B gathered into pairs
// of columns, unless a SIMD file installs fastGather.
func mulGather(w *workspace, m, n, k int, a []float32, lda int, g gathered, beta float32, c []float32, ldc int) {
	if fastGather != nil {
		fastGather(w, m, n, k, a, lda, g, beta, c, ldc)
		return
	}
	mulBlocks(w, fastKernel, false, false, &g, m, n, k, a, lda, nil, 0, beta, c, ldc)
}

// fastGather, if not nil, is the backend MulGather runs.
var fastGather func(w *workspace, m, n, k int, a []float32, lda int, g gathered, beta float32, c []float32, ldc int)

// pairs gathers the kb×nb block of B at (p0, j0) into dst as packB lays it out: ⌈nb/nr⌉
// panels, each kb pairs of values, zero after an odd last column.
func (g *gathered) pairs(dst []float32, p0, kb, j0, nb int) {
	rows, x := g.rows[p0:p0+kb], g.x
	for j := 0; j < nb; j += nr {
		d := dst[j*kb : (j+nr)*kb]
		c0 := g.cols[j0+j]
		if j+1 == nb {
			for p, o := range rows {
				d[2*p], d[2*p+1] = x[o+c0], 0
			}
			continue
		}
		c1 := g.cols[j0+j+1]
		for p, o := range rows {
			e := d[2*p : 2*p+2 : 2*p+2]
			e[0], e[1] = x[o+c0], x[o+c1]
		}
	}
}
