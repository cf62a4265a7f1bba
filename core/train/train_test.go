package train

import (
	"context"
	"strings"
	"testing"

	"alab/core/data"
	"alab/core/data/datatest"
	"alab/core/nn"
)

// fixture loads the few hundred real MNIST digits kept in testdata/.
func fixture(t testing.TB) (pool, test *data.Set) { return datatest.Fixture(t) }

func TestFitLearnsRealDigits(t *testing.T) {
	tr, te := fixture(t)
	net, _ := nn.New("compact", 1)
	before, err := Accuracy(net, te, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Fit(context.Background(), net, tr, Config{Epochs: 8, Batch: 32, LR: 2e-3, Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := Accuracy(net, te, 0)
	// An untrained net is at chance; a few hundred real digits are enough for most of the test set.
	if before > 0.3 || after < 0.75 {
		t.Errorf("test accuracy %.3f before and %.3f after training on %d digits: want ≤ 0.3 then ≥ 0.75", before, after, tr.N)
	}
}

func TestFitIsDeterministic(t *testing.T) {
	tr, _ := fixture(t)
	run := func() []float32 {
		net, _ := nn.New("compact", 3)
		var losses []float64
		if _, err := Fit(context.Background(), net, tr.Head(100), Config{Batch: 16, Seed: 9}, func(_, _ int, l float64) { losses = append(losses, l) }); err != nil {
			t.Fatal(err)
		}
		if len(losses) != 7 {
			t.Errorf("progress called %d times for 100 images in batches of 16, want 7", len(losses))
		}
		return net.Params
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("weight %d differs between two runs with the same seed", i)
		}
	}
}

func TestBadInput(t *testing.T) {
	tr, _ := fixture(t)
	net, _ := nn.New("compact", 1)
	bad := *tr.Head(10)
	bad.Labels = append([]uint8(nil), bad.Labels...)
	bad.Labels[3] = 12
	small := &data.Set{N: 1, Rows: 8, Cols: 8, Labels: []uint8{1}, Pix: make([]uint8, 64)}
	for _, c := range []struct {
		name string
		set  *data.Set
		cfg  Config
		want string
	}{
		{"label", &bad, Config{}, "label 12 of image 3 out of range: want < 10 classes"},
		{"geometry", small, Config{}, "images are 8×8: want 28×28"},
		{"empty", tr.Head(0), Config{}, "training set is empty"},
		{"batch", tr, Config{Batch: -1}, "invalid batch size -1"},
		{"lr", tr, Config{LR: -1}, "invalid learning rate -1"},
		{"optimizer", tr, Config{Optimizer: "rmsprop"}, `unknown optimizer "rmsprop": want adam or sgd`},
	} {
		_, err := Fit(context.Background(), net, c.set, c.cfg, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Fit(ctx, net, tr, Config{}, nil); err != context.Canceled {
		t.Errorf("cancelled context: error %v, want context.Canceled", err)
	}
}

func TestFitSteps(t *testing.T) {
	tr, _ := fixture(t)
	var calls, total int
	net, _ := nn.New("compact", 1)
	// 20 images in batches of 8: 3 steps per pass; 7 steps is two passes and a bit.
	if _, err := Fit(context.Background(), net, tr.Head(20), Config{Steps: 7, Batch: 8, Epochs: 100}, func(done, tot int, _ float64) { calls, total = done, tot }); err != nil {
		t.Fatal(err)
	}
	if calls != 7 || total != 7 {
		t.Errorf("progress ended at %d of %d, want 7 of 7", calls, total)
	}
}
