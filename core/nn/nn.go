// Package nn is alab's neural network: convolution, pooling, dense, ReLU and dropout layers,
// softmax cross-entropy, a sequential Net with two built-in architectures, and the Adam and
// SGD optimisers.
//
// Activations are gorgonia *tensor.Dense values in row-major NCHW layout: element (n, c, h, w)
// of an activation with C channels of H×W sits at index ((n*C+c)*H+h)*W+w of its backing
// []float32. A dense layer reads its input as N rows of C*H*W values in that same order
// (PyTorch's flatten). Weights use PyTorch's layouts: a convolution's weight is
// [out, in, kh, kw], a dense layer's [out, in].
//
// Every layer owns its buffers and reuses them: once a batch size has been seen, forward and
// backward passes of that size allocate nothing. Backward adds into the parameter gradients,
// which live with the parameters in one flat buffer per Net.
package nn

import (
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Mode says what dropout does during a forward pass.
type Mode int

const (
	// Infer turns dropout off: it passes activations through unchanged.
	Infer Mode = iota
	// Train drops units at random and scales the kept ones by 1/(1-p).
	Train
	// MCSample drops units as in Train but outside training: one stochastic pass of
	// Monte-Carlo dropout (Gal & Ghahramani 2016).
	MCSample
)

func (m Mode) String() string {
	switch m {
	case Infer:
		return "infer"
	case Train:
		return "train"
	case MCSample:
		return "mc-sample"
	}
	return "unknown mode"
}

// Pass configures one forward pass: the dropout mode and, for Train and MCSample, the source
// of the dropout masks. Rand may be nil only in Infer mode.
//
// With Shared, every example of the batch gets the same dropout mask, drawn once per layer:
// one set of weights sampled from the approximate posterior, applied to the whole pool, as
// BatchBALD's "consistent" MC dropout needs. Re-seeding Rand identically for each batch then
// gives every batch of the pool the same mask.
//
// NoGrad promises that no Backward follows the pass (inference, testing, scoring): a
// convolution followed by a max-pool then hands the pool its product directly, skipping the
// activation only the pool's backward would read.
type Pass struct {
	Mode   Mode
	Rand   *rand.Rand
	Shared bool
	NoGrad bool
}

// stochastic reports whether dropout is active in this pass.
func (p Pass) stochastic() bool { return p.Mode == Train || p.Mode == MCSample }

// layer is one stage of a sequential Net: a forward/backward pair. Forward caches what
// backward needs. Backward takes dL/d(output) for the last forward pass, adds into the
// layer's parameter gradients and, if needDx, returns dL/d(input) (else nil).
type layer interface {
	forward(x *tensor.Dense, p Pass) *tensor.Dense
	// backward computes dL/dinput from dy if needDx, and adds the parameters' gradients
	// into Grads if needParams.
	backward(dy *tensor.Dense, needDx, needParams bool) *tensor.Dense
}

// shape is the per-example geometry of an activation: channels, height, width.
// A dense layer's output is (units, 1, 1).
type shape struct{ C, H, W int }

func (s shape) size() int { return s.C * s.H * s.W }

// buffer keeps one activation-sized tensor per layer. Its storage grows to the largest
// batch seen and is then reused: a pass of another batch size (training's 32, scoring's
// chunks of 256, a batch of 10 on screen) only makes a new tensor header over it, so
// alternating sizes allocates a few hundred bytes, not the megabytes of the activations,
// and a steady-state pass of one size allocates nothing.
type buffer struct {
	t    *tensor.Dense
	n    int
	back []float32
}

// get returns a tensor of shape (n, s.C, s.H, s.W) — or (n, s.C) when flat — whose contents
// are unspecified.
func (b *buffer) get(n int, s shape, flat bool) *tensor.Dense {
	if b.t == nil || b.n != n {
		size := n * s.size()
		if cap(b.back) < size {
			b.back = make([]float32, size)
		}
		dims := []int{n, s.C, s.H, s.W}
		if flat {
			dims = dims[:2]
		}
		b.t = tensor.New(tensor.WithShape(dims...), tensor.WithBacking(b.back[:size:size]))
		b.n = n
	}
	return b.t
}

// grow returns s with length n, reallocating only when its capacity is too small.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// data returns the backing slice of a float32 tensor.
func data(t *tensor.Dense) []float32 { return t.Float32s() }

// batch returns the number of examples in an activation (its first dimension).
func batch(t *tensor.Dense) int { return t.Shape()[0] }
