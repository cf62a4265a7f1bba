package nn

import (
	"math/rand/v2"

	"alab/core/gemm"

	"gorgonia.org/tensor"
)

// mcHead is the fast path for Monte-Carlo dropout passes over a head of the form
// dropout → dense → ReLU → dropout → dense (the head of both built-in networks) when every
// example shares the pass's masks. A dropped input of the first dense layer contributes
// nothing, and a hidden unit the second dropout drops reaches nothing, so each pass multiplies
// only the kept columns and rows: with p = 0.25 and 0.5, about 37% of the first layer.
// The masks are drawn exactly as the layers draw them, so a pass gives the logits of the
// full stochastic pass up to the order of float32 additions.
type mcHead struct {
	d1, d2 *Dropout
	f1, f2 *Dense

	m1, m2    []float32 // this pass's masks
	k1, k2    []int     // kept inputs of f1, kept hidden units
	x, w1, b1 []float32 // kept columns of the input; kept rows × columns of f1's weight; kept biases
	h, w2     []float32 // hidden activations (N × |k2|); f2's weight restricted to kept columns
	logits    []float32
}

// newMCHead returns the fast path for layers, or nil if they are not of its form.
func newMCHead(layers []layer) *mcHead {
	if len(layers) != 5 {
		return nil
	}
	d1, ok1 := layers[0].(*Dropout)
	f1, ok2 := layers[1].(*Dense)
	_, ok3 := layers[2].(*ReLU)
	d2, ok4 := layers[3].(*Dropout)
	f2, ok5 := layers[4].(*Dense)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return nil
	}
	return &mcHead{d1: d1, f1: f1, d2: d2, f2: f2}
}

// MCHeadTo writes into dst (N × 10) the logits of one Monte-Carlo dropout pass over the
// head (the layers from Body on) for feat, the body's output (N × C × H × W), with masks
// drawn from rng and shared by every example — the same logits, up to rounding, as
// ForwardRange(feat, Body(), Layers(), Pass{Mode: MCSample, Rand: rng, Shared: true}).
func (n *Net) MCHeadTo(dst []float32, feat *tensor.Dense, rng *rand.Rand) {
	if n.head == nil {
		copy(dst, data(n.ForwardRange(feat, n.Body(), len(n.layers), Pass{Mode: MCSample, Rand: rng, Shared: true})))
		return
	}
	n.head.passTo(dst, feat, rng)
}

func (h *mcHead) passTo(dst []float32, feat *tensor.Dense, rng *rand.Rand) {
	in, hid, out := h.f1.in, h.f1.out, h.f2.out
	nb := batch(feat)
	h.m1, h.m2 = grow(h.m1, in), grow(h.m2, hid)
	h.d1.drawMaskTo(h.m1, rng)
	h.d2.drawMaskTo(h.m2, rng)
	h.k1, h.k2 = kept(h.k1[:0], h.m1), kept(h.k2[:0], h.m2)
	k1, k2 := len(h.k1), len(h.k2)

	// Kept input columns, scaled by the first mask.
	x := data(feat)
	h.x = grow(h.x, nb*k1)
	for i := 0; i < nb; i++ {
		row, dst := x[i*in:(i+1)*in], h.x[i*k1:(i+1)*k1]
		for j, c := range h.k1 {
			dst[j] = row[c] * h.m1[c]
		}
	}
	// f1 restricted to kept hidden units and kept inputs.
	h.w1, h.b1 = grow(h.w1, k2*k1), grow(h.b1, k2)
	for r, u := range h.k2 {
		wrow := h.f1.w[u*in : (u+1)*in]
		for j, c := range h.k1 {
			h.w1[r*k1+j] = wrow[c]
		}
		h.b1[r] = h.f1.b[u]
	}
	h.h = grow(h.h, nb*k2)
	for i := 0; i < nb; i++ {
		copy(h.h[i*k2:(i+1)*k2], h.b1)
	}
	gemm.Mul(false, true, nb, k2, k1, h.x, k1, h.w1, k1, 1, h.h, k2)
	// ReLU, then the second mask's scale (every kept unit has the same one).
	for i := range h.h {
		h.h[i] = max(h.h[i], 0)
	}
	if k2 > 0 {
		s := h.m2[h.k2[0]]
		for i := range h.h {
			h.h[i] *= s
		}
	}
	// f2 restricted to kept hidden units.
	h.w2 = grow(h.w2, out*k2)
	for o := 0; o < out; o++ {
		for j, u := range h.k2 {
			h.w2[o*k2+j] = h.f2.w[o*hid+u]
		}
	}
	for i := 0; i < nb; i++ {
		copy(dst[i*out:(i+1)*out], h.f2.b)
	}
	gemm.Mul(false, true, nb, out, k2, h.h, k2, h.w2, k2, 1, dst, out)
}

// kept appends to dst the indices of the non-zero entries of mask.
func kept(dst []int, mask []float32) []int {
	for i, m := range mask {
		if m != 0 {
			dst = append(dst, i)
		}
	}
	return dst
}
