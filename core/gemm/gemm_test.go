package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"alab/core/internal/race"
)

// naiveMul is the specification of Mul: C = op(A)·op(B) + beta·C, each element summed in
// float64 so that it is a good reference for the float32 kernels. It also returns, for the
// tolerance, s[i*n+j] = Σ_p |op(A)[i,p]·op(B)[p,j]|.
func naiveMul(ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (s []float64) {
	s = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var sum, abs float64
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
				sum += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			if beta != 0 {
				sum += float64(c[i*ldc+j])
				abs += math.Abs(float64(c[i*ldc+j]))
			}
			c[i*ldc+j] = float32(sum)
			s[i*n+j] = abs
		}
	}
	return s
}

// relTol bounds |Mul − naiveMul| by relTol·(k+1)·Σ|terms|: a float32 sum of k+1 terms in any
// order is within about k·2⁻²⁴ of that (Higham, "Accuracy and Stability", §3.1).
const relTol = 1e-6

// backends lists the backends every test and benchmark runs.
var backends = []struct {
	name string
	mul  backend
}{
	{"own", mulOwn},
	{"scalar", mulScalar},
	{"gonum", mulGonum},
}

// TestMulSwapped checks that Mul computing C = A·Bᵀ as Cᵀ = B·Aᵀ (mulSwapped: where the own
// kernel runs on it and C has fewer rows than columns) gives the own kernel's bits on C, with
// padded leading dimensions, both betas, on one thread and cut on two.
func TestMulSwapped(t *testing.T) {
	const m, n, k = 32, 41, 8192 + 9 // k over dotMaxK, below which mulDot runs
	if ownPays == nil || !ownPays(true, m, n, k) {
		t.Skip("Mul does not run the own kernel on this product on this target")
	}
	if m*n*k < minParallelWork {
		t.Fatal("the product is too small to run on two threads")
	}
	defer SetThreads(1)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, threads := range []int{1, 2} {
		SetThreads(threads)
		for _, beta := range []float32{0, 1} {
			a, lda, b, ldb, c0, ldc := operands(rng, false, true, m, n, k, 3)
			want := append([]float32(nil), c0...)
			mulOwn(new(workspace), false, true, m, n, k, a, lda, b, ldb, beta, want, ldc)
			got := append([]float32(nil), c0...)
			Mul(false, true, m, n, k, a, lda, b, ldb, beta, got, ldc)
			if i := firstDiff(want, got); i >= 0 {
				t.Errorf("t%d beta %v: C[%d] = %v (%#x), own kernel %v (%#x)", threads, beta, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}

// sameBits lists the backends that must give the plain-Go kernel's bits: the own backend
// and, where the target has more than one SIMD kernel, each of them
// (backends_amd64_simd_test.go).
var sameBits = []struct {
	name string
	mul  backend
}{{"own", mulOwn}}

// TestKernelBitwise checks that the own backend's kernels (the SIMD ones where the build has
// them) give the same bits as the plain-Go kernel, on random matrices of odd sizes (edge
// tiles, leftover B panels, an odd last step, k over one block, rows of C a few vectors wide
// and not), for every transpose and both betas.
func TestKernelBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {5, 9, 3}, {7, 17, 25}, {13, 31, 257}, {67, 523, 75}, {33, 15, 600}, {18, 89, 40}} {
		for _, tr := range []struct{ ta, tb bool }{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, beta := range []float32{0, 1} {
				a, lda, b, ldb, c0, ldc := operands(rng, tr.ta, tr.tb, s.m, s.n, s.k, 1)
				want := append([]float32(nil), c0...)
				mulScalar(new(workspace), tr.ta, tr.tb, s.m, s.n, s.k, a, lda, b, ldb, beta, want, ldc)
				for _, be := range sameBits {
					got := append([]float32(nil), c0...)
					be.mul(new(workspace), tr.ta, tr.tb, s.m, s.n, s.k, a, lda, b, ldb, beta, got, ldc)
					if i := firstDiff(want, got); i >= 0 {
						t.Errorf("%s %+v %s beta %v: C[%d] = %v (%#x), scalar kernel %v (%#x)", be.name, s, transName(tr.ta, tr.tb), beta,
							i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		}
	}
}

// randMat returns n random values in [-1, 1).
func randMat(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 2*rng.Float32() - 1
	}
	return x
}

// operands returns random A, B and C for the given shape with every leading dimension
// pad elements longer than a row, and the leading dimensions.
func operands(rng *rand.Rand, ta, tb bool, m, n, k, pad int) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := m, k
	if ta {
		ar, ac = k, m
	}
	br, bc := k, n
	if tb {
		br, bc = n, k
	}
	lda, ldb, ldc = ac+pad, bc+pad, n+pad
	return randMat(rng, ar*lda), lda, randMat(rng, br*ldb), ldb, randMat(rng, m*ldc), ldc
}

func TestMul(t *testing.T) {
	dims := []int{0, 1, 3, 5, 17}
	type shape struct{ m, n, k int }
	var shapes []shape
	for _, m := range dims {
		for _, n := range dims {
			for _, k := range dims {
				shapes = append(shapes, shape{m, n, k})
			}
		}
	}
	shapes = append(shapes,
		shape{63, 65, 130}, shape{130, 63, 65}, shape{65, 130, 63},
		shape{3, 600, 5},    // n > nc: several B blocks
		shape{130, 3, 600},  // k > 2·kc: several k blocks
		shape{70, 513, 260}, // m > mc, n > nc, k > kc; cut by columns on two threads
		shape{520, 9, 1000}, // cut by rows on two threads
	)
	for _, s := range shapes[len(shapes)-2:] {
		if s.m*s.n*s.k < minParallelWork {
			t.Fatalf("m%d_n%d_k%d is too small to run on two threads", s.m, s.n, s.k)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, threads := range []int{1, 2} {
		SetThreads(threads)
		for _, be := range backends {
			for _, s := range shapes {
				for _, tr := range []struct{ ta, tb bool }{{false, false}, {false, true}, {true, false}, {true, true}} {
					for _, beta := range []float32{0, 1} {
						for _, pad := range []int{0, 3} {
							name := fmt.Sprintf("%s/t%d/%s/m%d_n%d_k%d/beta%v/pad%d", be.name, threads, transName(tr.ta, tr.tb), s.m, s.n, s.k, beta, pad)
							checkMul(t, name, rng, be.mul, tr.ta, tr.tb, s.m, s.n, s.k, beta, pad)
						}
					}
				}
			}
		}
	}
	SetThreads(1)
}

// checkMul runs one product through mul and compares it with naiveMul. With beta 0 it fills C
// with NaN first; it checks that the padding of C is left alone.
func checkMul(t *testing.T, name string, rng *rand.Rand, mul backend, ta, tb bool, m, n, k int, beta float32, pad int) {
	t.Helper()
	a, lda, b, ldb, c, ldc := operands(rng, ta, tb, m, n, k, pad)
	if beta == 0 {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				c[i*ldc+j] = float32(math.NaN())
			}
		}
	}
	want := append([]float32(nil), c...)
	scale := naiveMul(ta, tb, m, n, k, a, lda, b, ldb, beta, want, ldc)
	mulWith(mul, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
	bad := 0
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			got, w := c[i*ldc+j], want[i*ldc+j]
			if j >= n {
				if math.Float32bits(got) != math.Float32bits(w) {
					t.Errorf("%s: padding C[%d,%d] changed from %v to %v", name, i, j, w, got)
					bad++
				}
				continue
			}
			tol := relTol * float64(k+1) * scale[i*n+j]
			if d := math.Abs(float64(got) - float64(w)); !(d <= tol) {
				t.Errorf("%s: C[%d,%d] = %v, want %v ± %.3g", name, i, j, got, w, tol)
				bad++
			}
			if bad > 5 {
				t.FailNow()
			}
		}
	}
}

func transName(ta, tb bool) string {
	return map[[2]bool]string{{false, false}: "NN", {false, true}: "NT", {true, false}: "TN", {true, true}: "TT"}[[2]bool{ta, tb}]
}

// TestMulPanics checks that bad arguments are rejected rather than read out of bounds.
func TestMulPanics(t *testing.T) {
	x := make([]float32, 16)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"negative m", func() { Mul(false, false, -1, 2, 2, x, 2, x, 2, 0, x, 2) }},
		{"beta 2", func() { Mul(false, false, 2, 2, 2, x, 2, x, 2, 2, x, 2) }},
		{"lda < k", func() { Mul(false, false, 2, 2, 3, x, 2, x, 2, 0, x, 2) }},
		{"lda < m with ta", func() { Mul(true, false, 3, 2, 2, x, 2, x, 2, 0, x, 2) }},
		{"short B", func() { Mul(false, true, 2, 5, 4, x, 4, x, 4, 0, x, 5) }},
		{"short C", func() { Mul(false, false, 4, 5, 1, x, 1, x, 5, 0, x, 5) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Mul did not panic", tc.name)
				}
			}()
			tc.f()
		}()
	}
}

// shape is one product core/nn computes at batch 64.
type shape struct {
	name    string
	ta, tb  bool
	m, n, k int
}

// netShapes are the products of the compact and gal networks at batch 64: forward (fwd),
// weight gradient (dW), input gradient of a dense layer (dX) and of a convolution's im2col
// matrix (dcol).
var netShapes = []shape{
	{"compact/conv1-fwd-NN", false, false, 8, 36864, 25},
	{"compact/conv1-dW-NT", false, true, 8, 25, 36864},
	{"compact/conv2-fwd-NN", false, false, 16, 4096, 200},
	{"compact/conv2-dW-NT", false, true, 16, 200, 4096},
	{"compact/conv2-dcol-TN", true, false, 200, 4096, 16},
	{"compact/fc1-fwd-NT", false, true, 64, 128, 256},
	{"compact/fc1-dW-TN", true, false, 128, 256, 64},
	{"compact/fc1-dX-NN", false, false, 64, 256, 128},
	{"gal/conv1-fwd-NN", false, false, 32, 40000, 16},
	{"gal/conv1-dW-NT", false, true, 32, 16, 40000},
	{"gal/conv2-fwd-NN", false, false, 32, 30976, 512},
	{"gal/conv2-dW-NT", false, true, 32, 512, 30976},
	{"gal/conv2-dcol-TN", true, false, 512, 30976, 32},
	{"gal/fc1-fwd-NT", false, true, 64, 128, 3872},
}

// TestThreadsBitwise checks that one and two threads give the same bits on the network's
// shapes, for every backend and both values of beta.
func TestThreadsBitwise(t *testing.T) {
	if singleThreaded {
		t.Skip("one thread on this target; TestPiecesBitwise covers the cut")
	}
	defer SetThreads(1)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range netShapes {
		if testing.Short() && s.m*s.n*s.k > 1<<24 {
			continue
		}
		a, lda, b, ldb, c0, ldc := operands(rng, s.ta, s.tb, s.m, s.n, s.k, 0)
		for _, be := range backends {
			for _, beta := range []float32{0, 1} {
				var got [2][]float32
				for i, threads := range []int{1, 2} {
					SetThreads(threads)
					got[i] = append([]float32(nil), c0...)
					mulWith(be.mul, s.ta, s.tb, s.m, s.n, s.k, a, lda, b, ldb, beta, got[i], ldc)
				}
				if i := firstDiff(got[0], got[1]); i >= 0 {
					t.Errorf("%s/%s/beta%v: C[%d] = %v with 1 thread, %v with 2", s.name, be.name, beta, i, got[0][i], got[1][i])
				}
			}
		}
	}
}

// TestPiecesBitwise checks the property the pool relies on, on every target: computing C in
// pieces of rows or columns gives the same bits as computing it whole.
func TestPiecesBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const m, n, k = 37, 45, 600
	for _, be := range backends {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			ta, tb := tr[0], tr[1]
			a, lda, b, ldb, c0, ldc := operands(rng, ta, tb, m, n, k, 2)
			whole := append([]float32(nil), c0...)
			mulWith(be.mul, ta, tb, m, n, k, a, lda, b, ldb, 1, whole, ldc)

			// Columns [0, 13) and [13, n): B moves by 13 columns.
			cols := append([]float32(nil), c0...)
			bs := b[13:]
			if tb {
				bs = b[13*ldb:]
			}
			mulWith(be.mul, ta, tb, m, 13, k, a, lda, b, ldb, 1, cols, ldc)
			mulWith(be.mul, ta, tb, m, n-13, k, a, lda, bs, ldb, 1, cols[13:], ldc)

			// Rows [0, 7) and [7, m): A moves by 7 rows.
			rows := append([]float32(nil), c0...)
			as := a[7*lda:]
			if ta {
				as = a[7:]
			}
			mulWith(be.mul, ta, tb, 7, n, k, a, lda, b, ldb, 1, rows, ldc)
			mulWith(be.mul, ta, tb, m-7, n, k, as, lda, b, ldb, 1, rows[7*ldc:], ldc)

			name := be.name + "/" + transName(ta, tb)
			if i := firstDiff(whole, cols); i >= 0 {
				t.Errorf("%s: cut by columns, C[%d] = %v, whole %v", name, i, cols[i], whole[i])
			}
			if i := firstDiff(whole, rows); i >= 0 {
				t.Errorf("%s: cut by rows, C[%d] = %v, whole %v", name, i, rows[i], whole[i])
			}
		}
	}
}

// firstDiff returns the first index where x and y differ in bits, or -1.
func firstDiff(x, y []float32) int {
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
			return i
		}
	}
	return -1
}

// TestAllocs checks that a steady-state Mul allocates nothing, serial or parallel.
func TestAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates for itself")
	}
	defer SetThreads(1)
	rng := rand.New(rand.NewPCG(7, 8))
	const m, n, k = 64, 300, 270 // large enough to run on two threads
	if m*n*k < minParallelWork {
		t.Fatal("shape too small to run on two threads")
	}
	for _, threads := range []int{1, 2} {
		SetThreads(threads)
		for _, be := range backends {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}} {
				a, lda, b, ldb, c, ldc := operands(rng, tr[0], tr[1], m, n, k, 1)
				allocs := testing.AllocsPerRun(10, func() {
					mulWith(be.mul, tr[0], tr[1], m, n, k, a, lda, b, ldb, 0, c, ldc)
				})
				if allocs != 0 {
					t.Errorf("%s/t%d/%s: %v allocations per call, want 0", be.name, threads, transName(tr[0], tr[1]), allocs)
				}
			}
		}
	}
}

// TestConcurrent calls Mul from several goroutines at once; each must get its own product.
func TestConcurrent(t *testing.T) {
	defer SetThreads(1)
	SetThreads(2)
	const m, n, k = 33, 400, 330 // large enough to run on two threads
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(9, uint64(g)))
			a, lda, b, ldb, c, ldc := operands(rng, false, true, m, n, k, 0)
			want := append([]float32(nil), c...)
			Mul(false, true, m, n, k, a, lda, b, ldb, 0, want, ldc)
			for range 5 {
				Mul(false, true, m, n, k, a, lda, b, ldb, 0, c, ldc)
				if i := firstDiff(c, want); i >= 0 {
					t.Errorf("goroutine %d: C[%d] = %v, want %v", g, i, c[i], want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkMul times every network shape for each backend and number of threads.
func BenchmarkMul(b *testing.B) {
	defer SetThreads(1)
	threads := []int{1, 2}
	if singleThreaded {
		threads = []int{1}
	}
	rng := rand.New(rand.NewPCG(10, 11))
	for _, s := range netShapes {
		a, lda, bm, ldb, c, ldc := operands(rng, s.ta, s.tb, s.m, s.n, s.k, 0)
		for _, be := range backends {
			for _, t := range threads {
				b.Run(fmt.Sprintf("%s/%s/t%d", s.name, be.name, t), func(b *testing.B) {
					SetThreads(t)
					b.ReportAllocs()
					for b.Loop() {
						mulWith(be.mul, s.ta, s.tb, s.m, s.n, s.k, a, lda, bm, ldb, 0, c, ldc)
					}
					flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
					b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// TestMulGather checks MulGather against the scalar kernel on the same B written out: the
// same bits, for a convolution's unrolled input and its transpose (k over one block), on
// inputs whose output rows are a multiple of eight positions wide (read in place under
// WebAssembly SIMD) and others, with A of 5, 8 and 70 rows and both betas. Bad offsets panic
// with a message naming them.
func TestMulGather(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, s := range []struct{ c, h, w, k, n int }{{1, 28, 28, 5, 3}, {8, 12, 12, 5, 2}, {1, 28, 28, 4, 2}, {3, 9, 7, 3, 2}} {
		var taps, positions []int
		for c := range s.c {
			for ky := range s.k {
				for kx := range s.k {
					taps = append(taps, (c*s.h+ky)*s.w+kx)
				}
			}
		}
		for i := range s.n {
			for oy := range s.h - s.k + 1 {
				for ox := range s.w - s.k + 1 {
					positions = append(positions, i*s.c*s.h*s.w+oy*s.w+ox)
				}
			}
		}
		x := randMat(rng, s.n*s.c*s.h*s.w)
		for _, tr := range []struct {
			name       string
			rows, cols []int
		}{{"im2col", taps, positions}, {"transposed", positions, taps}} {
			k, n := len(tr.rows), len(tr.cols)
			b := make([]float32, k*n)
			for p, o := range tr.rows {
				for j, q := range tr.cols {
					b[p*n+j] = x[o+q]
				}
			}
			for _, m := range []int{5, 8, 70} {
				a := randMat(rng, m*k)
				c0 := randMat(rng, m*n)
				for _, beta := range []float32{0, 1} {
					want := append([]float32(nil), c0...)
					mulScalar(new(workspace), false, false, m, n, k, a, k, b, n, beta, want, n)
					got := append([]float32(nil), c0...)
					MulGather(m, n, k, a, k, x, tr.rows, tr.cols, beta, got, n)
					if i := firstDiff(want, got); i >= 0 {
						t.Errorf("%+v %s, m %d, beta %v: C[%d] = %v, scalar kernel %v", s, tr.name, m, beta, i, got[i], want[i])
					}
				}
			}
		}
	}
	x := make([]float32, 10)
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"falling rows", "row offsets fall at 1 (0 after 1): want them rising", func() { MulGather(1, 1, 2, x, 2, x, []int{1, 0}, []int{0}, 0, x, 1) }},
		{"past x", "B reads x from 0 to 10: want within its 10 values", func() { MulGather(1, 2, 2, x, 2, x, []int{0, 5}, []int{0, 5}, 0, x, 2) }},
		{"before x", "B reads x from -1 to 1", func() { MulGather(1, 1, 2, x, 2, x, []int{-1, 1}, []int{0}, 0, x, 1) }},
		{"short cols", "1 rows and 1 columns of offsets: want 1 and 2", func() { MulGather(1, 2, 1, x, 1, x, []int{0}, []int{0}, 0, x, 2) }},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), c.want) {
					t.Errorf("%s: panic %v, want one containing %q", c.name, r, c.want)
				}
			}()
			c.f()
		}()
	}
}
