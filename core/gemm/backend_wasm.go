//go:build wasm

package gemm

// defaultBackend is the backend Mul uses under WebAssembly: the own packed kernel. Without
// assembly gonum's axpy and dot loops are scalar Go that loads and stores C for every
// multiply-add, while the kernel keeps a 4×2 tile in registers: 3–6 GFLOP/s against 1.0–1.5
// on the shapes of core/nn (BenchmarkMul under node 20). Built with GOEXPERIMENT=simd its
// kernels are kernel4x8, kernelRows and mulGroups (WebAssembly SIMD), bitwise equal to the
// scalar one (BenchmarkMul runs the own and the scalar kernel side by side).
var defaultBackend backend = mulOwn

// singleThreaded is true: WebAssembly runs one thread, so SetThreads keeps Mul serial
// rather than interleaving goroutines that cannot run in parallel.
const singleThreaded = true

// OwnKernel is true: Mul runs the own kernel, which packs B; a caller whose B is gathered
// from offsets (MulGather) saves writing it out.
const OwnKernel = true
