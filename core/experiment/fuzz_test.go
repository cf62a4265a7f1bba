package experiment

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzReadSpec checks that ReadSpec and Check never panic, and that a spec ReadSpec accepts
// survives encoding and reading back unchanged.
func FuzzReadSpec(f *testing.F) {
	for _, s := range []string{
		`{"strategies": ["random", "margin"], "batches": [10, 100], "repeats": 3, "seed": 1}`,
		`{"strategies": ["bald"], "init": 20, "init_balanced": true, "rounds": 5, "pool_subset": 2000, "mc_samples": 20,
		  "train": {"steps": 300, "batch": 32, "lr": 0.001, "optimizer": "adam"}, "warm_start": true, "test_limit": 1000,
		  "options": {"beta": 1, "dal_sub_batches": 10, "max_iter": 10, "overshoot": 0.02, "fgsm_step": 0.01}}`,
		`{"strategies": ["fgsm"], "budget": 100, "dfal_augment": true, "arch": "gal", "train": {"epochs": 2}}`,
		`{"strategies": ["random"]} {}`,
		`{"Strategies": ["random"]}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ReadSpec(bytes.NewReader(b))
		if err != nil {
			return
		}
		if s.Check() == nil && len(s.Runs()) <= 50 {
			s.Validate(60000)
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("encoding %+v: %v", s, err)
		}
		back, err := ReadSpec(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("reading back %s: %v", again, err)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip: %+v, want %+v", back, s)
		}
	})
}
