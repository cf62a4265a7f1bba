package query

import (
	"math"
	"strings"
	"testing"
)

// h4Tol is the tolerance for scores computed from float32 probabilities: inputs such as
// 0.3 are rounded to float32 (relative error 6e-8) before the float64 arithmetic.
const h4Tol = 1e-6

// h4Probs builds a Probs from rows.
func h4Probs(rows ...[]float32) Probs {
	m := h6Matrix(rows)
	return Probs{N: m.N, C: m.D, P: m.Data}
}

// h4MC builds an MCProbs from samples[i][t] = the C probabilities of sample i in pass t.
func h4MC(samples ...[][]float32) MCProbs {
	m := MCProbs{N: len(samples)}
	if m.N == 0 {
		return m
	}
	m.T, m.C = len(samples[0]), len(samples[0][0])
	m.P = make([]float32, m.T*m.N*m.C)
	for i, passes := range samples {
		for t, row := range passes {
			copy(m.P[(t*m.N+i)*m.C:], row)
		}
	}
	return m
}

// h4Uniform returns a row of c equal probabilities.
func h4Uniform(c int) []float32 {
	r := make([]float32, c)
	for i := range r {
		r[i] = 1 / float32(c)
	}
	return r
}

func h4Close(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d scores, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.IsNaN(want[i]) != math.IsNaN(got[i]) || math.Abs(got[i]-want[i]) > tol {
			t.Errorf("%s[%d] = %.17g, want %.17g (±%g)", what, i, got[i], want[i], tol)
		}
	}
}

func TestProbScores(t *testing.T) {
	ln := math.Log
	nan := float32(math.NaN())
	p := h4Probs(
		h4Uniform(3),               // uniform: maximal
		[]float32{0, 1, 0},         // one-hot: 0 (margin −1)
		[]float32{0.5, 0.3, 0.2},   // hand-computed
		[]float32{0.2, 0.3, 0.5},   // same, classes permuted
		[]float32{0.45, 0.45, 0.1}, // tie at the top: margin 0
		[]float32{0.5, nan, 0.5},   // NaN propagates
		[]float32{nan, 0.5, 0.5},   // even first
		[]float32{0.25, 0.25, 0.5}, // second largest shared
	)
	nanF := math.NaN()
	for _, tc := range []struct {
		name string
		fn   func([]float64, Probs)
		want []float64
	}{
		{"LeastConfidenceTo", LeastConfidenceTo, []float64{2.0 / 3, 0, 0.5, 0.5, 0.55, nanF, nanF, 0.5}},
		{"MarginTo", MarginTo, []float64{0, -1, -0.2, -0.2, 0, nanF, nanF, -0.25}},
		{"EntropyTo", EntropyTo, []float64{ln(3), 0, 1.0296530140645737, 1.0296530140645737,
			-(0.9*ln(0.45) + 0.1*ln(0.1)), nanF, nanF, -(0.5*ln(0.25) + 0.5*ln(0.5))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]float64, p.N)
			tc.fn(got, p)
			h4Close(t, tc.name, got, tc.want, h4Tol)
		})
	}
}

func TestProbScoresOneClassAndEmpty(t *testing.T) {
	p := h4Probs([]float32{1}, []float32{1})
	for name, fn := range map[string]func([]float64, Probs){"lc": LeastConfidenceTo, "margin": MarginTo, "entropy": EntropyTo} {
		got := make([]float64, 2)
		fn(got, p)
		want := 0.0
		if name == "margin" {
			want = -1 // p₂ is taken as 0
		}
		h4Close(t, name, got, []float64{want, want}, 0)
		fn(nil, Probs{}) // no samples: nothing to do, no panic
	}
}

func TestMCScores(t *testing.T) {
	ln := math.Log
	nan := float32(math.NaN())
	m := h4MC(
		// all passes agree on a one-hot row: every score 0
		[][]float32{{0, 1, 0}, {0, 1, 0}, {0, 1, 0}, {0, 1, 0}},
		// all passes uniform: maximal least confidence and entropy, but no disagreement
		[][]float32{h4Uniform(3), h4Uniform(3), h4Uniform(3), h4Uniform(3)},
		// two classes, passes split 100 %/100 % opposite: BALD = log 2
		[][]float32{{1, 0, 0}, {0, 1, 0}, {1, 0, 0}, {0, 1, 0}},
		// hand-computed: p1 = (0.6, 0.3, 0.1), p2 = (0.2, 0.3, 0.5), mean (0.4, 0.3, 0.3)
		[][]float32{{0.6, 0.3, 0.1}, {0.2, 0.3, 0.5}, {0.6, 0.3, 0.1}, {0.2, 0.3, 0.5}},
		// three passes predict class 0, one class 2
		[][]float32{{0.7, 0.2, 0.1}, {0.5, 0.4, 0.1}, {0.4, 0.3, 0.3}, {0.1, 0.1, 0.8}},
		// NaN in one pass
		[][]float32{{0.5, 0.5, 0}, {nan, 0.5, 0}, {0.5, 0.5, 0}, {0.5, 0.5, 0}},
	)
	nanF := math.NaN()
	mean4 := []float64{0.425, 0.25, 0.325}
	ent := func(p []float64) float64 { return entropy(p) }
	bald4 := ent(mean4) - (ent([]float64{0.7, 0.2, 0.1})+ent([]float64{0.5, 0.4, 0.1})+ent([]float64{0.4, 0.3, 0.3})+ent([]float64{0.1, 0.1, 0.8}))/4
	std := func(xs ...float64) float64 {
		mu := 0.0
		for _, x := range xs {
			mu += x
		}
		mu /= float64(len(xs))
		s := 0.0
		for _, x := range xs {
			s += (x - mu) * (x - mu)
		}
		return math.Sqrt(s / float64(len(xs)))
	}
	meanStd4 := (std(0.7, 0.5, 0.4, 0.1) + std(0.2, 0.4, 0.3, 0.1) + std(0.1, 0.1, 0.3, 0.8)) / 3
	for _, tc := range []struct {
		name string
		fn   func([]float64, MCProbs)
		want []float64
	}{
		{"MCLeastConfidenceTo", MCLeastConfidenceTo, []float64{0, 2.0 / 3, 0.5, 0.6, 1 - 0.425, nanF}},
		{"MCEntropyTo", MCEntropyTo, []float64{0, ln(3), ln(2), 1.0888999753452238, ent(mean4), nanF}},
		{"BALDTo", BALDTo, []float64{0, 0, ln(2), 0.12510060588454708, bald4, nanF}},
		{"VarRatiosTo", VarRatiosTo, []float64{0, 0, 0.5, 0.5, 0.25, nanF}},
		{"MeanStdTo", MeanStdTo, []float64{0, 0, (0.5 + 0.5) / 3, (0.2 + 0 + 0.2) / 3, meanStd4, nanF}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]float64, m.N)
			tc.fn(got, m)
			h4Close(t, tc.name, got, tc.want, h4Tol)
		})
	}
}

// TestVarRatiosModeTies: the score depends on the largest count only, and a tie within a pass
// goes to the lowest class.
func TestVarRatiosModeTies(t *testing.T) {
	m := h4MC(
		// predictions 0, 0, 1, 1, 2: two classes share the mode count 2 → 1 − 2/5
		[][]float32{{0.8, 0.1, 0.1}, {0.6, 0.2, 0.2}, {0.1, 0.8, 0.1}, {0.2, 0.7, 0.1}, {0.1, 0.1, 0.8}},
		// every pass ties classes 0 and 1: all predict class 0 → 0
		[][]float32{{0.5, 0.5, 0}, {0.4, 0.4, 0.2}, {0.5, 0.5, 0}, {0.45, 0.45, 0.1}, {0.5, 0.5, 0}},
	)
	got := make([]float64, 2)
	VarRatiosTo(got, m)
	h4Close(t, "VarRatiosTo", got, []float64{0.6, 0}, 1e-15)
}

// TestBALDNeverNegative: agreeing passes whose mean rounds differently score 0 up to rounding,
// never below.
func TestBALDNeverNegative(t *testing.T) {
	row := []float32{0.1, 0.2, 0.3, 0.4}
	m := h4MC([][]float32{row, row, row, row, row, row, row})
	got := make([]float64, 1)
	BALDTo(got, m)
	if got[0] < 0 || got[0] > 1e-15 {
		t.Errorf("BALD of agreeing passes = %g, want 0 (≥ 0)", got[0])
	}
	MeanStdTo(got, m)
	if got[0] > 1e-15 {
		t.Errorf("MeanStd of agreeing passes = %g, want 0", got[0])
	}
}

func TestScoresPanicOnWrongDst(t *testing.T) {
	p := h4Probs(h4Uniform(3), h4Uniform(3))
	m := h4MC([][]float32{h4Uniform(3)}, [][]float32{h4Uniform(3)})
	for name, call := range map[string]func(){
		"LeastConfidenceTo":   func() { LeastConfidenceTo(make([]float64, 1), p) },
		"MarginTo":            func() { MarginTo(make([]float64, 3), p) },
		"EntropyTo":           func() { EntropyTo(nil, p) },
		"MCLeastConfidenceTo": func() { MCLeastConfidenceTo(make([]float64, 1), m) },
		"MCEntropyTo":         func() { MCEntropyTo(make([]float64, 1), m) },
		"BALDTo":              func() { BALDTo(make([]float64, 1), m) },
		"VarRatiosTo":         func() { VarRatiosTo(make([]float64, 1), m) },
		"MeanStdTo":           func() { MeanStdTo(make([]float64, 1), m) },
		"short Probs":         func() { EntropyTo(make([]float64, 2), Probs{N: 2, C: 3, P: p.P[:5]}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				if s, _ := r.(string); !strings.HasPrefix(s, "query: ") {
					t.Errorf("panic %v, want a message starting with query:", r)
				}
			}()
			call()
		})
	}
}

func BenchmarkBALD(b *testing.B) {
	m := h4RandomMC(10000, 20, 10, 1)
	dst := make([]float64, m.N)
	b.ReportAllocs()
	for b.Loop() {
		BALDTo(dst, m)
	}
}
