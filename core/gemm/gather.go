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
// panels, each kb pairs of values, zero after an odd last column. It goes down each run of
// consecutive row offsets, where each column reads consecutive values, and for a pair of
// neighbouring columns (an output row's positions) reads the run's values once for both:
// under WebAssembly that took half the time of reading every value apart. runs is scratch
// for the runs' lengths, returned grown.
func (g *gathered) pairs(dst []float32, p0, kb, j0, nb int, runs []int) []int {
	rows, x := g.rows[p0:p0+kb], g.x
	runs = runsOf(runs[:0], rows)
	for j := 0; j < nb; j += nr {
		d := dst[j*kb : (j+nr)*kb]
		c0 := g.cols[j0+j]
		c1, second := c0, j+1 < nb
		if second {
			c1 = g.cols[j0+j+1]
		}
		p := 0
		for _, l := range runs {
			o := rows[p] + c0
			e := d[2*p : 2*(p+l)]
			switch {
			case !second:
				for i, v := range x[o : o+l] {
					e[2*i], e[2*i+1] = v, 0
				}
			case c1 == c0+1 && l == 5: // a 5×5 kernel's row: six values, five pairs
				s, f := x[o:o+6:o+6], e[:10:10]
				s0, s1, s2, s3, s4, s5 := s[0], s[1], s[2], s[3], s[4], s[5]
				f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9] = s0, s1, s1, s2, s2, s3, s3, s4, s4, s5
			case c1 == c0+1: // four pairs a step
				s := x[o : o+l+1]
				for len(s) >= 5 && len(e) >= 8 {
					t, f := s[:5:5], e[:8:8]
					s0, s1, s2, s3, s4 := t[0], t[1], t[2], t[3], t[4]
					f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7] = s0, s1, s1, s2, s2, s3, s3, s4
					s, e = s[4:], e[8:]
				}
				for i := 0; i+1 < len(s); i++ {
					f := e[2*i : 2*i+2 : 2*i+2]
					f[0], f[1] = s[i], s[i+1]
				}
			default:
				a := x[o : o+l]
				b := x[rows[p]+c1:][:len(a)]
				for i := range a {
					f := e[2*i : 2*i+2 : 2*i+2]
					f[0], f[1] = a[i], b[i]
				}
			}
			p += l
		}
	}
	return runs
}

// runsOf appends to runs the lengths of the runs of consecutive offsets v falls into (v[i+1]
// = v[i]+1 within each), in order.
func runsOf(runs, v []int) []int {
	for i := 0; i < len(v); {
		l := 1
		for i+l < len(v) && v[i+l] == v[i]+l {
			l++
		}
		runs = append(runs, l)
		i += l
	}
	return runs
}
