package nn

import (
	"alab/core/gemm"

	"gorgonia.org/tensor"
)

// Conv2D is a 2-D cross-correlation (as PyTorch's Conv2d) with stride 1 and no padding
// ("valid"): input (N, C, H, W) → output (N, F, H-KH+1, W-KW+1).
//
// It is computed as one matrix product per batch (im2col + GEMM): the input is unrolled
// into col, a (C·KH·KW) × (N·Ho·Wo) matrix whose row (c*KH+ky)*KW+kx holds, for every output
// position, the input pixel under kernel tap (c, ky, kx); then W (F × C·KH·KW) · col gives
// every output at once. Where the matrix product runs its own kernel (gemm.OwnKernel: under
// WebAssembly) col is never written: gemm.MulGather reads it, and its transpose for the
// weights' gradient, where it lies in x, from the offsets of taps and positions (unrolling
// and then packing took two passes over col there, and inferring a batch 15–25 % longer).
type Conv2D struct {
	in, out shape
	k       int // kernel height and width

	w, b   []float32 // weight (F, C, K, K) and bias (F): views into the Net's parameters
	dw, db []float32 // their gradients

	x     *tensor.Dense // input of the last forward pass
	taps  []int         // where in an image kernel tap (c, ky, kx) reads, from an output's pixel
	at    []int         // where in x each output position (n, oy, ox) starts, for the largest batch seen
	col   []float32     // natively, im2col of x, (C·K·K) × (N·Ho·Wo), row by row
	prod  []float32     // (F) × (N·Ho·Wo): GEMM result forward, dL/dy regrouped backward
	dcol  []float32     // dL/dcol for a few images at a time (dcolFloats): (C·K·K) × (n·Ho·Wo)
	y, dx buffer

	// The loops over images that run on gemm.Split's threads, made once so that a pass
	// allocates nothing, and what they work on: the batch of n images; for col2im, the dxN
	// images of dcol, the first of which is image dxAt.
	n, dxAt, dxN                 int
	unrollPart, biasPart, dxPart func(lo, hi int)
}

func newConv2D(in shape, filters, k int) *Conv2D {
	l := &Conv2D{in: in, k: k, out: shape{filters, in.H - k + 1, in.W - k + 1}}
	l.unrollPart, l.biasPart, l.dxPart = l.unrollImages, l.biasImages, l.col2imImages
	for c := 0; c < in.C; c++ {
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				l.taps = append(l.taps, (c*in.H+ky)*in.W+kx)
			}
		}
	}
	return l
}

// positions returns where in x each output position of a batch of n starts reading, in the
// column order of col: (n, oy, ox). The table grows to the largest batch seen; a smaller
// batch's is its beginning.
func (l *Conv2D) positions(n int) []int {
	hw := l.out.H * l.out.W
	for i := len(l.at) / hw; i < n; i++ {
		for oy := 0; oy < l.out.H; oy++ {
			for ox := 0; ox < l.out.W; ox++ {
				l.at = append(l.at, i*l.in.size()+oy*l.in.W+ox)
			}
		}
	}
	return l.at[:n*hw]
}

func (l *Conv2D) paramShapes() [][]int {
	return [][]int{{l.out.C, l.in.C, l.k, l.k}, {l.out.C}}
}

func (l *Conv2D) bind(p, g [][]float32) { l.w, l.b, l.dw, l.db = p[0], p[1], g[0], g[1] }

// fan returns the fan-in and fan-out used by weight initialisation.
func (l *Conv2D) fan() (in, out int) { return l.in.C * l.k * l.k, l.out.C * l.k * l.k }

// forward: x is (N, C, H, W), y is (N, F, Ho, Wo).
func (l *Conv2D) forward(x *tensor.Dense, p Pass) *tensor.Dense {
	n := batch(x)
	l.product(x)

	y := l.y.get(n, l.out, false)
	gemm.Split(n, l.biasPart)
	return y
}

// biasImages regroups images lo to hi-1 of prod, (F, N, Ho·Wo), into y, (N, F, Ho·Wo), adding
// the bias.
func (l *Conv2D) biasImages(lo, hi int) {
	yd, n := data(l.y.t), l.n
	hw := l.out.H * l.out.W
	for i := lo; i < hi; i++ {
		for f := 0; f < l.out.C; f++ {
			addBias(yd[(i*l.out.C+f)*hw:(i*l.out.C+f+1)*hw], l.prod[(f*n+i)*hw:(f*n+i+1)*hw], l.b[f])
		}
	}
}

// product computes prod = W · im2col(x), (F) × (N·Ho·Wo): the outputs without their bias.
// Natively col is unrolled row by row, where the SIMD kernel reads B in rows (and inferring a
// batch from panels measured no faster), and stays for the weights' gradient; under
// WebAssembly MulGather reads x in place.
func (l *Conv2D) product(x *tensor.Dense) {
	n := batch(x)
	l.x, l.n = x, n
	kk := l.in.C * l.k * l.k
	cols := n * l.out.H * l.out.W
	l.prod = grow(l.prod, l.out.C*cols)
	if gemm.OwnKernel {
		gemm.MulGather(l.out.C, cols, kk, l.w, kk, data(x), l.taps, l.positions(n), 0, l.prod, cols)
		return
	}
	l.col = grow(l.col, kk*cols)
	gemm.Split(n, l.unrollPart)
	gemm.Mul(false, false, l.out.C, cols, kk, l.w, kk, l.col, cols, 0, l.prod, cols)
}

// unrollImages writes the columns of images lo to hi-1 of im2col(l.x) into col, row by row.
func (l *Conv2D) unrollImages(lo, hi int) {
	im2colTo(l.col, data(l.x), l.n, lo, hi, l.in, l.k, l.out)
}

// forwardPooled is forward followed by pool's forward, for a NoGrad pass: pool reads each
// (filter, image) plane of the product where it lies and the bias is added to the pooled
// maxima, so the convolution's output is never written out (under WebAssembly regrouping it
// was 4 % of a race worker's time). The same bits: rounding is monotonic, so the largest of
// v+b is the largest v, plus b. pool keeps no input: a Backward would panic (Net.Backward).
func (l *Conv2D) forwardPooled(x *tensor.Dense, pool *MaxPool2D) *tensor.Dense {
	n := batch(x)
	l.product(x)
	y := pool.y.get(n, pool.out, false)
	yd := data(y)
	pool.x, pool.found = nil, false
	hw, ohw := l.out.H*l.out.W, pool.out.H*pool.out.W
	for f := 0; f < l.out.C; f++ {
		bias := l.b[f]
		for i := 0; i < n; i++ {
			dst := yd[(i*l.out.C+f)*ohw : (i*l.out.C+f+1)*ohw]
			pool.plane(dst, l.prod[(f*n+i)*hw:(f*n+i+1)*hw])
			for j := range dst {
				dst[j] += bias
			}
		}
	}
	return y
}

// backward: dy is (N, F, Ho, Wo); dx is (N, C, H, W).
func (l *Conv2D) backward(dy *tensor.Dense, needDx, needParams bool) *tensor.Dense {
	n := batch(dy)
	kk := l.in.C * l.k * l.k
	hw := l.out.H * l.out.W
	cols := n * hw
	dyd := data(dy)

	// Regroup dy as (F, N·Ho·Wo), the layout of the forward product, and sum the bias gradient.
	for f := 0; f < l.out.C; f++ {
		for i := 0; i < n; i++ {
			copy(l.prod[(f*n+i)*hw:], dyd[(i*l.out.C+f)*hw:(i*l.out.C+f+1)*hw])
		}
	}
	if needParams {
		biasGrad(l.db, dyd, n, hw)
	}
	// dW (F × kk) += dy (F × cols) · colᵀ (cols × kk)
	switch {
	case !needParams:
	case gemm.OwnKernel:
		gemm.MulGather(l.out.C, kk, cols, l.prod, cols, data(l.x), l.positions(n), l.taps, 1, l.dw, kk)
	default:
		gemm.Mul(false, true, l.out.C, kk, cols, l.prod, cols, l.col, cols, 1, l.dw, kk)
	}
	if !needDx {
		return nil
	}
	// dcol (kk × cols) = Wᵀ (kk × F) · dy (F × cols), a few images at a time, each part
	// added into dx while it is in cache: for a margin search's 300 candidates conv1's whole
	// dcol is 17 MB. Every element is the same sum whatever the part it is computed in.
	dx := l.dx.get(n, l.in, false)
	step := max(1, dcolFloats/(kk*hw))
	l.dcol = grow(l.dcol, kk*min(step, n)*hw)
	for i := 0; i < n; i += step {
		m := min(step, n-i)
		gemm.Mul(true, false, kk, m*hw, l.out.C, l.w, kk, l.prod[i*hw:], cols, 0, l.dcol, m*hw)
		l.dxAt, l.dxN = i, m
		gemm.Split(m, l.dxPart)
	}
	return dx
}

// biasGrad adds to db[f], for each of the len(db) filters, the sum of plane f of dy (n
// images of len(db) planes hw long) over every image and position, in that order. Each sum
// is a chain of dependent additions; four filters' chains run side by side, so that their
// latencies overlap, each in its own order: the bits of summing one filter at a time.
func biasGrad(db, dy []float32, n, hw int) {
	fs := len(db)
	f := 0
	for ; f+4 <= fs; f += 4 {
		var s0, s1, s2, s3 float32
		for i := range n {
			d0 := dy[(i*fs+f)*hw : (i*fs+f+1)*hw]
			d1, d2, d3 := dy[(i*fs+f+1)*hw:][:len(d0)], dy[(i*fs+f+2)*hw:][:len(d0)], dy[(i*fs+f+3)*hw:][:len(d0)]
			for j, v := range d0 {
				s0 += v
				s1 += d1[j]
				s2 += d2[j]
				s3 += d3[j]
			}
		}
		db[f] += s0
		db[f+1] += s1
		db[f+2] += s2
		db[f+3] += s3
	}
	for ; f < fs; f++ {
		var s float32
		for i := range n {
			for _, v := range dy[(i*fs+f)*hw : (i*fs+f+1)*hw] {
				s += v
			}
		}
		db[f] += s
	}
}

// col2imImages adds images lo to hi-1 of the part of dcol just computed (l.dxN images from
// image l.dxAt) into dx.
func (l *Conv2D) col2imImages(lo, hi int) {
	col2imTo(data(l.dx.t)[l.dxAt*l.in.size():], l.dcol, l.dxN, lo, hi, l.in, l.k, l.out)
}

// dcolFloats is about how many floats of dcol Conv2D.backward computes at a time: 256 KB,
// which stays in a core's L2 cache.
const dcolFloats = 1 << 16

// im2colTo fills the columns of images lo to hi-1 of col ((C·K·K) × (n·Ho·Wo)) from x (n, C,
// H, W). Each row of col is a run of Wo-long contiguous copies from x's rows, which is why
// the column order is (n, oy, ox).
func im2colTo(col, x []float32, n, lo, hi int, in shape, k int, out shape) {
	cols := n * out.H * out.W
	for c := 0; c < in.C; c++ {
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				row := col[((c*k+ky)*k+kx)*cols:]
				j := lo * out.H * out.W
				for i := lo; i < hi; i++ {
					plane := x[(i*in.C+c)*in.H*in.W:]
					for oy := 0; oy < out.H; oy++ {
						src := plane[(oy+ky)*in.W+kx:]
						copyTo(row[j:j+out.W], src[:out.W])
						j += out.W
					}
				}
			}
		}
	}
}

// col2imTo is the adjoint of im2colTo, for images lo to hi-1 of n: dx (n, C, H, W) = the sum
// of every dcol entry into the input pixel it was copied from, in the order of the taps (c,
// ky, kx). Image by image, so that the image's gradient stays in cache while every tap adds
// into it.
func col2imTo(dx, dcol []float32, n, lo, hi int, in shape, k int, out shape) {
	clear(dx[lo*in.size() : hi*in.size()])
	hw := out.H * out.W
	cols := n * hw
	for i := lo; i < hi; i++ {
		for c := 0; c < in.C; c++ {
			plane := dx[(i*in.C+c)*in.H*in.W:]
			for ky := 0; ky < k; ky++ {
				for kx := 0; kx < k; kx++ {
					row := dcol[((c*k+ky)*k+kx)*cols+i*hw:]
					for oy := 0; oy < out.H; oy++ {
						addTo(plane[(oy+ky)*in.W+kx:], row[oy*out.W:(oy+1)*out.W])
					}
				}
			}
		}
	}
}
