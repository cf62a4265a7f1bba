package adversarial

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"alab/core/data"
	"alab/core/nn"
	"alab/core/train"
)

// trainedOnce caches the fixture's trained network for every test and benchmark.
var trainedOnce = sync.OnceValues(func() (*nn.Net, error) {
	tr, _, err := data.MNIST("../../testdata/mnist-small")
	if err != nil {
		return nil, err
	}
	net, _ := nn.New("compact", 1)
	_, err = train.Fit(context.Background(), net, tr.Head(300), train.Config{Epochs: 6, Batch: 32, LR: 2e-3, Seed: 1}, nil)
	return net, err
})

// fixture returns a compact net trained on the first 300 training digits of testdata/ and
// n digits it has not seen (the test set first, then the rest of the training set).
func fixture(t testing.TB, n int) (*nn.Net, []float32) {
	t.Helper()
	net, err := trainedOnce()
	if err != nil {
		t.Fatal(err)
	}
	tr, te, _ := data.MNIST("../../testdata/mnist-small")
	var x []float32
	for _, s := range []*data.Set{te, tr} {
		ids := make([]int, 0, s.N)
		for i := range s.N {
			if s != tr || i >= 300 {
				ids = append(ids, i)
			}
		}
		ids = ids[:min(len(ids), n-len(x)/pixels)]
		part := make([]float32, len(ids)*pixels)
		s.ToFloat32To(part, ids)
		x = append(x, part...)
	}
	if len(x) != n*pixels {
		t.Fatalf("the fixture has %d unseen digits: want %d", len(x)/pixels, n)
	}
	return net, x
}

// predict returns the net's prediction and softmax margin (top probability minus the
// runner-up's) for each image.
func predict(net *nn.Net, x []float32) (pred []int, margin []float64) {
	n := len(x) / pixels
	in := nn.NewInput(n)
	copy(in.Float32s(), x)
	logits := net.Forward(in, nn.Pass{Mode: nn.Infer}).Float32s()
	for i := range n {
		row := logits[i*classes : (i+1)*classes]
		p := make([]float64, classes)
		top := slices.Max(row)
		var sum float64
		for k, v := range row {
			p[k] = math.Exp(float64(v - top))
			sum += p[k]
		}
		b := argmax(row)
		r := runnerUp(row, b)
		pred = append(pred, b)
		margin = append(margin, (p[b]-p[r])/sum)
	}
	return pred, margin
}

func TestSearchesOnTrainedNet(t *testing.T) {
	const n = 100
	net, x := fixture(t, n)
	pred, margin := predict(net, x)
	check := func(name string, res []Result, flipped float64) {
		var adv []float32
		var idx []int
		dist := make([]float64, n)
		for i, r := range res {
			dist[i] = r.Distance
			if r.From != pred[i] {
				t.Errorf("%s image %d: From %d: want the prediction %d", name, i, r.From, pred[i])
			}
			if r.Adversarial == nil {
				continue
			}
			if r.To == r.From || r.To < 0 {
				t.Errorf("%s image %d: flipped from %d to %d", name, i, r.From, r.To)
			}
			if d := distance(r.Adversarial, x[i*pixels:(i+1)*pixels]); d != r.Distance || d == 0 {
				t.Errorf("%s image %d: distance %g: want ‖adversarial − image‖ = %g > 0", name, i, r.Distance, d)
			}
			if lo, hi := slices.Min(r.Adversarial), slices.Max(r.Adversarial); lo < 0 || hi > 1 {
				t.Errorf("%s image %d: adversarial pixels in [%g, %g]: want [0, 1]", name, i, lo, hi)
			}
			adv = append(adv, r.Adversarial...)
			idx = append(idx, i)
		}
		if f := float64(len(idx)) / n; f < flipped {
			t.Errorf("%s: %.0f%% of the digits flipped: want ≥ %.0f%%", name, 100*f, 100*flipped)
		}
		advPred, _ := predict(net, adv)
		for j, i := range idx {
			if advPred[j] != res[i].To {
				t.Errorf("%s image %d: the adversarial image is classified %d: want To = %d", name, i, advPred[j], res[i].To)
			}
		}
		// DFAL's distance ranks the digits much as the softmax margin does.
		rho := spearman(dist, margin)
		t.Logf("%s: %d of %d flipped; Spearman(distance, softmax margin) = %.3f", name, len(idx), n, rho)
		if rho < 0.5 {
			t.Errorf("%s: Spearman correlation of distance and softmax margin %.3f: want > 0.5", name, rho)
		}
	}
	df, err := DeepFool(net, x, Config{})
	if err != nil {
		t.Fatal(err)
	}
	check("deepfool", df, 0.98)
	fg, err := FGSM(net, x, Config{})
	if err != nil {
		t.Fatal(err)
	}
	check("fgsm", fg, 0.9)
	// DeepFool aims for the smallest L2 perturbation; FGSM's L∞ steps overshoot it.
	closer := 0
	for i := range df {
		if df[i].Distance < fg[i].Distance {
			closer++
		}
	}
	if closer < n*9/10 {
		t.Errorf("DeepFool is closer than FGSM for %d of %d digits: want ≥ 90%%", closer, n)
	}
}

func TestBadInput(t *testing.T) {
	net, x := fixture(t, 2)
	bad := func(i int, v float32) []float32 { y := slices.Clone(x); y[i] = v; return y }
	for _, c := range []struct {
		name   string
		net    *nn.Net
		images []float32
		cfg    Config
		want   string
	}{
		{"length", net, x[:783], Config{}, "783 image values: want a multiple of 784"},
		{"pixel>1", net, bad(pixels+5, 1.5), Config{}, "pixel 5 of image 1 is 1.5: want a value in [0, 1]"},
		{"pixel<0", net, bad(3, -0.5), Config{}, "pixel 3 of image 0 is -0.5"},
		{"NaN pixel", net, bad(3, float32(math.NaN())), Config{}, "pixel 3 of image 0 is NaN"},
		{"nil net", nil, x, Config{}, "nil network"},
		{"max iter", net, x, Config{MaxIter: -1}, "invalid max iterations -1: want 0 to 10000"},
		{"overshoot", net, x, Config{Overshoot: -0.1}, "invalid overshoot -0.1: want a value in [0, 1]"},
		{"NaN overshoot", net, x, Config{Overshoot: math.NaN()}, "invalid overshoot NaN"},
		{"step", net, x, Config{Step: 2}, "invalid step 2: want a value in [0, 1]"},
	} {
		for name, search := range map[string]func(*nn.Net, []float32, Config) ([]Result, error){"DeepFool": DeepFool, "FGSM": FGSM} {
			res, err := search(c.net, c.images, c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "adversarial: ") || res != nil {
				t.Errorf("%s %s: %v: want an error containing %q", name, c.name, err, c.want)
			}
		}
	}
	if res, err := DeepFool(net, nil, Config{}); err != nil || len(res) != 0 {
		t.Errorf("DeepFool of no images: %v, %v: want no results and no error", res, err)
	}
}

// spearman returns the Spearman rank correlation of a and b (ties get their mean rank,
// +Inf ranks above every finite value).
func spearman(a, b []float64) float64 {
	ra, rb := ranks(a), ranks(b)
	var ma, mb float64
	for i := range ra {
		ma += ra[i] / float64(len(ra))
		mb += rb[i] / float64(len(rb))
	}
	var sab, saa, sbb float64
	for i := range ra {
		sab += (ra[i] - ma) * (rb[i] - mb)
		saa += (ra[i] - ma) * (ra[i] - ma)
		sbb += (rb[i] - mb) * (rb[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

func ranks(v []float64) []float64 {
	order := make([]int, len(v))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return cmpFloat(v[i], v[j]) })
	r := make([]float64, len(v))
	for lo := 0; lo < len(order); {
		hi := lo
		for hi < len(order) && v[order[hi]] == v[order[lo]] {
			hi++
		}
		for _, i := range order[lo:hi] {
			r[i] = float64(lo+hi-1) / 2
		}
		lo = hi
	}
	return r
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
