package nn

import "math"

// Optimizer updates parameters in place from their gradients; both are flat buffers of the
// same length (Net.Params and Net.Grads).
type Optimizer interface {
	Step(params, grads []float32)
}

// Adam is the Adam optimiser (Kingma & Ba 2015) with PyTorch's defaults.
// If LR is 0, 0.001 is used; if Beta1 is 0, 0.9; if Beta2 is 0, 0.999; if Eps is 0, 1e-8.
// WeightDecay adds WeightDecay·θ to each gradient (L2, as PyTorch's Adam does).
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64

	t    int
	m, v []float32
}

func orDefault(x, def float64) float64 {
	if x == 0 {
		return def
	}
	return x
}

func (a *Adam) Step(params, grads []float32) {
	if len(a.m) != len(params) {
		a.m, a.v, a.t = make([]float32, len(params)), make([]float32, len(params)), 0
	}
	lr, b1, b2 := orDefault(a.LR, 1e-3), orDefault(a.Beta1, 0.9), orDefault(a.Beta2, 0.999)
	eps, wd := float32(orDefault(a.Eps, 1e-8)), float32(a.WeightDecay)
	a.t++
	// Bias corrections folded into the step size, once per step rather than per weight.
	step := float32(lr * math.Sqrt(1-math.Pow(b2, float64(a.t))) / (1 - math.Pow(b1, float64(a.t))))
	c1 := float32(math.Sqrt(1 - math.Pow(b2, float64(a.t))))
	fb1, fb2 := float32(b1), float32(b2)
	k := adamStep{wd: wd, b1: fb1, nb1: 1 - fb1, b2: fb2, nb2: 1 - fb2, step: step, eps: eps * c1}
	adam(params, grads[:len(params)], a.m[:len(params)], a.v[:len(params)], k)
}

// SGD is stochastic gradient descent with (heavy-ball) momentum, as PyTorch's SGD:
// v = Momentum·v + g; θ -= LR·v. If LR is 0, 0.01 is used. WeightDecay as in Adam.
type SGD struct {
	LR, Momentum, WeightDecay float64

	vel []float32
}

func (s *SGD) Step(params, grads []float32) {
	if len(s.vel) != len(params) {
		s.vel = make([]float32, len(params))
	}
	lr, mu, wd := float32(orDefault(s.LR, 0.01)), float32(s.Momentum), float32(s.WeightDecay)
	v := s.vel[:len(params)]
	for i, g := range grads[:len(params)] {
		g += wd * params[i]
		v[i] = mu*v[i] + g
		params[i] -= lr * v[i]
	}
}
