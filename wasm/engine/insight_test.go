package engine

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"alab/core/curve"
	"alab/core/experiment"
	"alab/wasm/msg"
)

func TestInsight(t *testing.T) {
	s := msg.Settings{Strategy: "margin", Batch: 8, PoolSubset: 300}
	_, b, e := session(t, s, 1)
	in, err := e.Insight(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var batch, random, labelled int
	for _, p := range in.Points {
		if p.X < 0 || p.X > msg.MapScale || p.Y < 0 || p.Y > msg.MapScale || p.Pred < 0 || p.Pred > 9 {
			t.Fatalf("point %+v outside the map", p)
		}
		if p.Flags&msg.InBatch != 0 {
			batch++
		}
		if p.Flags&msg.InRandom != 0 {
			random++
		}
		if p.Flags&msg.InLabelled != 0 {
			labelled++
		}
	}
	if batch != len(b.Items) || random != len(b.Items) || labelled != e.Labelled() || len(in.RandomPreds) != len(b.Items) {
		t.Errorf("map has %d batch, %d random, %d labelled points (%d random preds): want %d, %d, %d",
			batch, random, labelled, len(in.RandomPreds), len(b.Items), len(b.Items), e.Labelled())
	}
	if in.BatchDistance <= 0 || in.RandomDistance <= 0 || in.Variance <= 0 || in.Variance > 1 {
		t.Errorf("distances %g, %g, variance %g", in.BatchDistance, in.RandomDistance, in.Variance)
	}
	if in.BatchScore.N != len(b.Items) || in.RandomScore.N != len(b.Items) {
		t.Errorf("scores of %d and %d digits, want %d", in.BatchScore.N, in.RandomScore.N, len(b.Items))
	}
	// Margin's top-k batch scores above a random batch.
	if in.BatchScore.Mean < in.RandomScore.Mean {
		t.Errorf("top-k margin batch mean score %g below the random batch's %g", in.BatchScore.Mean, in.RandomScore.Mean)
	}
	again, err := e.Insight(context.Background())
	if err != nil || again.BatchDistance != in.BatchDistance || len(again.Points) != len(in.Points) {
		t.Errorf("a second Insight differs: %v", err)
	}
}

func TestWithinNoise(t *testing.T) {
	in := msg.Insight{BatchScore: msg.MeanOf([]float64{1, 1.1, 0.9}), RandomScore: msg.MeanOf([]float64{1.05, 0.95, 1})}
	if !in.WithinNoise() {
		t.Errorf("equal means are not within noise")
	}
	in.RandomScore = msg.MeanOf([]float64{0.1, 0.2, 0.15})
	if in.WithinNoise() {
		t.Errorf("far means are within noise")
	}
}

// TestRace checks a race run gives, for each strategy, the rows experiment.Execute gives for
// the same spec (what `alab run` writes) — the second strategy's round 0 included, which the
// race takes from the first — and that they make the same curves.csv;
// also when round 0 comes from a RaceStart (it is then not trained), and that a RaceStart of
// another race is not used.
func TestRace(t *testing.T) {
	pool, test := fixture(t)
	r := msg.Race{Strategies: []string{"margin", "random"}, Batch: 5, Init: 20, Budget: 35, PoolSubset: 200, MCSamples: 5, Steps: 10, Seed: 3}
	race := func(start *RaceStart) []msg.Row {
		var rows []msg.Row
		var done []string
		if err := Race(context.Background(), r, r.Strategies, pool, test, start, func(row msg.Row) { rows = append(rows, row) },
			func(s string) { done = append(done, s) }); err != nil {
			t.Fatal(err)
		}
		if len(done) != 2 || len(rows) != 8 || rows[0].Strategy != "margin" || rows[1].Strategy != "random" {
			t.Fatalf("race rows %d (first %+v), done %v: want 8 interleaved rows and both done", len(rows), rows[0], done)
		}
		return rows
	}
	start, err := TrainRaceStart(context.Background(), r, pool, test)
	if err != nil {
		t.Fatal(err)
	}
	other := r
	other.Seed++
	otherStart, err := TrainRaceStart(context.Background(), other, pool, test)
	if err != nil {
		t.Fatal(err)
	}
	started, ignored := race(start), race(otherStart)
	if started[0].TrainSeconds != 0 || ignored[0].TrainSeconds == 0 {
		t.Errorf("round 0 trained for %v s with its RaceStart (want 0: taken), %v s with another race's (want > 0)",
			started[0].TrainSeconds, ignored[0].TrainSeconds)
	}
	for i, row := range race(nil) {
		for _, got := range []msg.Row{started[i], ignored[i]} {
			if got.Round != row.Round || got.TestAccuracy != row.TestAccuracy || !slices.Equal(got.Histogram, row.Histogram) {
				t.Fatalf("row %d: %+v, without a RaceStart %+v", i, got, row)
			}
		}
	}
	rows := ignored
	// Every strategy's rows, the second's too (its round 0 is the first's, shared).
	var got []msg.Row
	var want []curve.Row
	for _, strategy := range []string{"margin", "random"} {
		var mine []msg.Row
		for _, row := range rows {
			if row.Strategy == strategy {
				mine = append(mine, row)
			}
		}
		one := r
		one.Strategies = []string{strategy}
		spec := RaceSpec(one)
		ref, err := experiment.Execute(context.Background(), spec, spec.Runs(), pool, test, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(mine) != len(ref) {
			t.Fatalf("%s: the race gave %d rows, alab run's code %d", strategy, len(mine), len(ref))
		}
		for i := range mine {
			w, g := ref[i], mine[i]
			if g.Round != w.Round || g.Labelled != w.Labelled || g.TestAccuracy != w.TestAccuracy || g.LabelEntropy != w.LabelEntropy {
				t.Errorf("%s row %d: %+v, want %+v", strategy, i, g, w)
			}
			mine[i].TrainSeconds, mine[i].ScoreSeconds, mine[i].SelectSeconds = w.TrainSeconds, w.ScoreSeconds, w.SelectSeconds
		}
		got, want = append(got, mine...), append(want, ref...)
	}
	var raced, run bytes.Buffer
	if err := curve.WriteCSV(&raced, got); err != nil {
		t.Fatal(err)
	}
	if err := curve.WriteCSV(&run, want); err != nil {
		t.Fatal(err)
	}
	if raced.String() != run.String() {
		t.Errorf("the race's curves.csv:\n%s\nalab run's:\n%s", raced.String(), run.String())
	}
}
