package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"alab/core/gemm"
	"alab/core/internal/race"

	"gorgonia.org/tensor"
)

// naiveConv2D is the specification of Conv2D.forward: the textbook cross-correlation.
func naiveConv2D(x, w, b []float32, n int, in shape, f, k int) []float32 {
	oh, ow := in.H-k+1, in.W-k+1
	y := make([]float32, n*f*oh*ow)
	for i := 0; i < n; i++ {
		for o := 0; o < f; o++ {
			for r := 0; r < oh; r++ {
				for c := 0; c < ow; c++ {
					s := float64(b[o])
					for ch := 0; ch < in.C; ch++ {
						for ky := 0; ky < k; ky++ {
							for kx := 0; kx < k; kx++ {
								s += float64(x[((i*in.C+ch)*in.H+r+ky)*in.W+c+kx]) * float64(w[((o*in.C+ch)*k+ky)*k+kx])
							}
						}
					}
					y[((i*f+o)*oh+r)*ow+c] = float32(s)
				}
			}
		}
	}
	return y
}

func TestConv2DMatchesNaive(t *testing.T) {
	for _, c := range []struct {
		in   shape
		f, k int
		n    int
	}{
		{shape{1, 28, 28}, 8, 5, 3},
		{shape{8, 12, 12}, 16, 5, 2},
		{shape{1, 28, 28}, 32, 4, 2},
		{shape{3, 5, 9}, 2, 5, 1}, // kernel as tall as the image: one output row
		{shape{2, 4, 4}, 3, 1, 4},
	} {
		rng := rand.New(rand.NewPCG(uint64(c.f), uint64(c.k)))
		l := newConv2D(c.in, c.f, c.k)
		params, _ := bindRandom(l, rng)
		x := make([]float32, c.n*c.in.size())
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		got := data(l.forward(newTensorFrom(c.n, c.in, false, x), Pass{}))
		want := naiveConv2D(x, params[0], params[1], c.n, c.in, c.f, c.k)
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("in %v, %d filters %d×%d: y[%d] = %g, naive %g", c.in, c.f, c.k, c.k, i, got[i], want[i])
			}
		}
	}
}

func TestArchitectures(t *testing.T) {
	for _, c := range []struct {
		arch   string
		params int
		names  []string
	}{
		// conv1 8·1·5·5+8, conv2 16·8·5·5+16, fc1 128·256+128, fc2 10·128+10
		{"compact", 208 + 3216 + 32896 + 1290, []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}},
		// conv1 32·16+32, conv2 32·32·16+32, fc1 128·3872+128, fc2 1290
		{"gal", 544 + 16416 + 495744 + 1290, []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}},
	} {
		net, err := New(c.arch, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(net.Params) != c.params {
			t.Errorf("%s: %d parameters, want %d", c.arch, len(net.Params), c.params)
		}
		for i, p := range net.Named {
			if p.Name != c.names[i] {
				t.Errorf("%s: parameter %d is %q, want %q", c.arch, i, p.Name, c.names[i])
			}
		}
		logits := net.Forward(NewInput(2), Pass{Mode: Infer})
		if s := logits.Shape(); s[0] != 2 || s[1] != Classes {
			t.Errorf("%s: logits shape %v, want (2, 10)", c.arch, s)
		}
		if s := net.Embedding().Shape(); s[0] != 2 || s[1] != 128 {
			t.Errorf("%s: embedding shape %v, want (2, 128)", c.arch, s)
		}
	}
	if _, err := New("resnet", 1); err == nil || err.Error() != `nn: unknown architecture "resnet": want one of compact, gal` {
		t.Errorf("New(resnet) error = %v", err)
	}
}

// trainSteps builds a net and runs a few training steps on random data, all from seed.
func trainSteps(t testing.TB, arch string, seed uint64, steps int) *Net {
	return trainClasses(t, arch, Classes, seed, steps)
}

// trainClasses is trainSteps for a network of the given classes.
func trainClasses(t testing.TB, arch string, classes int, seed uint64, steps int) *Net {
	net, err := NewClasses(arch, classes, seed)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	x := NewInput(16)
	labels := make([]uint8, 16)
	opt := &Adam{}
	for s := 0; s < steps; s++ {
		for i := range data(x) {
			data(x)[i] = rng.Float32()
		}
		for i := range labels {
			labels[i] = uint8(rng.IntN(classes))
		}
		net.TrainBatch(x, labels, opt, rng)
	}
	return net
}

func TestSameSeedSameWeights(t *testing.T) {
	a := trainSteps(t, "compact", 42, 5)
	b := trainSteps(t, "compact", 42, 5)
	c := trainSteps(t, "compact", 43, 5)
	same := func(x, y *Net) bool {
		for i := range x.Params {
			if math.Float32bits(x.Params[i]) != math.Float32bits(y.Params[i]) {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("two runs with seed 42 gave different weights")
	}
	if same(a, c) {
		t.Error("seeds 42 and 43 gave identical weights")
	}
}

// TestThreadsSameBits checks that training on two threads (the matrix products cut in two,
// and the loops over images and planes split by gemm.Split) gives the weights one thread
// gives, bit for bit, and so does an input gradient.
func TestThreadsSameBits(t *testing.T) {
	defer gemm.SetThreads(1)
	for _, arch := range Architectures {
		var params, grads [2][]float32
		for i, threads := range []int{1, 2} {
			gemm.SetThreads(threads)
			net := trainSteps(t, arch, 9, 3)
			params[i] = net.Params
			x := randomInput(5, rand.New(rand.NewPCG(9, 9)))
			net.Forward(x, Pass{Mode: Infer})
			grads[i] = make([]float32, 5*Input.size())
			dy := make([]float32, 5*Classes)
			for j := range dy {
				dy[j] = float32(j%3) - 1
			}
			net.InputGradTo(grads[i], dy)
		}
		for _, c := range []struct {
			what string
			a, b []float32
		}{{"weight", params[0], params[1]}, {"input gradient", grads[0], grads[1]}} {
			for j := range c.a {
				if math.Float32bits(c.a[j]) != math.Float32bits(c.b[j]) {
					t.Fatalf("%s: %s %d is %v on one thread, %v on two", arch, c.what, j, c.a[j], c.b[j])
				}
			}
		}
	}
}

func TestTrainingLearnsRandomLabels(t *testing.T) {
	// A net memorising 16 fixed random images must drive its loss well below ln 10.
	net, _ := New("compact", 5)
	rng := rand.New(rand.NewPCG(5, 5))
	x := randomInput(16, rng)
	labels := make([]uint8, 16)
	for i := range labels {
		labels[i] = uint8(i % Classes)
	}
	opt := &Adam{LR: 3e-3}
	first := net.TrainBatch(x, labels, opt, rng)
	var last float64
	for s := 0; s < 200; s++ {
		last = net.TrainBatch(x, labels, opt, rng)
	}
	if first < 2 || last > 0.3 {
		t.Errorf("loss went from %.3f to %.3f, want from ≈ln 10 to < 0.3", first, last)
	}
}

func TestTrainBatchAllocatesNothing(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates for itself")
	}
	for _, arch := range Architectures {
		net, _ := New(arch, 1)
		rng := rand.New(rand.NewPCG(1, 1))
		x := NewInput(8)
		labels := make([]uint8, 8)
		opt := &Adam{}
		net.TrainBatch(x, labels, opt, rng)
		if a := testing.AllocsPerRun(5, func() { net.TrainBatch(x, labels, opt, rng) }); a != 0 {
			t.Errorf("%s: TrainBatch allocates %.0f times per step, want 0", arch, a)
		}
	}
}

// Scoring in chunks of 256 between training steps of 32 (every active-learning round) must
// reuse the activation buffers, not reallocate them at each change of batch size: under
// WebAssembly that churned tens of megabytes per round.
func TestSwitchingBatchSizeReusesBuffers(t *testing.T) {
	net, _ := New("compact", 1)
	rng := rand.New(rand.NewPCG(1, 1))
	score, small, train := NewInput(256), NewInput(10), NewInput(32)
	labels := make([]uint8, 32)
	opt := &Adam{}
	round := func() {
		net.Forward(score, Pass{Mode: Infer})
		net.Forward(small, Pass{Mode: Infer})
		net.TrainBatch(train, labels, opt, rng)
	}
	round() // every buffer at its largest size
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const rounds = 5
	for range rounds {
		round()
	}
	runtime.ReadMemStats(&after)
	// A forward pass of 256 images has about 4 MB of activations; the tensor headers of a
	// change of size are a few hundred bytes per layer.
	if per := (after.TotalAlloc - before.TotalAlloc) / rounds; per > 64<<10 {
		t.Errorf("a round of three batch sizes allocates %d bytes, want under 64 KiB (buffers reused)", per)
	}
}

func TestDropoutModes(t *testing.T) {
	l := newDropout(shape{1000, 1, 1}, true, 0.5)
	x := newTensorFrom(4, shape{1000, 1, 1}, true, make([]float32, 4000))
	for i := range data(x) {
		data(x)[i] = 1
	}
	if y := l.forward(x, Pass{Mode: Infer}); y != x {
		t.Error("Infer pass changed the activation")
	}
	count := func(p Pass) (zeros int) {
		for _, v := range data(l.forward(x, p)) {
			switch v {
			case 0:
				zeros++
			case 2:
			default:
				t.Fatalf("dropout output %g, want 0 or 1/(1-p) = 2", v)
			}
		}
		return zeros
	}
	z1 := count(Pass{Mode: MCSample, Rand: rand.New(rand.NewPCG(1, 1))})
	z2 := count(Pass{Mode: MCSample, Rand: rand.New(rand.NewPCG(1, 1))})
	if z1 != z2 {
		t.Error("the same seed dropped different units")
	}
	if z1 < 1800 || z1 > 2200 {
		t.Errorf("dropped %d of 4000 at p = 0.5", z1)
	}
}

// TestHeadOnlyMCDropout shows that running the body once and only the head per pass gives
// exactly the logits of full stochastic passes with the same masks.
func TestHeadOnlyMCDropout(t *testing.T) {
	for _, arch := range Architectures {
		net, _ := New(arch, 2)
		rng := rand.New(rand.NewPCG(8, 8))
		x := randomInput(5, rng)
		body := net.Body()
		if body <= 0 || body >= net.Layers() {
			t.Fatalf("%s: Body() = %d of %d layers", arch, body, net.Layers())
		}
		feat := net.ForwardRange(x, 0, body, Pass{Mode: Infer})
		featCopy := newTensorFrom(5, shape{feat.Shape()[1], feat.Shape()[2], feat.Shape()[3]}, false, append([]float32(nil), data(feat)...))
		for pass := uint64(0); pass < 3; pass++ {
			p := func() Pass { return Pass{Mode: MCSample, Rand: rand.New(rand.NewPCG(pass, 1)), Shared: true} }
			head := append([]float32(nil), data(net.ForwardRange(featCopy, body, net.Layers(), p()))...)
			full := data(net.Forward(x, p()))
			for i := range full {
				if head[i] != full[i] {
					t.Fatalf("%s pass %d: logit %d is %g head-only, %g in a full pass", arch, pass, i, head[i], full[i])
				}
			}
		}
	}
}

func TestSharedDropoutMask(t *testing.T) {
	l := newDropout(shape{64, 1, 1}, true, 0.5)
	x := newTensorFrom(3, shape{64, 1, 1}, true, make([]float32, 3*64))
	for i := range data(x) {
		data(x)[i] = 1
	}
	y := data(l.forward(x, Pass{Mode: MCSample, Rand: rand.New(rand.NewPCG(1, 2)), Shared: true}))
	for i := 64; i < len(y); i++ {
		if y[i] != y[i%64] {
			t.Fatalf("unit %d of example %d differs from example 0's with a shared mask", i%64, i/64)
		}
	}
}

// TestMCHeadFastPath checks that the fast head pass, which multiplies only the units the
// shared masks keep, gives the logits of the layer-by-layer stochastic pass with the same
// masks (up to the order of float32 additions).
func TestMCHeadFastPath(t *testing.T) {
	for _, arch := range Architectures {
		net, _ := New(arch, 6)
		if net.head == nil {
			t.Fatalf("%s: no fast head path", arch)
		}
		rng := rand.New(rand.NewPCG(1, 6))
		x := randomInput(7, rng)
		feat := net.ForwardRange(x, 0, net.Body(), Pass{Mode: Infer})
		featCopy := newTensorFrom(7, shape{feat.Shape()[1], feat.Shape()[2], feat.Shape()[3]}, false, append([]float32(nil), data(feat)...))
		fast := make([]float32, 7*Classes)
		for pass := uint64(0); pass < 4; pass++ {
			net.MCHeadTo(fast, featCopy, rand.New(rand.NewPCG(pass, 3)))
			slow := data(net.ForwardRange(featCopy, net.Body(), net.Layers(), Pass{Mode: MCSample, Rand: rand.New(rand.NewPCG(pass, 3)), Shared: true}))
			for i := range slow {
				if d := math.Abs(float64(fast[i] - slow[i])); d > 1e-5*(1+math.Abs(float64(slow[i]))) {
					t.Fatalf("%s pass %d: logit %d is %g by the fast path, %g layer by layer", arch, pass, i, fast[i], slow[i])
				}
			}
		}
	}
}

// randomInput returns a batch of n inputs with pixels uniform in [0, 1) from rng.
func randomInput(n int, rng *rand.Rand) *tensor.Dense {
	x := NewInput(n)
	for i := range data(x) {
		data(x)[i] = rng.Float32()
	}
	return x
}

// TestNoGradSameBits checks that a NoGrad pass, whose convolutions hand their products
// straight to the pools, gives the same logits bit for bit as a pass that writes every
// activation out, for every architecture and on weights with non-zero biases; and that a
// Backward after it refuses to run instead of using activations that were never written.
func TestNoGradSameBits(t *testing.T) {
	for _, arch := range Architectures {
		net, _ := New(arch, 8)
		trainSteps := rand.New(rand.NewPCG(2, 8))
		x := randomInput(9, trainSteps)
		labels := []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8}
		for range 3 { // moves the biases off zero
			net.TrainBatch(x, labels, &Adam{LR: 0.01}, trainSteps)
		}
		want := append([]float32(nil), data(net.Forward(x, Pass{Mode: Infer}))...)
		got := data(net.Forward(x, Pass{Mode: Infer, NoGrad: true}))
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: NoGrad logit %d is %v, the full pass %v", arch, i, got[i], want[i])
			}
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Backward after a NoGrad pass did not panic", arch)
				}
			}()
			net.InputGradTo(make([]float32, 9*Input.size()), make([]float32, 9*Classes))
		}()
	}
}

// TestPoolMax checks the pool's branch-free max against comparing floats, on the values
// whose bits order differently from their floats: negatives, ±0, infinities and NaN. Each
// combination (a, b, c, d) is one 2×2 window [a b; c d] of a 2-row input.
func TestPoolMax(t *testing.T) {
	vals := []float32{-3, -1.5, -0.25, float32(math.Copysign(0, -1)), 0, 1e-40, 0.5, 2, float32(math.Inf(1)), float32(math.Inf(-1)), -1e-40}
	var windows [][4]float32
	for _, a := range vals {
		for _, b := range vals {
			for _, c := range vals {
				for _, d := range vals {
					windows = append(windows, [4]float32{a, b, c, d})
				}
			}
		}
	}
	nan := float32(math.NaN())
	windows = append(windows, [4]float32{1, nan, 2, 3})
	in := shape{1, 2, 2 * len(windows)}
	x := tensor.New(tensor.WithShape(1, in.C, in.H, in.W), tensor.Of(tensor.Float32))
	xd := data(x)
	for w, v := range windows {
		xd[2*w], xd[2*w+1], xd[in.W+2*w], xd[in.W+2*w+1] = v[0], v[1], v[2], v[3]
	}
	pool := newMaxPool2D(in)
	y := data(pool.forward(x, Pass{}))
	dy := tensor.New(tensor.WithShape(1, in.C, 1, len(windows)), tensor.Of(tensor.Float32))
	for i := range data(dy) {
		data(dy)[i] = 1
	}
	dx := data(pool.backward(dy, true, false))
	for w, v := range windows[:len(windows)-1] {
		want := v[0]
		for _, u := range v[1:] {
			if u > want {
				want = u
			}
		}
		if got := y[w]; got != want {
			t.Fatalf("max of %v = %v, want %v", v, got, want)
		}
		// The gradient goes to the first value equal to the maximum, in row-major order.
		first := slices.Index(v[:], want)
		for i, at := range []int{2 * w, 2*w + 1, in.W + 2*w, in.W + 2*w + 1} {
			if g := dx[at]; (i == first) != (g == 1) {
				t.Fatalf("gradient of the window %v reaches value %d (%v): want value %d alone", v, i, g, first)
			}
		}
	}
	if got := y[len(windows)-1]; got == got {
		t.Errorf("max of [1 NaN; 2 3] = %v, want NaN to pass on", got)
	}
	if got := orderKey(fromOrderKey(-12345)); got != -12345 {
		t.Errorf("fromOrderKey does not invert orderKey: %d", got)
	}
}

func TestNewMLP(t *testing.T) {
	net, err := NewMLP([]int{6, 4, 3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	// fc1 4·6+4, fc2 3·4+3
	if len(net.Params) != 28+15 || len(net.Named) != 4 || net.Named[2].Name != "fc2.weight" || net.Named[2].Shape[0] != 3 {
		t.Errorf("%d parameters named %v, want 43 in fc1 (4×6) and fc2 (3×4)", len(net.Params), net.Named)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.New(tensor.WithShape(5, 6), tensor.Of(tensor.Float32))
	for i := range data(x) {
		data(x)[i] = float32(rng.NormFloat64())
	}
	if s := net.Forward(x, Pass{Mode: Infer}).Shape(); s[0] != 5 || s[1] != 3 {
		t.Errorf("logits shape %v, want (5, 3)", s)
	}
	// The output layer's input is the hidden layer's ReLU: some units off, none negative.
	emb := data(net.Embedding())
	if s := net.Embedding().Shape(); s[0] != 5 || s[1] != 4 || slices.Min(emb) != 0 || slices.Max(emb) <= 0 {
		t.Errorf("embedding %v of shape %v, want (5, 4) after a ReLU", emb, s)
	}
	for _, sizes := range [][]int{nil, {3}, {3, 0, 2}, {-1, 2}} {
		if _, err := NewMLP(sizes, 1); err == nil || !strings.HasPrefix(err.Error(), "nn: invalid MLP sizes") {
			t.Errorf("NewMLP(%v) error = %v, want invalid MLP sizes", sizes, err)
		}
	}
}
