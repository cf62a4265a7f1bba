package active

import (
	"encoding/json"
	"flag"
	"os"
	"slices"
	"testing"

	"alab/core/query"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenSelections runs every strategy of the registry for a few rounds on the fixture;
// the IDs they select are kept in testdata/golden-ids.json, written natively with -update and
// checked on every platform, so the WebAssembly build (run under node) is shown to select the
// same samples.
func TestGoldenSelections(t *testing.T) {
	got := map[string][]int{}
	for _, s := range query.Names() {
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
	for _, s := range query.Names() {
		if !slices.Equal(got[s], want[s]) {
			t.Errorf("%s selected %v, golden %v", s, got[s], want[s])
		}
	}
}
