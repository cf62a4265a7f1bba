//go:build !wasm

package gemm

// defaultBackend is the backend Mul uses natively where ownPays does not pick the own kernel:
// gonum, whose level-1 helpers (axpy, dot) have SSE assembly, which makes it about twice as
// fast as the plain-Go kernel on every shape of core/nn (BenchmarkMul: 11–23 GFLOP/s against
// 5–9 on one Zen 5 core); with AVX2 and GOEXPERIMENT=simd, mulDot (kernel_amd64_simd.go).
var defaultBackend backend = mulGonum

// singleThreaded is false: native targets run the pool's goroutines in parallel.
const singleThreaded = false

// OwnKernel is false: natively Mul runs the own kernel only on the shapes where it pays
// (ownPays), and there reads B in rows, so callers write B row by row (MulGather is for
// WebAssembly).
const OwnKernel = false
