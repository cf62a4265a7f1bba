package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gorgonia.org/tensor"
)

// Finite-difference tolerances: the layers compute in float32, so central differences with
// step fdStep have a rounding error of about 1e-7·|L|/fdStep; gradients must agree to within
// fdTol relative to the larger magnitude (or fdAbs absolute, near zero).
const (
	fdStep = 1e-2
	fdTol  = 2e-2
	fdAbs  = 2e-3
)

// gradCase is one layer under test with its input geometry.
type gradCase struct {
	name  string
	make  func() layer
	in    shape
	flat  bool
	n     int
	pass  func() Pass // a fresh pass per evaluation, so dropout masks repeat
	avoid float64     // keep inputs at least this far from zero (ReLU's kink)
	// distinct makes inputs a shuffled grid of values 0.05 apart, so no finite-difference
	// step can reorder two of them (pooling's ties)
	distinct bool
}

func newTensorFrom(n int, s shape, flat bool, v []float32) *tensor.Dense {
	if flat {
		return tensor.New(tensor.WithShape(n, s.size()), tensor.WithBacking(v))
	}
	return tensor.New(tensor.WithShape(n, s.C, s.H, s.W), tensor.WithBacking(v))
}

// bindRandom gives a parametric layer fresh random weights and zero gradients.
func bindRandom(l layer, rng *rand.Rand) (params, grads [][]float32) {
	p, ok := l.(parametric)
	if !ok {
		return nil, nil
	}
	for _, s := range p.paramShapes() {
		v := make([]float32, prod(s))
		for i := range v {
			v[i] = float32(rng.NormFloat64() * 0.5)
		}
		params, grads = append(params, v), append(grads, make([]float32, len(v)))
	}
	p.bind(params, grads)
	return params, grads
}

// TestLayerGradients checks every layer's backward pass (input gradient and parameter
// gradients) against central finite differences of L = Σ r·y with fixed random r.
func TestLayerGradients(t *testing.T) {
	mc := func() Pass { return Pass{Mode: Train, Rand: rand.New(rand.NewPCG(7, 8))} }
	infer := func() Pass { return Pass{Mode: Infer} }
	img := shape{2, 7, 6}
	cases := []gradCase{
		{name: "conv3x3", make: func() layer { return newConv2D(img, 3, 3) }, in: img, n: 2, pass: infer},
		{name: "conv1x1", make: func() layer { return newConv2D(img, 4, 1) }, in: img, n: 1, pass: infer},
		{name: "dense-from-image", make: func() layer { return newDense(img, 5) }, in: img, n: 3, pass: infer},
		{name: "dense-flat", make: func() layer { return newDense(shape{6, 1, 1}, 4) }, in: shape{6, 1, 1}, flat: true, n: 3, pass: infer},
		{name: "relu", make: func() layer { return newReLU(img, false) }, in: img, n: 2, pass: infer, avoid: 0.05},
		{name: "maxpool-odd", make: func() layer { return newMaxPool2D(shape{2, 5, 7}) }, in: shape{2, 5, 7}, n: 2, pass: infer, distinct: true},
		{name: "dropout-train", make: func() layer { return newDropout(img, false, 0.4) }, in: img, n: 2, pass: mc},
		{name: "dropout-infer", make: func() layer { return newDropout(img, false, 0.4) }, in: img, n: 2, pass: infer},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			l := c.make()
			params, grads := bindRandom(l, rng)
			size := c.n * c.in.size()
			x := make([]float32, size)
			for i := range x {
				v := rng.Float64()*2 - 1
				if math.Abs(v) < c.avoid {
					v = math.Copysign(c.avoid+rng.Float64()*0.5, v)
				}
				x[i] = float32(v)
			}
			if c.distinct {
				for i, j := range rng.Perm(size) {
					x[i] = float32(j) * 0.05
				}
			}
			xt := newTensorFrom(c.n, c.in, c.flat, x)
			y := l.forward(xt, c.pass())
			r := make([]float32, len(data(y)))
			for i := range r {
				r[i] = float32(rng.NormFloat64())
			}
			loss := func() float64 {
				var s float64
				for i, v := range data(l.forward(xt, c.pass())) {
					s += float64(r[i]) * float64(v)
				}
				return s
			}
			l.forward(xt, c.pass())
			dyT := tensor.New(tensor.WithShape(y.Shape().Clone()...), tensor.WithBacking(append([]float32(nil), r...)))
			dx := l.backward(dyT, true, true)

			check := func(what string, v, analytic []float32) {
				t.Helper()
				f := func(z []float64) float64 {
					old := make([]float32, len(v))
					copy(old, v)
					for i := range z {
						v[i] = float32(z[i])
					}
					s := loss()
					copy(v, old)
					return s
				}
				z := make([]float64, len(v))
				for i := range v {
					z[i] = float64(v[i])
				}
				num := fd.Gradient(nil, f, z, &fd.Settings{Formula: fd.Central, Step: fdStep})
				for i := range num {
					a, b := float64(analytic[i]), num[i]
					if d := math.Abs(a - b); d > fdAbs && d > fdTol*math.Max(math.Abs(a), math.Abs(b)) {
						t.Fatalf("%s[%d]: backward %.6g, finite differences %.6g", what, i, a, b)
					}
				}
			}
			check("dx", x, data(dx))
			for i := range params {
				check([]string{"dW", "db"}[i], params[i], grads[i])
			}
		})
	}
}

// TestNetInputGradient checks the whole network's input gradient (what the adversarial
// search uses) for a logit difference, for both architectures, against central differences
// on a sample of pixels. Every layer is checked strictly above; here, in float32 through
// thousands of ReLU and max-pool units, a finite step either crosses a kink or drowns in
// rounding on a few pixels, so the sampled gradient must match as a vector: in direction
// (cosine) and in length.
func TestNetInputGradient(t *testing.T) {
	for _, arch := range Architectures {
		t.Run(arch, func(t *testing.T) {
			net, err := New(arch, 3)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(4, 5))
			x := NewInput(1)
			xd := data(x)
			for i := range xd {
				xd[i] = float32(rng.Float64())
			}
			seed := make([]float32, Classes)
			seed[3], seed[7] = 1, -1 // ∇(logit₃ − logit₇)
			net.Forward(x, Pass{Mode: Infer})
			grad := make([]float32, len(xd))
			net.InputGradTo(grad, seed)

			const h = 3e-3
			f := func(pixel int, step float32) float64 {
				old := xd[pixel]
				xd[pixel] += step
				out := data(net.Forward(x, Pass{Mode: Infer}))
				xd[pixel] = old
				return float64(out[3]) - float64(out[7])
			}
			var dot, nn, nb float64
			for _, p := range rng.Perm(len(xd))[:64] {
				num := (f(p, h) - f(p, -h)) / (2 * h)
				b := float64(grad[p])
				dot, nn, nb = dot+num*b, nn+num*num, nb+b*b
			}
			if cos := dot / math.Sqrt(nn*nb); cos < 0.995 {
				t.Errorf("cosine(backward, finite differences) = %.5f, want ≥ 0.995", cos)
			}
			if ratio := math.Sqrt(nb / nn); math.Abs(ratio-1) > 0.02 {
				t.Errorf("|backward| / |finite differences| = %.4f, want 1 ± 0.02", ratio)
			}
		})
	}
}

// TestSoftmaxCrossEntropyGradient checks the loss gradient against finite differences.
func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const n, k = 3, 10
	logits := make([]float32, n*k)
	for i := range logits {
		logits[i] = float32(rng.NormFloat64() * 3)
	}
	labels := []uint8{0, 9, 4}
	grad := make([]float32, n*k)
	SoftmaxCrossEntropyTo(grad, logits, labels, k)
	f := func(z []float64) float64 {
		l := make([]float32, len(z))
		for i := range z {
			l[i] = float32(z[i])
		}
		return SoftmaxCrossEntropyTo(nil, l, labels, k)
	}
	z := make([]float64, len(logits))
	for i := range logits {
		z[i] = float64(logits[i])
	}
	num := fd.Gradient(nil, f, z, &fd.Settings{Formula: fd.Central, Step: 1e-3})
	for i := range num {
		if d := math.Abs(num[i] - float64(grad[i])); d > 1e-4 {
			t.Fatalf("dlogits[%d]: backward %.6g, finite differences %.6g", i, grad[i], num[i])
		}
	}
}

// TestMLPGradient checks NewMLP's network as a whole — its layers in order, each hidden
// layer followed by a ReLU, the output layer's logits — by the gradient TrainBatch steps
// along: every parameter's against central differences of the loss it returns.
func TestMLPGradient(t *testing.T) {
	net, err := NewMLP([]int{3, 5, 4, 2}, 7)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range net.Params { // nonzero biases too
		net.Params[i] += float32(0.1 * rng.NormFloat64())
	}
	const n = 6
	x := tensor.New(tensor.WithShape(n, 3), tensor.WithBacking(make([]float32, n*3)))
	for i := range data(x) {
		data(x)[i] = float32(rng.NormFloat64())
	}
	labels := []uint8{0, 1, 1, 0, 1, 0}
	loss := func() float64 {
		return SoftmaxCrossEntropyTo(nil, data(net.Forward(x, Pass{Mode: Infer})), labels, 2)
	}
	// An SGD step of size 1 without momentum leaves θ − g: the gradient TrainBatch used.
	before, want := append([]float32(nil), net.Params...), loss()
	if got := net.TrainBatch(x, labels, &SGD{LR: 1}, nil); math.Abs(got-want) > 1e-6 {
		t.Fatalf("TrainBatch returned loss %v, want the loss before the step %v", got, want)
	}
	grad := make([]float32, len(before))
	for i := range grad {
		grad[i] = before[i] - net.Params[i]
	}
	copy(net.Params, before)
	z := make([]float64, len(before))
	for i, v := range before {
		z[i] = float64(v)
	}
	f := func(z []float64) float64 {
		for i := range z {
			net.Params[i] = float32(z[i])
		}
		defer copy(net.Params, before)
		return loss()
	}
	num := fd.Gradient(nil, f, z, &fd.Settings{Formula: fd.Central, Step: fdStep})
	for i := range num {
		a, b := float64(grad[i]), num[i]
		if d := math.Abs(a - b); d > fdAbs && d > fdTol*math.Max(math.Abs(a), math.Abs(b)) {
			t.Errorf("%s: gradient %.6g, finite differences %.6g", paramAt(net, i), a, b)
		}
	}
}

// paramAt names the parameter holding Params[i], e.g. "fc2.weight[3]".
func paramAt(net *Net, i int) string {
	for _, p := range net.Named {
		if i < len(p.Data) {
			return fmt.Sprintf("%s[%d]", p.Name, i)
		}
		i -= len(p.Data)
	}
	return fmt.Sprintf("Params[%d]", i)
}

// InputGradTo gives bit for bit the input gradient Backward gives for the same seed, and
// leaves the parameters' gradients as they were.
func TestInputGradToLeavesGrads(t *testing.T) {
	for _, arch := range Architectures {
		net, err := New(arch, 3)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(6, 7))
		x := NewInput(5)
		for i := range data(x) {
			data(x)[i] = rng.Float32()
		}
		seed := make([]float32, 5*Classes)
		for i := range seed {
			seed[i] = rng.Float32() - 0.5
		}
		for i := range net.Grads {
			net.Grads[i] = float32(i%7) - 3
		}
		before := slices.Clone(net.Grads)
		net.Forward(x, Pass{Mode: Infer})
		got := make([]float32, 5*Input.size())
		net.InputGradTo(got, seed)
		if !slices.Equal(net.Grads, before) {
			t.Errorf("%s: InputGradTo changed the parameters' gradients", arch)
		}
		want := make([]float32, len(got))
		d := tensor.New(tensor.WithShape(5, Classes), tensor.WithBacking(slices.Clone(seed)))
		net.Backward(d, want)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: input gradient %d is %v, Backward's %v", arch, i, got[i], want[i])
			}
		}
		if slices.Equal(net.Grads, before) {
			t.Errorf("%s: Backward left the parameters' gradients as they were", arch)
		}
	}
}
