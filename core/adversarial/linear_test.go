package adversarial

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"alab/core/nn"
)

// classes is the linear model's number of logits: MNIST's.
const classes = nn.Classes

// linear is the model f(x) = Wx + b with W (classes × 784) and b in float64, on batches of
// n images. Its logit margins are exactly linear, so DeepFool's first step lands exactly
// (1+overshoot) times past the nearest boundary.
type linear struct {
	n    int
	w, b []float64
}

func newLinear(n int, rng *rand.Rand) *linear {
	l := &linear{n: n, w: make([]float64, classes*pixels), b: make([]float64, classes)}
	for i := range l.w {
		l.w[i] = 0.02*rng.Float64() - 0.01
	}
	// Biases 0.2 apart keep every margin large next to the rounding of float32 logits and
	// pixels (which the 1e-6 tolerance below must absorb), while Wx (spread ≈ ±0.1) still
	// changes which boundary is nearest from image to image.
	for i, k := range rng.Perm(classes) {
		l.b[i] = 0.2 * float64(k)
	}
	return l
}

func (l *linear) batch() int   { return l.n }
func (l *linear) classes() int { return classes }

// logits64 returns the exact logits of one image.
func (l *linear) logits64(x []float32) []float64 {
	f := slices.Clone(l.b)
	for k := range f {
		for t, v := range x {
			f[k] += l.w[k*pixels+t] * float64(v)
		}
	}
	return f
}

func (l *linear) logitsTo(dst, x []float32) {
	for i := range len(x) / pixels {
		for k, v := range l.logits64(x[i*pixels : (i+1)*pixels]) {
			dst[i*classes+k] = float32(v)
		}
	}
}

func (l *linear) gradTo(dst, seed []float32) {
	for i := range len(seed) / classes {
		for t := range pixels {
			var g float64
			for k := range classes {
				g += float64(seed[i*classes+k]) * l.w[k*pixels+t]
			}
			dst[i*pixels+t] = float32(g)
		}
	}
}

// margin returns the prediction of x and the L2 distance to the nearest class boundary,
// min over k of |f_k − f_p|/‖w_k − w_p‖, with that ‖w_k − w_p‖ and |f_k − f_p|.
func (l *linear) margin(x []float32) (p int, dist, norm, gap float64) {
	f := l.logits64(x)
	p = 0
	for k := range f {
		if f[k] > f[p] {
			p = k
		}
	}
	dist = math.Inf(1)
	for k := range f {
		if k == p {
			continue
		}
		var n2 float64
		for t := range pixels {
			d := l.w[k*pixels+t] - l.w[p*pixels+t]
			n2 += d * d
		}
		if d := (f[p] - f[k]) / math.Sqrt(n2); d < dist {
			dist, norm, gap = d, math.Sqrt(n2), f[p]-f[k]
		}
	}
	return p, dist, norm, gap
}

// images returns n random images with pixels in [0.25, 0.75], far enough from 0 and 1 that
// one DeepFool step on the linear model never clips.
func images(n int, rng *rand.Rand) []float32 {
	x := make([]float32, n*pixels)
	for i := range x {
		x[i] = 0.25 + 0.5*rng.Float32()
	}
	return x
}

func TestDeepFoolLinearIsAnalyticMargin(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 40
	x := images(n, rng)
	cfg := Config{}.withDefaults(10)
	var first []Result
	// A batch smaller than the set exercises the refilling of slots; the results must not
	// depend on the batch.
	for _, b := range []int{n, 16, 1} {
		l := newLinear(b, rand.New(rand.NewPCG(3, 4)))
		res, err := deepFool(l, x, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
			for i, r := range res {
				p, _, norm, gap := l.margin(x[i*pixels : (i+1)*pixels])
				want := (1 + cfg.Overshoot) * (gap + 1e-4) / norm
				if r.From != p || r.To == p || r.To < 0 || r.Iters != 1 {
					t.Errorf("image %d: from %d to %d in %d steps: want from %d to another class in 1 step", i, r.From, r.To, r.Iters, p)
				}
				if math.Abs(r.Distance-want) > 1e-6*want {
					t.Errorf("image %d: distance %.9g: want (1+overshoot)·(|f'|+1e-4)/‖w‖ = %.9g", i, r.Distance, want)
				}
				if got, _, _, _ := l.margin(r.Adversarial); got != r.To {
					t.Errorf("image %d: the adversarial image is classified %d: want To = %d", i, got, r.To)
				}
			}
			continue
		}
		for i := range res {
			if res[i].Distance != first[i].Distance || !slices.Equal(res[i].Adversarial, first[i].Adversarial) {
				t.Errorf("batch %d: image %d differs from the result with batch %d", b, i, n)
			}
		}
	}
}

func TestFGSMLinearFlipsNoCloserThanDeepFool(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 30
	x := images(n, rng)
	l := newLinear(8, rand.New(rand.NewPCG(7, 8)))
	df, err := deepFool(l, x, Config{}.withDefaults(10))
	if err != nil {
		t.Fatal(err)
	}
	fg, err := fgsm(l, x, Config{}.withDefaults(50))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range fg {
		_, dist, _, _ := l.margin(x[i*pixels : (i+1)*pixels])
		if r.To < 0 || r.To == r.From {
			t.Errorf("image %d: fgsm did not flip in %d steps", i, r.Iters)
			continue
		}
		// No perturbation that flips a linear model is shorter than the distance to the
		// nearest boundary; DeepFool's is that distance plus the overshoot.
		if r.Distance < dist || r.Distance < df[i].Distance {
			t.Errorf("image %d: fgsm distance %.6g: want ≥ the margin %.6g and ≥ DeepFool's %.6g", i, r.Distance, dist, df[i].Distance)
		}
		if got, _, _, _ := l.margin(r.Adversarial); got != r.To {
			t.Errorf("image %d: the adversarial image is classified %d: want To = %d", i, got, r.To)
		}
		// Every step moves each pixel by Step or not at all.
		for t0, v := range r.Adversarial {
			d := math.Abs(float64(v) - float64(x[i*pixels+t0]))
			if steps := d / 0.01; math.Abs(steps-math.Round(steps)) > 1e-3 || steps > float64(r.Iters)+1e-3 {
				t.Fatalf("image %d pixel %d moved by %g: want a multiple of the step 0.01, at most %d of them", i, t0, d, r.Iters)
			}
		}
	}
}

func TestStuckSearchGivesUp(t *testing.T) {
	// A model whose logits do not depend on the input: no gradient, no flip.
	l := &linear{n: 4, w: make([]float64, classes*pixels), b: []float64{0, 1, 0, 0, 0, 0, 0, 0, 0, 0}}
	x := images(3, rand.New(rand.NewPCG(1, 1)))
	for name, search := range map[string]func(model, []float32, Config) ([]Result, error){"deepfool": deepFool, "fgsm": fgsm} {
		res, err := search(l, x, Config{}.withDefaults(5))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if !math.IsInf(r.Distance, 1) || r.Adversarial != nil || r.From != 1 || r.To != -1 {
				t.Errorf("%s image %d: %+v: want distance +Inf, no adversarial, from 1 to -1", name, i, r)
			}
		}
	}
}
