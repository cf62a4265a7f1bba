// Package gemm multiplies float32 matrices: the one matrix product every layer of core/nn uses.
//
// Matrices are row-major slices with a leading dimension (stride): element (i, j) of a matrix
// with leading dimension ld sits at index i*ld + j.
package gemm

// Mul computes C = op(A)·op(B) + beta·C, where op(X) is X or its transpose Xᵀ.
// C is m×n, op(A) is m×k and op(B) is k×n. With ta false A is m×k (lda ≥ k), with ta true
// A is k×m (lda ≥ m); likewise B is k×n (ldb ≥ n) or, with tb true, n×k (ldb ≥ k).
// beta is 0 (C is overwritten, its old contents ignored, even NaN) or 1 (accumulate).
// The sum over k for each element of C runs in the same order whatever the number of
// threads, so results are bitwise reproducible.
func Mul(ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if ta {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tb {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = s
			} else {
				c[i*ldc+j] += s
			}
		}
	}
}
