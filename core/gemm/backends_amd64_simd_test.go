//go:build amd64 && goexperiment.simd

package gemm

import "simd/archsimd"

// With AVX2 the default backend is mulDot, which every test and benchmark runs too, as they
// run each rows kernel the CPU has (rows8 with AVX2, rows16 with AVX-512), whichever of them
// mulOwn chose; TestKernelBitwise checks both against the plain-Go kernel.
func init() {
	type named = struct {
		name string
		mul  backend
	}
	if !archsimd.X86.AVX2() {
		return
	}
	backends = append(backends, named{"dot", mulDot})
	kernels := []named{{"rows8", rowsWith(kernelRows8)}}
	if archsimd.X86.AVX512() {
		kernels = append(kernels, named{"rows16", rowsWith(kernelRows16)})
	}
	backends = append(backends, kernels...)
	sameBits = append(sameBits, kernels...)
}

// rowsWith returns the backend that runs mulRows with kern on every product.
func rowsWith(kern rowsKernel) backend {
	return func(w *workspace, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		mulRows(w, kern, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
	}
}
