package nn

import (
	"alab/core/gemm"

	"gorgonia.org/tensor"
)

// Dense is a fully connected layer, y = x·Wᵀ + b, as PyTorch's Linear: W is (out, in).
// Its input may be any activation; each example's C·H·W values are read in NCHW order.
type Dense struct {
	in, out int

	w, b   []float32 // weight (out, in) and bias (out): views into the Net's parameters
	dw, db []float32

	x     *tensor.Dense
	y, dx buffer
	inSh  shape // the input's per-example geometry, for dx
}

func newDense(in shape, units int) *Dense {
	return &Dense{in: in.size(), out: units, inSh: in}
}

func (l *Dense) paramShapes() [][]int { return [][]int{{l.out, l.in}, {l.out}} }

func (l *Dense) bind(p, g [][]float32) { l.w, l.b, l.dw, l.db = p[0], p[1], g[0], g[1] }

func (l *Dense) fan() (in, out int) { return l.in, l.out }

// forward: x is (N, in) in any shape with N first; y is (N, out).
func (l *Dense) forward(x *tensor.Dense, _ Pass) *tensor.Dense {
	n := batch(x)
	l.x = x
	y := l.y.get(n, shape{l.out, 1, 1}, true)
	yd := data(y)
	for i := 0; i < n; i++ {
		copy(yd[i*l.out:(i+1)*l.out], l.b)
	}
	gemm.Mul(false, true, n, l.out, l.in, data(x), l.in, l.w, l.in, 1, yd, l.out)
	return y
}

// backward: dy is (N, out); dx has the input's shape.
func (l *Dense) backward(dy *tensor.Dense, needDx, needParams bool) *tensor.Dense {
	n := batch(dy)
	dyd := data(dy)
	if needParams {
		for i := 0; i < n; i++ {
			for j, v := range dyd[i*l.out : (i+1)*l.out] {
				l.db[j] += v
			}
		}
		// dW (out × in) += dyᵀ (out × N) · x (N × in)
		gemm.Mul(true, false, l.out, l.in, n, dyd, l.out, data(l.x), l.in, 1, l.dw, l.in)
	}
	if !needDx {
		return nil
	}
	dx := l.dx.get(n, l.inSh, len(l.x.Shape()) == 2)
	// dx (N × in) = dy (N × out) · W (out × in)
	gemm.Mul(false, false, n, l.in, l.out, dyd, l.out, l.w, l.in, 0, data(dx), l.in)
	return dx
}
