package active

import (
	"encoding/json"
	"flag"
	"os"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenStrategies are run for a few rounds on the fixture; the IDs they select are kept in
// testdata/golden-ids.json, written natively with -update and checked on every platform, so
// the WebAssembly build (run under node) is shown to select the same samples.
var goldenStrategies = []string{
	"random", "least-confidence", "margin", "entropy", "mc-least-confidence", "bald",
	"var-ratios", "mean-std", "egl", "power-bald", "batchbald", "coreset", "badge", "dal",
	"deepfool", "fgsm",
}

func TestGoldenSelections(t *testing.T) {
	got := map[string][]int{}
	for _, s := range goldenStrategies {
		cfg := quick(s)
		cfg.PoolSubset = 60 // keeps the adversarial searches and BatchBALD quick
		got[s] = pickedIDs(runLoop(t, cfg))
	}
	const path = "testdata/golden-ids.json"
	if *update {
		b, _ := json.MarshalIndent(got, "", " ")
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./core/active -update writes it)", err)
	}
	var want map[string][]int
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for _, s := range goldenStrategies {
		if !slices.Equal(got[s], want[s]) {
			t.Errorf("%s selected %v, golden %v", s, got[s], want[s])
		}
	}
}
