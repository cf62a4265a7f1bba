package nn

import (
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// ReLU is max(0, x), elementwise.
type ReLU struct {
	sh    shape
	flat  bool
	y, dx buffer
}

func newReLU(in shape, flat bool) *ReLU { return &ReLU{sh: in, flat: flat} }

func (l *ReLU) forward(x *tensor.Dense, _ Pass) *tensor.Dense {
	y := l.y.get(batch(x), l.sh, l.flat)
	yd := data(y)
	relu(yd, data(x))
	return y
}

func (l *ReLU) backward(dy *tensor.Dense, needDx, _ bool) *tensor.Dense {
	if !needDx {
		return nil
	}
	dx := l.dx.get(batch(dy), l.sh, l.flat)
	dxd := data(dx)
	reluGrad(dxd, data(dy)[:len(dxd)], data(l.y.t))
	return dx
}

// Dropout zeroes each unit with probability P in Train and MCSample passes and scales the
// others by 1/(1-P) (inverted dropout), so Infer passes are the identity.
type Dropout struct {
	P     float32
	sh    shape
	flat  bool
	mask  []float32 // 0 or 1/(1-P) per unit of the last stochastic pass
	on    bool      // whether the last forward pass dropped units
	x     *tensor.Dense
	y, dx buffer
}

func newDropout(in shape, flat bool, p float32) *Dropout { return &Dropout{P: p, sh: in, flat: flat} }

// forward draws one uint16 per unit from p.Rand (four per Uint64 call, because the draw
// otherwise dominates the layer's cost): a unit is dropped when its draw < P·65536.
// With p.Shared only the first example's mask is drawn, and reused for the others.
func (l *Dropout) forward(x *tensor.Dense, p Pass) *tensor.Dense {
	l.x, l.on = x, p.stochastic()
	if !l.on {
		return x
	}
	if p.Rand == nil {
		panic("nn: Dropout in " + p.Mode.String() + " mode needs Pass.Rand")
	}
	xd := data(x)
	l.mask = grow(l.mask, len(xd))
	drawn := len(xd)
	if p.Shared {
		drawn = l.sh.size()
	}
	l.drawMaskTo(l.mask[:drawn], p.Rand)
	for i := drawn; i < len(xd); i += drawn {
		copy(l.mask[i:i+drawn], l.mask[:drawn])
	}
	y := l.y.get(batch(x), l.sh, l.flat)
	yd := data(y)
	for i, v := range xd {
		yd[i] = v * l.mask[i]
	}
	return y
}

// drawMaskTo fills mask with 0 (dropped) or 1/(1-P) (kept) from rng.
func (l *Dropout) drawMaskTo(mask []float32, rng *rand.Rand) {
	cut := uint64(l.P * 65536)
	scale := 1 / (1 - l.P)
	var bits uint64
	for i := range mask {
		if i%4 == 0 {
			bits = rng.Uint64()
		}
		m := scale
		if bits&0xffff < cut {
			m = 0
		}
		bits >>= 16
		mask[i] = m
	}
}

func (l *Dropout) backward(dy *tensor.Dense, needDx, _ bool) *tensor.Dense {
	if !needDx || !l.on {
		if needDx {
			return dy
		}
		return nil
	}
	dx := l.dx.get(batch(dy), l.sh, l.flat)
	dxd := data(dx)
	for i, g := range data(dy) {
		dxd[i] = g * l.mask[i]
	}
	return dx
}
