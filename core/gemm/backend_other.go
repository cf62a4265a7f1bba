//go:build !wasm

package gemm

// defaultBackend is the backend Mul uses natively: gonum. Its level-1 helpers (axpy, dot)
// have SSE assembly, which makes it about twice as fast as the plain-Go kernel on every shape
// of core/nn (BenchmarkMul: 11–23 GFLOP/s against 5–9 on one Zen 5 core).
var defaultBackend backend = mulGonum

// singleThreaded is false: native targets run the pool's goroutines in parallel.
const singleThreaded = false

// OwnKernel is false: Mul runs gonum, which reads B in place, faster than the own kernel
// reading panels (MulPanels) natively.
const OwnKernel = false
