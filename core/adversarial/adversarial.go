// Package adversarial measures how far each image lies from the decision boundary of a
// network: it searches for a small perturbation that changes the predicted class and reports
// the perturbation's L2 norm. DFAL (Ducoffe & Precioso 2018) queries the unlabelled images
// with the smallest such distance, as uncertainty sampling queries the least confident.
//
// Two searches are provided, both on the pre-softmax logits:
//
//   - DeepFool (Moosavi-Dezfooli et al. 2016): the L2 step to the nearest linearised class
//     boundary, repeated until the prediction changes. This is DFAL's search.
//   - FGSM, iterated (the basic iterative method of Kurakin et al. 2016): fixed-size steps along
//     the sign of the gradient of the margin to the runner-up class.
//
// Images are N×784 float32 values in [0, 1], row-major (image i is images[i*784:(i+1)*784],
// pixel (h, w) at h*28+w), as nn.NewInput lays them out.
//
// The network is read-only: a search runs forward passes and input-gradient passes
// (nn.Net.InputGradTo), which leave its parameters and gradients as they are. A Net is not
// safe for concurrent use, so neither is a search on it.
package adversarial

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"alab/core/nn"
)

// pixels is the size of one input image (1×28×28).
const pixels = 28 * 28

// Config tunes a search. Zero values mean the defaults given.
type Config struct {
	// MaxIter bounds the steps per image. If 0, 10 is used for DeepFool and 50 for FGSM.
	MaxIter int
	// Overshoot scales DeepFool's total perturbation by 1+Overshoot so that it crosses the
	// boundary rather than landing on it. If 0, 0.02 is used. FGSM ignores it.
	Overshoot float64
	// Step is FGSM's L∞ step in pixel units. If 0, 0.01 is used. DeepFool ignores it.
	Step float64
}

// Validate reports the first invalid field of c.
func (c Config) Validate() error {
	switch {
	case c.MaxIter < 0 || c.MaxIter > 10000:
		return fmt.Errorf("adversarial: invalid max iterations %d: want 0 to 10000", c.MaxIter)
	case !(c.Overshoot >= 0 && c.Overshoot <= 1):
		return fmt.Errorf("adversarial: invalid overshoot %g: want a value in [0, 1]", c.Overshoot)
	case !(c.Step >= 0 && c.Step <= 1):
		return fmt.Errorf("adversarial: invalid step %g: want a value in [0, 1]", c.Step)
	}
	return nil
}

func (c Config) withDefaults(maxIter int) Config {
	if c.MaxIter == 0 {
		c.MaxIter = maxIter
	}
	if c.Overshoot == 0 {
		c.Overshoot = 0.02
	}
	if c.Step == 0 {
		c.Step = 0.01
	}
	return c
}

// Result is the outcome of the search from one image.
type Result struct {
	// Distance is ‖Adversarial − image‖₂, or +Inf if the prediction never changed.
	Distance float64
	// Adversarial is the first image found whose prediction differs from the original's,
	// 784 values in [0, 1]; nil if none was found.
	Adversarial []float32
	// From is the original prediction; To the prediction of Adversarial, or -1.
	From, To int
	// Iters is the number of steps taken.
	Iters int
}

// DeepFool runs DeepFool from each image and returns one Result per image.
//
// At the current image x, with p the original prediction, f the logits and for every other
// class k: w_k = ∇f_k − ∇f_p and f'_k = f_k − f_p. The step goes towards the k with the
// smallest |f'_k|/‖w_k‖ (the nearest linearised boundary) by r = (|f'_k| + 1e-4)/‖w_k‖²·w_k,
// and the next image is x₀ + (1+overshoot)·r_total, clipped to [0, 1]. The search stops at
// the first image whose prediction is not p, or after cfg.MaxIter steps.
//
// Clipping keeps every image a valid one, and it is built into the iteration rather than
// applied at the end, where it could undo the flip: r_total is kept equal to the clipped
// perturbation (so Distance is both ‖(1+overshoot)·r_total‖₂ and the distance of the image
// actually classified), and w_k leaves out the pixels already at 0 or 1 that it would push
// further out. Where no pixel is at a bound this is exactly the algorithm of the paper.
func DeepFool(net *nn.Net, images []float32, cfg Config) ([]Result, error) {
	m, err := prepare(net, images, cfg)
	if err != nil || m == nil {
		return nil, err
	}
	return deepFool(m, images, cfg.withDefaults(10))
}

// FGSM runs the iterated fast gradient sign method from each image and returns one Result
// per image: with p the original prediction and k the runner-up class at the current image,
// x ← clip(x + Step·sign(∇ₓ(f_k − f_p))) until the prediction is not p or after cfg.MaxIter
// steps. Following the logit margin to the runner-up rather than the cross-entropy of p keeps
// it close to DeepFool's view of the boundary; Distance is the L2 norm of the perturbation,
// as for DeepFool, although each step is an L∞ step.
func FGSM(net *nn.Net, images []float32, cfg Config) ([]Result, error) {
	m, err := prepare(net, images, cfg)
	if err != nil || m == nil {
		return nil, err
	}
	return fgsm(m, images, cfg.withDefaults(50))
}

// prepare checks the arguments of a search and wraps net for it. With no images it returns
// neither a model nor an error: there is nothing to search.
func prepare(net *nn.Net, images []float32, cfg Config) (*netModel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if net == nil {
		return nil, fmt.Errorf("adversarial: nil network")
	}
	if len(images)%pixels != 0 {
		return nil, fmt.Errorf("adversarial: %d image values: want a multiple of %d", len(images), pixels)
	}
	for i, v := range images {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("adversarial: pixel %d of image %d is %g: want a value in [0, 1]", i%pixels, i/pixels, v)
		}
	}
	if len(images) == 0 {
		return nil, nil
	}
	b := min(batch, len(images)/pixels)
	return &netModel{net: net, x: nn.NewInput(b), first: make([]*tensor.Dense, b)}, nil
}

// netModel adapts an nn.Net to model, with dropout off.
type netModel struct {
	net   *nn.Net
	x     *tensor.Dense   // (batch, 1, 28, 28)
	first []*tensor.Dense // first[n-1]: x's first n images, made when first needed
}

func (m *netModel) logitsTo(dst, x []float32) {
	n := len(x) / pixels
	if m.first[n-1] == nil {
		m.first[n-1] = tensor.New(tensor.WithShape(n, 1, 28, 28), tensor.WithBacking(m.x.Float32s()[:n*pixels]))
	}
	copy(m.x.Float32s(), x)
	copy(dst, m.net.Forward(m.first[n-1], nn.Pass{Mode: nn.Infer}).Float32s())
}

func (m *netModel) gradTo(dst, seed []float32) { m.net.InputGradTo(dst, seed) }

func (m *netModel) batch() int   { return m.x.Shape()[0] }
func (m *netModel) classes() int { return m.net.Outputs() }

// distance returns ‖a − b‖₂, accumulated in float64.
func distance(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}
