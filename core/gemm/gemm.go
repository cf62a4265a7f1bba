// Package gemm multiplies float32 matrices: the one matrix product every layer of core/nn uses.
//
// Matrices are row-major slices with a leading dimension (stride): element (i, j) of a matrix
// with leading dimension ld sits at index i*ld + j.
//
// Mul runs on a package-level pool of threads whose size SetThreads chooses (1 by default).
// Mul is safe for concurrent use: a large product takes the whole pool when it is free, and
// any other call runs on its caller's goroutine with pack buffers from a free list, so
// callers on different goroutines (parallel experiment runs, one per core) never wait for
// each other. A steady-state call allocates nothing.
//
// Two backends compute the product: a packed, register-blocked kernel in plain Go (kernel.go)
// and gonum's pure-Go BLAS (backend_gonum.go). Each target uses the one that measured faster
// on the shapes of core/nn (backend_wasm.go, backend_other.go); gemm_test.go benchmarks both.
// Built with GOEXPERIMENT=simd (Go 1.27's simd/archsimd) the packed kernel has SIMD versions
// that give the same bits: WebAssembly SIMD (kernel_wasm_simd.go: 4×8 tiles that read B in
// rows: in place, where MulGather finds it, or from a copy where B is transposed or
// gathered; 4×8 tiles from packed pairs of columns elsewhere) and, natively with AVX2,
// the tiles that read B in rows (kernel_amd64_simd.go), which there replace gonum on the
// shapes where they beat it, and dot products (mulDot) on the others; otherwise it is
// plain Go.
package gemm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Mul computes C = op(A)·op(B) + beta·C, where op(X) is X or its transpose Xᵀ.
// C is m×n, op(A) is m×k and op(B) is k×n. With ta false A is m×k (lda ≥ k), with ta true
// A is k×m (lda ≥ m); likewise B is k×n (ldb ≥ n) or, with tb true, n×k (ldb ≥ k).
// beta is 0 (C is overwritten, its old contents ignored, even NaN) or 1 (accumulate).
// The sum over k for each element of C runs in the same order whatever the number of
// threads, so results are bitwise reproducible.
//
// Mul panics if a dimension is negative, a leading dimension too small, a slice too short
// or beta neither 0 nor 1.
func Mul(ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	be := defaultBackend
	if ownPays != nil && ownPays(tb, m, n, k) {
		if tb && !ta && m < n {
			mulSwapped(m, n, k, a, lda, b, ldb, beta, c, ldc)
			return
		}
		be = mulOwn
	}
	mulWith(be, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// mulSwapped computes C = A·Bᵀ + beta·C, C having fewer rows than columns, as
// Cᵀ = B·Aᵀ + beta·Cᵀ with the own kernel, which copies each block of op(B) into rows
// (transposeB): so it copies A, the smaller operand, rather than B (for gal's weight gradient
// a batch's im2col, 64 MB). Each element is the same sum of the same rounded products (x·y is
// y·x) in the same order, so the bits are those of the own kernel on C.
func mulSwapped(m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	check(false, true, m, n, k, len(a), lda, len(b), ldb, beta, len(c), ldc)
	if empty(m, n, k, beta, c, ldc) {
		return
	}
	w := spare.Get().(*workspace)
	defer spare.Put(w)
	w.t = grow(w.t, n*m)
	ct := w.t
	if beta != 0 {
		for i := range m {
			for j, v := range c[i*ldc : i*ldc+n] {
				ct[j*m+i] = v
			}
		}
	}
	mulCut(mulOwn, false, true, n, m, k, b, ldb, a, lda, beta, ct, m)
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			row[j] = ct[j*m+i]
		}
	}
}

// ownPays, if not nil, tells by the shape of the whole product (never of a thread's piece,
// so the bits do not depend on the threads) whether Mul runs the own kernel rather than the
// default backend: where a SIMD kernel pays on some shapes and not on others.
var ownPays func(tb bool, m, n, k int) bool

// A backend computes C = op(A)·op(B) + beta·C on the calling goroutine, for m, n, k > 0,
// using w for scratch. It must sum each element of C in an order that depends only on k, so
// that computing C in pieces gives the same bits as computing it whole.
type backend func(w *workspace, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// cutUnit is the granularity, in rows or columns of C, of the pieces computed by different
// threads: a multiple of the register tile, so that only the last piece has partial tiles.
const cutUnit = 8

// minParallelWork is the number of multiply-adds below which Mul stays on the calling
// goroutine. Below about 4M (a quarter of a millisecond) a second thread did not pay on the
// 2-core test machine: the dense layers of the compact net at batch 64 ran no faster or slower.
const minParallelWork = 1 << 22

// spare holds pack buffers for calls that run alone on their caller's goroutine.
var spare = sync.Pool{New: func() any { return new(workspace) }}

// pool is the worker pool shared by all calls. mu is held for the whole of a parallel Mul and
// of a SetThreads, so the fields below it are only touched by one call at a time.
var pool struct {
	threads atomic.Int32 // number of pieces a large product is cut into; 0 means 1

	mu      sync.Mutex
	ws      workspace // the calling goroutine's pack buffers
	workers []*worker // threads-1 persistent goroutines
	job     job       // the product being computed, read by the workers
	done    sync.WaitGroup
}

// A worker is a persistent goroutine with its own pack buffers. It computes piece i of
// pool.job for each i received on start and exits when start is closed.
type worker struct {
	start chan int
	ws    workspace
}

func (w *worker) run() {
	for i := range w.start {
		pool.job.piece(&w.ws, i)
		pool.done.Done()
	}
}

// SetThreads sets the number of threads Mul uses to n, or to runtime.GOMAXPROCS(0) if n ≤ 0.
// The default is 1: Mul runs on the caller's goroutine and starts none. The threads are
// persistent goroutines started here, not per call. Under WebAssembly, which has one thread,
// SetThreads has no effect. The result of Mul does not depend on the number of threads.
func SetThreads(n int) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if singleThreaded {
		n = 1
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	for len(pool.workers) < n-1 {
		w := &worker{start: make(chan int)}
		pool.workers = append(pool.workers, w)
		go w.run()
	}
	for len(pool.workers) > n-1 {
		last := len(pool.workers) - 1
		close(pool.workers[last].start)
		pool.workers[last] = nil
		pool.workers = pool.workers[:last]
	}
	pool.threads.Store(int32(n))
}

// Threads returns the number of threads Mul uses.
func Threads() int {
	return max(int(pool.threads.Load()), 1)
}

// A job is one product cut into parts pieces of consecutive columns (byCols) or rows of C.
// Each piece is a complete, smaller product over the whole of k, so how C is cut does not
// change how any element is summed.
type job struct {
	mul            backend
	ta, tb, byCols bool
	m, n, k        int
	a, b, c        []float32
	lda, ldb, ldc  int
	beta           float32
	units, parts   int // the cut side is units blocks of cutUnit rows or columns

	loop func(lo, hi int) // for Split: the loop's iterations lo to hi (n in all), not a product
}

// piece computes piece i of the job with scratch w.
func (j *job) piece(w *workspace, i int) {
	if j.loop != nil {
		j.loop(i*j.n/j.parts, (i+1)*j.n/j.parts)
		return
	}
	lo := i * j.units / j.parts * cutUnit
	hi := (i + 1) * j.units / j.parts * cutUnit
	a, b, c := j.a, j.b, j.c
	m, n := j.m, j.n
	if j.byCols {
		hi = min(hi, n)
		n = hi - lo
		c = c[lo:]
		if j.tb {
			b = b[lo*j.ldb:]
		} else {
			b = b[lo:]
		}
	} else {
		hi = min(hi, m)
		m = hi - lo
		c = c[lo*j.ldc:]
		if j.ta {
			a = a[lo:]
		} else {
			a = a[lo*j.lda:]
		}
	}
	if m > 0 && n > 0 {
		j.mul(w, j.ta, j.tb, m, n, j.k, a, j.lda, b, j.ldb, j.beta, c, j.ldc)
	}
}

// Split runs loop over the iterations 0 to n-1 on Mul's threads: cut into Threads()
// consecutive ranges, loop(lo, hi) computing iterations lo to hi-1, one range per thread,
// when the pool is free; otherwise loop(0, n) on the calling goroutine. The iterations must be
// independent (each writing its own part of the output), so that the result does not depend
// on the number of threads. loop may call Mul, which then runs on the calling thread.
// To allocate nothing, pass a func value made once (a layer's field), not a new closure.
func Split(n int, loop func(lo, hi int)) {
	if n <= 0 {
		return
	}
	parts := min(Threads(), n)
	if parts == 1 || !pool.mu.TryLock() {
		loop(0, n)
		return
	}
	defer pool.mu.Unlock()
	runPool(job{loop: loop, n: n, parts: min(parts, len(pool.workers)+1)})
}

// mulWith is Mul with the backend given.
func mulWith(mul backend, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	mulCut(mul, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// mulCut is mulWith: it checks the arguments, then cuts the product among the pool's threads.
func mulCut(mul backend, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	check(ta, tb, m, n, k, len(a), lda, len(b), ldb, beta, len(c), ldc)
	if empty(m, n, k, beta, c, ldc) {
		return
	}

	// Cut C along its longer side, one piece per thread.
	j := job{mul: mul, ta: ta, tb: tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
		beta: beta, c: c, ldc: ldc, byCols: n >= m}
	if j.byCols {
		j.units = (n + cutUnit - 1) / cutUnit
	} else {
		j.units = (m + cutUnit - 1) / cutUnit
	}
	j.parts = min(Threads(), j.units)
	if m*n*k < minParallelWork {
		j.parts = 1
	}
	// The pool busy with another caller's product: compute alone, with pack buffers from the
	// free list. How C is cut changes no bits, so this is only a question of speed.
	if !pool.mu.TryLock() {
		w := spare.Get().(*workspace)
		mul(w, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
		spare.Put(w)
		return
	}
	defer pool.mu.Unlock()
	if j.parts == 1 {
		// A small product: on this goroutine, with the pool's own pack buffers, which stay
		// grown (the free list's are dropped at each garbage collection, and growing them
		// again touches fresh pages).
		mul(&pool.ws, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	j.parts = min(j.parts, len(pool.workers)+1)
	runPool(j)
}

// runPool computes job j's pieces, piece 0 on the calling goroutine and the others on the
// pool's workers, and returns when all are done. The caller holds pool.mu, and j.parts is at
// most len(pool.workers)+1.
func runPool(j job) {
	pool.job = j
	pool.done.Add(j.parts - 1)
	for i := 1; i < j.parts; i++ {
		pool.workers[i-1].start <- i
	}
	pool.job.piece(&pool.ws, 0)
	pool.done.Wait()
	// Drop the references to the caller's slices so the pool does not keep them alive.
	pool.job = job{}
}

// empty computes C = beta·C where the product is empty (m, n or k 0; k 0 leaves C zero or
// as it was) and tells whether it was.
func empty(m, n, k int, beta float32, c []float32, ldc int) bool {
	if m == 0 || n == 0 {
		return true
	}
	if k != 0 {
		return false
	}
	if beta == 0 {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
	}
	return true
}

// check panics unless the arguments of Mul describe valid matrices.
func check(ta, tb bool, m, n, k, na, lda, nb, ldb int, beta float32, nc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if beta != 0 && beta != 1 {
		panic(fmt.Sprintf("gemm: bad beta %v: want 0 or 1", beta))
	}
	// rows×cols is the stored shape of each operand; an empty operand is never read.
	operand := func(name string, rows, cols, ld, have int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic(fmt.Sprintf("gemm: leading dimension of %s is %d: want ≥ %d", name, ld, cols))
		}
		if have < (rows-1)*ld+cols {
			panic(fmt.Sprintf("gemm: %s has %d elements: want ≥ %d", name, have, (rows-1)*ld+cols))
		}
	}
	if ta {
		operand("A", k, m, lda, na)
	} else {
		operand("A", m, k, lda, na)
	}
	if tb {
		operand("B", n, k, ldb, nb)
	} else {
		operand("B", k, n, ldb, nb)
	}
	operand("C", m, n, ldc, nc)
}
