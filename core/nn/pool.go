package nn

import (
	"math"
	"slices"

	"alab/core/gemm"

	"gorgonia.org/tensor"
)

// MaxPool2D takes the maximum over non-overlapping 2×2 windows (stride 2), flooring odd
// sizes as PyTorch does: (N, C, H, W) → (N, C, H/2, W/2). The gradient goes to the first
// maximum of each window in row-major order.
type MaxPool2D struct {
	in, out shape
	x       *tensor.Dense
	y, dx   buffer
	// arg holds, once a backward pass has found them, where in x each output's maximum is:
	// the searches of core/adversarial run several backward passes after one forward pass.
	arg   []int
	found bool
	keys  []int32 // plane's scratch: the larger key of each pair of input rows, column by column (natively)

	// The backward pass's loop over planes, on gemm.Split's threads (made once, so that a
	// pass allocates nothing), and what it works on.
	gradPart func(lo, hi int)
	dy       *tensor.Dense
	finding  bool // the argmax is to be found
}

func newMaxPool2D(in shape) *MaxPool2D {
	l := &MaxPool2D{in: in, out: shape{in.C, in.H / 2, in.W / 2}, keys: make([]int32, in.H/2*in.W)}
	l.gradPart = l.gradPlanes
	return l
}

// The pool compares its four values as orderKey integers: branch-free (the integer max
// builtin is a select), where comparing floats mispredicts on every other window and the
// float max builtin costs a call per comparison under WebAssembly (the pool of conv1 took
// 12 → 6 ms a batch of 256 there). A NaN with its sign bit clear is the largest key, so it
// passes on; -0 counts as less than +0. plane takes the larger key of the window's two rows
// column by column first, then the larger of each pair of columns (pool2: four windows at a
// time with WebAssembly SIMD, eight rows' columns with AVX2).

// orderKey maps a float32 to an int32 that orders as the float does: non-negative floats
// keep their bits, negative ones have the magnitude bits flipped.
func orderKey(v float32) int32 {
	k := int32(math.Float32bits(v))
	return k ^ (k >> 31 & 0x7fffffff)
}

// fromOrderKey inverts orderKey.
func fromOrderKey(k int32) float32 {
	return math.Float32frombits(uint32(k ^ (k >> 31 & 0x7fffffff)))
}

// forward keeps no argmax: inference (most of MC-dropout scoring)
// never needs the argmax; backward finds it again by comparing the window with the output.
func (l *MaxPool2D) forward(x *tensor.Dense, _ Pass) *tensor.Dense {
	n := batch(x)
	l.x, l.found = x, false
	y := l.y.get(n, l.out, false)
	xd, yd := data(x), data(y)
	hw, ohw := l.in.H*l.in.W, l.out.H*l.out.W
	for p := 0; p < n*l.in.C; p++ {
		l.plane(yd[p*ohw:(p+1)*ohw], xd[p*hw:(p+1)*hw])
	}
	return y
}

// plane pools one input plane (H×W) into dst (H/2 × W/2).
func (l *MaxPool2D) plane(dst, src []float32) {
	pool2(dst, src, l.keys, l.in.W, l.out.H, l.out.W)
}

func (l *MaxPool2D) backward(dy *tensor.Dense, needDx, _ bool) *tensor.Dense {
	if !needDx {
		return nil
	}
	n := batch(dy)
	l.dx.get(n, l.in, false)
	l.dy, l.finding = dy, !l.found
	if l.finding {
		l.arg = slices.Grow(l.arg[:0], n*l.out.size())[:n*l.out.size()]
	}
	gemm.Split(n*l.in.C, l.gradPart)
	l.dy, l.found = nil, true
	return l.dx.t
}

// gradPlanes computes the input gradient of planes lo to hi-1 (image and channel) of the
// backward pass: each output's gradient goes to where its window's maximum is, found first
// (argmax) unless an earlier backward pass after the same forward pass has.
func (l *MaxPool2D) gradPlanes(lo, hi int) {
	if l.finding {
		l.argmax(lo, hi)
	}
	ohw, hw := l.out.size()/l.out.C, l.in.size()/l.in.C
	dxd, dyd := data(l.dx.t)[lo*hw:hi*hw], data(l.dy)[lo*ohw:hi*ohw]
	clear(dxd)
	for o, at := range l.arg[lo*ohw : hi*ohw] {
		dxd[at-lo*hw] += dyd[o]
	}
}

// argmax fills arg, for planes lo to hi-1, with where in x the maximum of each window is: the
// first of the window's four values, in row-major order, equal to it. Branch-free (the
// compiler makes each if a conditional move): on MNIST's blank background the four values
// tie in most windows and elsewhere the maximum sits anywhere, so a branch mispredicts.
func (l *MaxPool2D) argmax(lo, hi int) {
	xd, yd := data(l.x), data(l.y.t)
	o := lo * l.out.H * l.out.W
	for p := lo; p < hi; p++ {
		base := p * l.in.H * l.in.W
		for oy := 0; oy < l.out.H; oy++ {
			i0 := base + 2*oy*l.in.W
			i1 := i0 + l.in.W
			arg, ys := l.arg[o:o+l.out.W], yd[o:o+l.out.W]
			for ox, m := range ys {
				j0, j1 := i0+2*ox, i1+2*ox
				at := j1 + 1
				if xd[j1] == m {
					at = j1
				}
				if xd[j0+1] == m {
					at = j0 + 1
				}
				if xd[j0] == m {
					at = j0
				}
				arg[ox] = at
			}
			o += l.out.W
		}
	}
}
