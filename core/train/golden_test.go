package train

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"testing"

	"alab/core/nn"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenRun is what a short, seeded training run produces: written natively with -update
// and checked on every platform, so the WebAssembly build (run under node) is shown to
// train the same network as the native one.
type goldenRun struct {
	Losses   []float64 `json:"losses"`   // the loss of every 4th step
	Accuracy float64   `json:"accuracy"` // on the 200 fixture test digits
	Weights  []float32 `json:"weights"`  // every 97th parameter
}

// Tolerances for platforms that fuse multiply-adds (the Go spec allows it; arm64 does):
// the same arithmetic up to rounding in the last bits, amplified a little by 30 steps.
const (
	goldenLossTol   = 1e-4
	goldenWeightTol = 1e-4
)

func TestGoldenTraining(t *testing.T) {
	tr, te := fixture(t)
	net, _ := nn.New("compact", 7)
	var got goldenRun
	step := 0
	_, err := Fit(context.Background(), net, tr.Head(480), Config{Epochs: 2, Batch: 32, Seed: 7}, func(_, _ int, loss float64) {
		if step%4 == 0 {
			got.Losses = append(got.Losses, loss)
		}
		step++
	})
	if err != nil {
		t.Fatal(err)
	}
	got.Accuracy, _ = Accuracy(net, te, 0)
	for i := 0; i < len(net.Params); i += 97 {
		got.Weights = append(got.Weights, net.Params[i])
	}
	const path = "testdata/golden-compact.json"
	if *update {
		b, _ := json.MarshalIndent(got, "", " ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./core/train -update writes it)", err)
	}
	var want goldenRun
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(got.Losses) != len(want.Losses) || len(got.Weights) != len(want.Weights) {
		t.Fatalf("run recorded %d losses and %d weights, golden %d and %d", len(got.Losses), len(got.Weights), len(want.Losses), len(want.Weights))
	}
	for i := range want.Losses {
		if d := math.Abs(got.Losses[i] - want.Losses[i]); d > goldenLossTol*(1+want.Losses[i]) {
			t.Errorf("loss %d: %.7f, golden %.7f", i, got.Losses[i], want.Losses[i])
		}
	}
	for i := range want.Weights {
		if d := math.Abs(float64(got.Weights[i] - want.Weights[i])); d > goldenWeightTol {
			t.Errorf("weight %d: %.7f, golden %.7f", i*97, got.Weights[i], want.Weights[i])
		}
	}
	if math.Abs(got.Accuracy-want.Accuracy) > 0.01 {
		t.Errorf("accuracy %.3f, golden %.3f", got.Accuracy, want.Accuracy)
	}
}
