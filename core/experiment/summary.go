package experiment

import (
	"slices"
	"strconv"

	"alab/core/curve"

	"gonum.org/v1/gonum/stat"
)

// Thresholds are the test accuracies whose label cost the summary reports.
var Thresholds = []float64{0.90, 0.95, 0.98}

// Stat is a mean and a sample standard deviation over repeats (std 0 for one repeat). N = 0
// means no repeat contributed (a threshold never reached): Mean and Std are then 0.
type Stat struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	N    int     `json:"n"` // how many repeats contributed
}

func statOf(xs []float64) Stat {
	switch len(xs) {
	case 0:
		return Stat{}
	case 1:
		return Stat{Mean: xs[0], N: 1}
	}
	m, s := stat.MeanStdDev(xs, nil)
	return Stat{Mean: m, Std: s, N: len(xs)}
}

// Summary describes the runs of one strategy at one batch size.
type Summary struct {
	Strategy  string `json:"strategy"`
	BatchSize int    `json:"batch_size"`
	Repeats   int    `json:"repeats"`
	// LabelsToReach maps a threshold ("0.95") to the labels needed to first reach that test
	// accuracy, over the repeats that reached it (N says how many did).
	LabelsToReach map[string]Stat `json:"labels_to_reach"`
	// AUC is the area under the accuracy-vs-labels curve divided by the span of labels: the
	// mean accuracy over the run, comparable between runs of the same span.
	AUC           Stat `json:"auc"`
	FinalAccuracy Stat `json:"final_accuracy"`
	FinalLabelled int  `json:"final_labelled"`
}

// runCurve is one run's learning curve.
type runCurve struct {
	labelled []int
	acc      []float64
}

// Summarize groups rows by strategy and batch size (in the order first seen) and summarises
// each group over its repeats.
func Summarize(rows []curve.Row) []Summary {
	type key struct {
		strategy string
		batch    int
	}
	var keys []key
	curves := map[key]map[int]*runCurve{}
	for _, r := range rows {
		k := key{r.Strategy, r.BatchSize}
		if curves[k] == nil {
			curves[k] = map[int]*runCurve{}
			keys = append(keys, k)
		}
		c := curves[k][r.Repeat]
		if c == nil {
			c = &runCurve{}
			curves[k][r.Repeat] = c
		}
		c.labelled = append(c.labelled, r.Labelled)
		c.acc = append(c.acc, r.TestAccuracy)
	}
	var out []Summary
	for _, k := range keys {
		s := Summary{Strategy: k.strategy, BatchSize: k.batch, Repeats: len(curves[k]), LabelsToReach: map[string]Stat{}}
		reps := make([]int, 0, len(curves[k]))
		for r := range curves[k] {
			reps = append(reps, r)
		}
		slices.Sort(reps)
		var aucs, finals []float64
		for _, th := range Thresholds {
			var need []float64
			for _, r := range reps {
				if n, ok := curves[k][r].labelsToReach(th); ok {
					need = append(need, float64(n))
				}
			}
			s.LabelsToReach[strconv.FormatFloat(th, 'f', 2, 64)] = statOf(need)
		}
		for _, r := range reps {
			c := curves[k][r]
			aucs = append(aucs, c.auc())
			finals = append(finals, c.acc[len(c.acc)-1])
			s.FinalLabelled = max(s.FinalLabelled, c.labelled[len(c.labelled)-1])
		}
		s.AUC, s.FinalAccuracy = statOf(aucs), statOf(finals)
		out = append(out, s)
	}
	return out
}

// labelsToReach returns the first labelled count whose accuracy is at least th.
func (c *runCurve) labelsToReach(th float64) (int, bool) {
	for i, a := range c.acc {
		if a >= th {
			return c.labelled[i], true
		}
	}
	return 0, false
}

// auc is the trapezoidal area under accuracy vs labelled, over the span of labels; a
// one-point curve's is its accuracy.
func (c *runCurve) auc() float64 {
	if len(c.acc) == 1 {
		return c.acc[0]
	}
	var area float64
	for i := 1; i < len(c.acc); i++ {
		area += float64(c.labelled[i]-c.labelled[i-1]) * (c.acc[i] + c.acc[i-1]) / 2
	}
	return area / float64(c.labelled[len(c.labelled)-1]-c.labelled[0])
}

// AccuracyAt returns, per (strategy, batch size) in order first seen, the accuracy of each
// repeat at exactly the given labelled count, summarised (N = 0 if no repeat has that point).
func AccuracyAt(rows []curve.Row, labelled int) map[string]Stat {
	acc := map[string][]float64{}
	for _, r := range rows {
		if r.Labelled == labelled {
			k := r.Strategy + "/" + strconv.Itoa(r.BatchSize)
			acc[k] = append(acc[k], r.TestAccuracy)
		}
	}
	out := map[string]Stat{}
	for k, v := range acc {
		out[k] = statOf(v)
	}
	return out
}
