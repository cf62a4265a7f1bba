package experiment

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"alab/core/curve"
	"alab/core/data"
	"alab/core/train"
)

func TestRunsAndShards(t *testing.T) {
	s := Spec{Strategies: []string{"random", "bald"}, Batches: []int{10, 100}, Repeats: 3}
	runs := s.Runs()
	if len(runs) != 12 || runs[0] != (Run{"random", 10, 0}) || runs[3] != (Run{"random", 100, 0}) || runs[11] != (Run{"bald", 100, 2}) {
		t.Fatalf("runs %v", runs)
	}
	seen := map[Run]int{}
	for i := 0; i < 5; i++ {
		shard, err := Shard(runs, i, 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range shard {
			seen[r]++
		}
	}
	if len(seen) != len(runs) {
		t.Errorf("5 shards cover %d of %d runs", len(seen), len(runs))
	}
	for r, n := range seen {
		if n != 1 {
			t.Errorf("run %v is in %d shards", r, n)
		}
	}
	for _, bad := range [][2]int{{2, 2}, {-1, 3}, {0, 0}} {
		if _, err := Shard(runs, bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "invalid shard") {
			t.Errorf("shard %d/%d: error %v", bad[0], bad[1], err)
		}
	}
}

func TestConfigFromSpec(t *testing.T) {
	s := Spec{Strategies: []string{"bald"}, Init: 20, Rounds: 100, Seed: 40}
	c := s.Config(Run{"bald", 10, 2})
	if c.Budget != 1020 || c.Seed != 42 || c.Batch != 10 || c.Strategy != "bald" {
		t.Errorf("config %+v: want budget 1020, seed 42", c)
	}
}

func TestSpecErrors(t *testing.T) {
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{}, "no strategies"},
		{Spec{Strategies: []string{"random", "random"}}, `strategy "random" listed twice`},
		{Spec{Strategies: []string{"oracle"}}, `unknown strategy "oracle"`},
		{Spec{Strategies: []string{"random"}, Rounds: 3, Budget: 100}, "both rounds (3) and budget (100)"},
		{Spec{Strategies: []string{"random"}, Repeats: -1}, "invalid repeats -1"},
		{Spec{Strategies: []string{"random"}, Batches: []int{0}}, "invalid batch size"},
	} {
		if err := c.spec.Validate(1000); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %q", c.spec, err, c.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	// Two repeats of one strategy: known thresholds crossings and areas.
	rows := []curve.Row{
		{Strategy: "s", BatchSize: 10, Repeat: 0, Labelled: 20, TestAccuracy: 0.80},
		{Strategy: "s", BatchSize: 10, Repeat: 0, Labelled: 30, TestAccuracy: 0.92},
		{Strategy: "s", BatchSize: 10, Repeat: 0, Labelled: 40, TestAccuracy: 0.96},
		{Strategy: "s", BatchSize: 10, Repeat: 1, Labelled: 20, TestAccuracy: 0.70},
		{Strategy: "s", BatchSize: 10, Repeat: 1, Labelled: 30, TestAccuracy: 0.90},
		{Strategy: "s", BatchSize: 10, Repeat: 1, Labelled: 40, TestAccuracy: 0.94},
	}
	sum := Summarize(rows)
	if len(sum) != 1 {
		t.Fatalf("%d summaries, want 1", len(sum))
	}
	s := sum[0]
	if got := s.LabelsToReach["0.90"]; got.Mean != 30 || got.Std != 0 || got.N != 2 {
		t.Errorf("labels to reach 0.90: %+v, want 30 ± 0 over 2", got)
	}
	if got := s.LabelsToReach["0.95"]; got.Mean != 40 || got.N != 1 {
		t.Errorf("labels to reach 0.95: %+v, want 40 from the one repeat that got there", got)
	}
	if got := s.LabelsToReach["0.98"]; got.N != 0 {
		t.Errorf("labels to reach 0.98: %+v, want none", got)
	}
	// AUC of repeat 0: (0.86·10 + 0.94·10)/20 = 0.90; repeat 1: (0.80 + 0.92)/2 = 0.86.
	if math.Abs(s.AUC.Mean-0.88) > 1e-12 || math.Abs(s.AUC.Std-math.Sqrt(0.0008)) > 1e-12 {
		t.Errorf("AUC %+v, want 0.88 ± %.4f", s.AUC, math.Sqrt(0.0008))
	}
	if math.Abs(s.FinalAccuracy.Mean-0.95) > 1e-12 || s.FinalLabelled != 40 {
		t.Errorf("final %+v at %d labels, want 0.95 at 40", s.FinalAccuracy, s.FinalLabelled)
	}
}

// TestParallelismDoesNotChangeResults runs a tiny sweep with one worker and with two.
func TestParallelismDoesNotChangeResults(t *testing.T) {
	pool, test, err := data.MNIST("../../testdata/mnist-small")
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{
		Strategies: []string{"random", "entropy"}, Batches: []int{5}, Repeats: 2, Seed: 1,
		Init: 10, Rounds: 2, PoolSubset: 50, Train: train.Config{Steps: 10, Batch: 10},
		TestLimit: 100,
	}
	run := func(workers int) []curve.Row {
		var calls int
		rows, err := Execute(context.Background(), spec, spec.Runs(), pool, test, workers, func(int) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		if calls != 4 {
			t.Errorf("done called %d times for 4 runs", calls)
		}
		for i := range rows {
			rows[i].TrainSeconds, rows[i].ScoreSeconds, rows[i].SelectSeconds = 0, 0, 0
		}
		return rows
	}
	one, two := run(1), run(2)
	if len(one) != 4*3 {
		t.Fatalf("%d rows, want 4 runs × 3 rounds", len(one))
	}
	if !reflect.DeepEqual(one, two) {
		t.Error("one and two workers gave different rows")
	}
}
