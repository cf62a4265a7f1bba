package nn

import "gorgonia.org/tensor"

// MaxPool2D takes the maximum over non-overlapping 2×2 windows (stride 2), flooring odd
// sizes as PyTorch does: (N, C, H, W) → (N, C, H/2, W/2). Ties go to the first maximum in
// row-major order within the window.
type MaxPool2D struct {
	in, out shape
	arg     []int32 // for each output, the index in x of the maximum it took
	y, dx   buffer
}

func newMaxPool2D(in shape) *MaxPool2D {
	return &MaxPool2D{in: in, out: shape{in.C, in.H / 2, in.W / 2}}
}

func (l *MaxPool2D) forward(x *tensor.Dense, _ Pass) *tensor.Dense {
	n := batch(x)
	y := l.y.get(n, l.out, false)
	xd, yd := data(x), data(y)
	if cap(l.arg) < len(yd) {
		l.arg = make([]int32, len(yd))
	}
	l.arg = l.arg[:len(yd)]
	o := 0
	for p := 0; p < n*l.in.C; p++ {
		base := p * l.in.H * l.in.W
		for oy := 0; oy < l.out.H; oy++ {
			r0 := base + 2*oy*l.in.W
			r1 := r0 + l.in.W
			for ox := 0; ox < l.out.W; ox++ {
				i := r0 + 2*ox
				best, at := xd[i], i
				if v := xd[i+1]; v > best {
					best, at = v, i+1
				}
				if v := xd[r1+2*ox]; v > best {
					best, at = v, r1+2*ox
				}
				if v := xd[r1+2*ox+1]; v > best {
					best, at = v, r1+2*ox+1
				}
				yd[o], l.arg[o] = best, int32(at)
				o++
			}
		}
	}
	return y
}

func (l *MaxPool2D) backward(dy *tensor.Dense, needDx bool) *tensor.Dense {
	if !needDx {
		return nil
	}
	n := batch(dy)
	dx := l.dx.get(n, l.in, false)
	dxd := data(dx)
	clear(dxd)
	for o, g := range data(dy) {
		dxd[l.arg[o]] += g
	}
	return dx
}
