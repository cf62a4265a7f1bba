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
// WebAssembly) the input is unrolled straight into the panels that kernel reads
// (gemm.MulPanels), a block of columns at a time, each multiplied while in cache, and its
// transpose likewise for the weights' gradient: unrolling row by row and then packing took
// two passes over col there, and inferring a batch 15–25 % longer.
type Conv2D struct {
	in, out shape
	k       int // kernel height and width

	w, b   []float32 // weight (F, C, K, K) and bias (F): views into the Net's parameters
	dw, db []float32 // their gradients

	x     *tensor.Dense // input of the last forward pass
	taps  []int         // where in an image kernel tap (c, ky, kx) reads, from an output's pixel
	at    []int         // where in x each output position (n, oy, ox) starts, for the largest batch seen
	col   []float32     // im2col of x, (C·K·K) × (N·Ho·Wo) row by row natively; under WebAssembly (gemm.OwnKernel) a block of its columns as panels (colFloats)
	colT  []float32     // under WebAssembly, its transpose (N·Ho·Wo) × (C·K·K), as panels, for dW
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
			bias := l.b[f]
			src := l.prod[(f*n+i)*hw : (f*n+i+1)*hw]
			dst := yd[(i*l.out.C+f)*hw : (i*l.out.C+f+1)*hw]
			for j, v := range src {
				dst[j] = v + bias
			}
		}
	}
}

// product computes prod = W · im2col(x), (F) × (N·Ho·Wo): the outputs without their bias.
// col is unrolled as panels under WebAssembly (gemm.OwnKernel), row by row natively, where
// the SIMD kernel reads B in rows (and inferring a batch with panels and a kernel for them
// measured no faster). Natively col stays for the weights' gradient.
func (l *Conv2D) product(x *tensor.Dense) {
	n := batch(x)
	l.x, l.n = x, n
	kk := l.in.C * l.k * l.k
	cols := n * l.out.H * l.out.W
	l.prod = grow(l.prod, l.out.C*cols)
	if gemm.OwnKernel {
		// A block of col at a time, each multiplied while it is in cache: col is only
		// read by this product (the backward pass gathers its transpose from x).
		w, at := gemm.PanelCols(), l.positions(n)
		step := max(w, colFloats/kk/w*w)
		l.col = grow(l.col, gemm.PanelsLen(kk, min(step, cols)))
		for j := 0; j < cols; j += step {
			nb := min(step, cols-j)
			gatherPanels(l.col, data(x), l.taps, l.k, at[j:j+nb], w)
			gemm.MulPanels(false, l.out.C, nb, kk, l.w, kk, l.col, 0, l.prod[j:], cols)
		}
		return
	}
	l.col = grow(l.col, kk*cols)
	gemm.Split(n, l.unrollPart)
	gemm.Mul(false, false, l.out.C, cols, kk, l.w, kk, l.col, cols, 0, l.prod, cols)
}

// colFloats is about how many floats of col the panels' product gathers at a time: 256 KB,
// which stays in a core's L2 cache with its product.
const colFloats = 1 << 16

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
		var s float32
		for i := 0; i < n; i++ {
			src := dyd[(i*l.out.C+f)*hw : (i*l.out.C+f+1)*hw]
			copy(l.prod[(f*n+i)*hw:], src)
			if needParams {
				for _, v := range src {
					s += v
				}
			}
		}
		if needParams {
			l.db[f] += s
		}
	}
	// dW (F × kk) += dy (F × cols) · colᵀ (cols × kk)
	switch {
	case !needParams:
	case gemm.OwnKernel:
		l.colT = grow(l.colT, gemm.PanelsLen(cols, kk))
		gatherPanels(l.colT, data(l.x), l.positions(n), l.out.W, l.taps, gemm.PanelCols())
		gemm.MulPanels(false, l.out.C, kk, cols, l.prod, cols, l.colT, 1, l.dw, kk)
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

// col2imImages adds images lo to hi-1 of the part of dcol just computed (l.dxN images from
// image l.dxAt) into dx.
func (l *Conv2D) col2imImages(lo, hi int) {
	col2imTo(data(l.dx.t)[l.dxAt*l.in.size():], l.dcol, l.dxN, lo, hi, l.in, l.k, l.out)
}

// dcolFloats is about how many floats of dcol Conv2D.backward computes at a time: 256 KB,
// which stays in a core's L2 cache.
const dcolFloats = 1 << 16

// gatherPanels fills dst with the matrix M (len(rows) × len(cols)), M[r, c] = x[rows[r] +
// cols[c]], stored as panels w columns wide (gemm.MulPanels, w = gemm.PanelCols(): 2 or 8):
// for each group of w columns, row by row, the w values side by side. After the last column
// a pair holds a zero and a group of eight repeats that column: MulPanels reads neither into
// C. With rows the kernel taps and cols the output positions M is im2col; the other way
// round it is its transpose. Both rise (cols[c] < cols[c+1]), and rows falls into runs of run
// consecutive offsets (rows[r+j] = rows[r]+j within each): the taps of one kernel row (run
// k) or the output positions of one output row (run Wo).
func gatherPanels(dst, x []float32, rows []int, run int, cols []int, w int) {
	if w == 2 {
		gatherPairs(dst, x, rows, run, cols)
		return
	}
	k := len(rows)
	for c := 0; c < len(cols); c += 8 {
		var g [8]int
		n := copy(g[:], cols[c:])
		for j := n; j < 8; j++ {
			g[j] = g[n-1]
		}
		d := dst[c*k : (c+8)*k]
		if n == 8 && g[7] == g[0]+7 {
			// Eight neighbours (an output row's positions): each row of the group is
			// eight consecutive pixels.
			for r, o := range rows {
				s, e := x[g[0]+o:g[0]+o+8:g[0]+o+8], d[8*r:8*r+8:8*r+8]
				e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7] = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
			}
			continue
		}
		// Columns apart (the taps of the transpose): along a run of rows each column reads
		// consecutive pixels.
		for r := 0; r < k; r += run {
			o := rows[r]
			// Each of the eight the length of s0 and e's rows, so the loop checks no bounds.
			s0 := x[o+g[0] : o+g[0]+run]
			s1, s2, s3 := x[o+g[1]:][:len(s0)], x[o+g[2]:][:len(s0)], x[o+g[3]:][:len(s0)]
			s4, s5, s6, s7 := x[o+g[4]:][:len(s0)], x[o+g[5]:][:len(s0)], x[o+g[6]:][:len(s0)], x[o+g[7]:][:len(s0)]
			e := d[8*r:][:8*len(s0)]
			for i := range s0 {
				f := e[8*i : 8*i+8 : 8*i+8]
				f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7] = s0[i], s1[i], s2[i], s3[i], s4[i], s5[i], s6[i], s7[i]
			}
		}
	}
}

// gatherPairs is gatherPanels for pairs of columns (w 2). Most pairs of columns are neighbours
// too (cols[c+1] = cols[c]+1), and then a run of rows reads run+1 consecutive pixels, each
// once, for the 2·run values it writes: under WebAssembly this took half the time of reading
// every value apart.
func gatherPairs(dst, x []float32, rows []int, run int, cols []int) {
	k := len(rows)
	for c := 0; c < len(cols); c += 2 {
		d := dst[c*k : (c+2)*k]
		c0 := cols[c]
		switch {
		case c+1 == len(cols): // odd: the last pair's second column is zero
			for r, o := range rows {
				d[2*r], d[2*r+1] = x[c0+o], 0
			}
		case cols[c+1] == c0+1 && run == 5: // a 5×5 kernel's row: six pixels, five pairs
			for r := 0; r < k; r += 5 {
				o := c0 + rows[r]
				s, e := x[o:o+6:o+6], d[2*r:2*r+10:2*r+10]
				s0, s1, s2, s3, s4, s5 := s[0], s[1], s[2], s[3], s[4], s[5]
				e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8], e[9] = s0, s1, s1, s2, s2, s3, s3, s4, s4, s5
			}
		case cols[c+1] == c0+1: // four pairs a step
			for r := 0; r < k; r += run {
				o := c0 + rows[r]
				s, e := x[o:o+run+1], d[2*r:2*(r+run)]
				for len(s) >= 5 {
					t, f := s[:5:5], e[:8:8]
					s0, s1, s2, s3, s4 := t[0], t[1], t[2], t[3], t[4]
					f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7] = s0, s1, s1, s2, s2, s3, s3, s4
					s, e = s[4:], e[8:]
				}
				for j := 0; j+1 < len(s); j++ {
					f := e[2*j : 2*j+2 : 2*j+2]
					f[0], f[1] = s[j], s[j+1]
				}
			}
		default:
			c1 := cols[c+1]
			for r := 0; r < k; r += run {
				a := x[c0+rows[r] : c0+rows[r]+run]
				b := x[c1+rows[r] : c1+rows[r]+run]
				e := d[2*r : 2*(r+run)]
				for j, v := range a {
					f := e[2*j : 2*j+2 : 2*j+2]
					f[0], f[1] = v, b[j]
				}
			}
		}
	}
}

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
						copy(row[j:j+out.W], src[:out.W])
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
