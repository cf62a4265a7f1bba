package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// mulGonum computes C = op(A)·op(B) + beta·C with gonum's pure-Go BLAS (whose level-1
// helpers have SSE assembly on amd64) on the calling goroutine.
//
// Sgemm starts goroutines of its own, which allocate, once C spans 4 or more 64×64 blocks,
// so C is cut into 64×192 tiles (3 blocks) that each take its serial path; threads come from
// this package's pool instead. Each tile still runs over the whole of k, and gonum sums every
// element of C in the same order whatever the tile, so tiling changes no bits.
// Unlike the own kernel, gonum skips terms whose A value is 0, so 0·Inf and 0·NaN in B do not
// make NaN.
func mulGonum(_ *workspace, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	const tm, tn = 64, 192
	tA, tB := blas.NoTrans, blas.NoTrans
	if ta {
		tA = blas.Trans
	}
	if tb {
		tB = blas.Trans
	}
	var impl gonum.Implementation
	for i0 := 0; i0 < m; i0 += tm {
		mb := min(tm, m-i0)
		var as []float32
		if ta {
			as = a[i0:]
		} else {
			as = a[i0*lda:]
		}
		for j0 := 0; j0 < n; j0 += tn {
			nb := min(tn, n-j0)
			var bs []float32
			if tb {
				bs = b[j0*ldb:]
			} else {
				bs = b[j0:]
			}
			impl.Sgemm(tA, tB, mb, nb, k, 1, as, lda, bs, ldb, beta, c[i0*ldc+j0:], ldc)
		}
	}
}
