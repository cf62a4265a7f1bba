package query

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// h4RandomMC returns T softmax passes over N samples: each sample has its own logits, scaled
// so that some samples are confident and some not, and each pass adds its own noise (the
// spread that dropout gives).
func h4RandomMC(n, t, c int, seed uint64) MCProbs {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := MCProbs{T: t, N: n, C: c, P: make([]float32, t*n*c)}
	base := make([]float64, n*c)
	spread := make([]float64, n)
	for i := range n {
		scale := 4 * rng.Float64()
		for j := range c {
			base[i*c+j] = scale * rng.NormFloat64()
		}
		spread[i] = 2 * rng.Float64()
	}
	logits := make([]float64, c)
	for p := range t {
		for i := range n {
			mx := math.Inf(-1)
			for j := range c {
				logits[j] = base[i*c+j] + spread[i]*rng.NormFloat64()
				mx = max(mx, logits[j])
			}
			sum := 0.0
			for j := range c {
				logits[j] = math.Exp(logits[j] - mx)
				sum += logits[j]
			}
			for j := range c {
				m.P[(p*n+i)*c+j] = float32(logits[j] / sum)
			}
		}
	}
	return m
}

// h4ClusteredMC returns T softmax passes over N samples that fall into a few clusters: the
// samples of a cluster share its logits in every pass, up to a little noise of their own, so
// they are near copies of each other, as similar images are under one set of dropout masks.
func h4ClusteredMC(n, t, c, clusters int, seed uint64) MCProbs {
	proto := h4RandomMC(clusters, t, c, seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	m := MCProbs{T: t, N: n, C: c, P: make([]float32, t*n*c)}
	of := make([]int, n)
	for i := range of {
		of[i] = rng.IntN(clusters)
	}
	for p := range t {
		for i := range n {
			row := m.Pass(p).Row(i)
			sum := 0.0
			for j, v := range proto.Pass(p).Row(of[i]) {
				x := float64(v) * math.Exp(0.05*rng.NormFloat64())
				row[j] = float32(x)
				sum += x
			}
			for j := range row {
				row[j] = float32(float64(row[j]) / sum)
			}
		}
	}
	return m
}

// h4Candidates wraps MC passes (and their first pass as deterministic probabilities, and a
// random embedding) as candidates with IDs 100, 101, …, so that IDs and positions differ.
func h4Candidates(m MCProbs, seed uint64) *Candidates {
	c := &Candidates{IDs: make([]int, m.N), MC: m, Rand: rand.New(rand.NewPCG(seed, 2))}
	for i := range c.IDs {
		c.IDs[i] = 100 + i
	}
	if m.T > 0 {
		c.Probs = m.Pass(0)
	} else {
		c.Probs = Probs{N: m.N, C: m.C, P: make([]float32, m.N*m.C)}
	}
	c.Emb = Matrix{N: m.N, D: 4, Data: make([]float32, m.N*4)}
	for i := range c.Emb.Data {
		c.Emb.Data[i] = float32(c.Rand.NormFloat64())
	}
	return c
}

// h4IDs returns the IDs of picks.
func h4IDs(picks []Pick) []int {
	ids := make([]int, len(picks))
	for i, p := range picks {
		ids[i] = p.ID
	}
	return ids
}

// h4Strategies are the strategies this file covers, built through New.
var h4Strategies = []string{"random", "least-confidence", "margin", "entropy", "mc-least-confidence",
	"mc-entropy", "bald", "var-ratios", "mean-std", "egl", "power-bald", "batchbald"}

func h4New(t testing.TB, name string) Strategy {
	t.Helper()
	s, err := New(name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStrategyEdgeCases(t *testing.T) {
	for _, name := range h4Strategies {
		t.Run(name, func(t *testing.T) {
			s := h4New(t, name)
			n := 7
			for _, tc := range []struct {
				name  string
				n, k  int
				picks int
			}{
				{"k=0", n, 0, 0},
				{"k=1", n, 1, 1},
				{"k=3", n, 3, 3},
				{"k=pool", n, n, n},
				{"k>pool", n, n + 5, n},
				{"empty pool", 0, 3, 0},
				{"empty pool k=0", 0, 0, 0},
			} {
				c := h4Candidates(h4RandomMC(tc.n, 5, 3, 7), 7)
				picks, err := s.Select(c, tc.k)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if picks == nil || len(picks) != tc.picks {
					t.Fatalf("%s: %d picks (nil %t), want %d", tc.name, len(picks), picks == nil, tc.picks)
				}
				ids := h4IDs(picks)
				slices.Sort(ids)
				if len(slices.Compact(ids)) != len(picks) {
					t.Errorf("%s: repeated IDs in %v", tc.name, h4IDs(picks))
				}
				for _, id := range ids {
					if id < 100 || id >= 100+tc.n {
						t.Errorf("%s: ID %d is not a candidate", tc.name, id)
					}
				}
			}
			_, err := s.Select(h4Candidates(h4RandomMC(n, 5, 3, 7), 7), -1)
			if err == nil || !strings.Contains(err.Error(), "invalid batch size -1") {
				t.Errorf("k = -1: error %v, want invalid batch size", err)
			}
		})
	}
}

func TestStrategyNaN(t *testing.T) {
	for _, name := range h4Strategies {
		if name == "random" {
			continue // reads no probabilities
		}
		t.Run(name, func(t *testing.T) {
			m := h4RandomMC(6, 5, 3, 3)
			c := h4Candidates(m, 3)
			m.P[(2*m.N+4)*m.C+1] = float32(math.NaN()) // pass 2, sample 4 (ID 104)
			c.Probs.P[4*m.C+1] = float32(math.NaN())   // and the deterministic pass
			_, err := h4New(t, name).Select(c, 2)
			if err == nil || !strings.Contains(err.Error(), "sample 104 is NaN") {
				t.Errorf("error %v, want one naming sample 104 as NaN", err)
			}
		})
	}
}

// TestStrategyMissingInputs: a strategy whose declared input is not filled in reports it.
func TestStrategyMissingInputs(t *testing.T) {
	for _, name := range h4Strategies {
		s := h4New(t, name)
		c := h4Candidates(h4RandomMC(6, 5, 3, 3), 3)
		need := s.Needs()
		if need.Probs {
			c.Probs = Probs{}
		}
		if need.MC {
			c.MC = MCProbs{}
		}
		if need.Embeddings {
			c.Emb = Matrix{}
		}
		if name == "random" || name == "power-bald" {
			c.Rand = nil
		}
		if _, err := s.Select(c, 2); err == nil || !strings.HasPrefix(err.Error(), "query: ") {
			t.Errorf("%s without its inputs: error %v", name, err)
		}
	}
}

// TestTopKKnownPick: a pool whose most informative sample is known for each score.
func TestTopKKnownPick(t *testing.T) {
	confident := [][]float32{{0.98, 0.01, 0.01}, {0.97, 0.02, 0.01}, {0.98, 0.01, 0.01}}
	unsure := [][]float32{{0.4, 0.35, 0.25}, {0.4, 0.35, 0.25}, {0.4, 0.35, 0.25}} // agrees, uncertain
	split := [][]float32{{0.9, 0.05, 0.05}, {0.05, 0.9, 0.05}, {0.05, 0.05, 0.9}}  // disagrees
	c := h4Candidates(h4MC(confident, unsure, split, confident), 1)
	c.Probs = h4Probs(confident[0], unsure[0], split[0], confident[0])
	for name, want := range map[string][]int{
		"least-confidence":    {101, 102},
		"margin":              {101, 102},
		"entropy":             {101, 102},
		"mc-least-confidence": {102, 101}, // the mean of split is uniform
		"mc-entropy":          {102, 101},
		"bald":                {102, 100}, // 100's passes differ a little; 101's agree
		"var-ratios":          {102, 100}, // 101 and the confident ones all agree: tie at 0
		"mean-std":            {102, 100},
	} {
		picks, err := h4New(t, name).Select(c, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := h4IDs(picks); !slices.Equal(got, want) {
			t.Errorf("%s picked %v, want %v", name, got, want)
		}
	}
}

// TestTiesByPosition: equal scores go to the candidate that comes first.
func TestTiesByPosition(t *testing.T) {
	row := []float32{0.2, 0.3, 0.5}
	sure := []float32{1, 0, 0}
	m := h4MC([][]float32{sure, sure}, [][]float32{row, sure}, [][]float32{sure, sure}, [][]float32{row, sure}, [][]float32{row, sure})
	c := h4Candidates(m, 1)
	c.Probs = h4Probs(sure, row, sure, row, row)
	c.Emb = Matrix{N: 5, D: 1, Data: []float32{1, 1, 1, 1, 1}}
	for _, name := range []string{"least-confidence", "margin", "entropy", "mc-least-confidence", "mc-entropy",
		"bald", "var-ratios", "mean-std", "egl", "batchbald"} {
		picks, err := h4New(t, name).Select(c, 4)
		if err != nil {
			t.Fatal(err)
		}
		if got := h4IDs(picks)[:3]; !slices.Equal(got, []int{101, 103, 104}) {
			t.Errorf("%s picked %v first, want [101 103 104]", name, got)
		}
	}
}

func TestRandom(t *testing.T) {
	m := h4RandomMC(50, 2, 3, 1)
	pick := func(seed uint64) []int {
		c := h4Candidates(m, seed)
		picks, err := h4New(t, "random").Select(c, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range picks {
			if p.Score != 0 {
				t.Errorf("random score %g, want 0", p.Score)
			}
		}
		return h4IDs(picks)
	}
	a, b, other := pick(5), pick(5), pick(6)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different picks: %v and %v", a, b)
	}
	if slices.Equal(a, other) {
		t.Errorf("seeds 5 and 6 picked the same %v", a)
	}

	// Uniform: over many draws of 1 from 5, each candidate comes up about a fifth of the time.
	c := h4Candidates(h4RandomMC(5, 1, 2, 1), 9)
	counts := make(map[int]int)
	const draws = 5000
	for range draws {
		picks, err := h4New(t, "random").Select(c, 1)
		if err != nil {
			t.Fatal(err)
		}
		counts[picks[0].ID]++
	}
	for id := 100; id < 105; id++ {
		if n := counts[id]; n < draws/5-150 || n > draws/5+150 { // ±5σ
			t.Errorf("ID %d drawn %d times of %d, want about %d", id, n, draws, draws/5)
		}
	}
}

func TestPowerBALD(t *testing.T) {
	m := h4RandomMC(40, 8, 4, 11)
	bald, err := h4New(t, "bald").Select(h4Candidates(m, 1), 10)
	if err != nil {
		t.Fatal(err)
	}
	run := func(o Options, seed uint64) []Pick {
		s, err := New("power-bald", o)
		if err != nil {
			t.Fatal(err)
		}
		picks, err := s.Select(h4Candidates(m, seed), 10)
		if err != nil {
			t.Fatal(err)
		}
		return picks
	}

	a, b := run(Options{}, 3), run(Options{}, 3)
	if !slices.Equal(h4IDs(a), h4IDs(b)) {
		t.Errorf("same seed, different picks: %v and %v", h4IDs(a), h4IDs(b))
	}
	if slices.Equal(h4IDs(a), h4IDs(run(Options{}, 4))) {
		t.Errorf("seeds 3 and 4 picked the same %v", h4IDs(a))
	}
	if slices.Equal(h4IDs(a), h4IDs(bald)) {
		t.Errorf("β = 1 picked exactly the top-k BALD batch %v; expected some randomness", h4IDs(a))
	}
	// Scores are BALD scores.
	scores := make([]float64, m.N)
	BALDTo(scores, m)
	for _, p := range a {
		if p.Score != scores[p.ID-100] {
			t.Errorf("ID %d: score %g, want its BALD %g", p.ID, p.Score, scores[p.ID-100])
		}
	}
	// A huge β makes the power distribution a point mass on the top scores.
	if got := run(Options{Beta: 1e6}, 3); !slices.Equal(h4IDs(got), h4IDs(bald)) {
		t.Errorf("β = 1e6 picked %v, want top-k BALD %v", h4IDs(got), h4IDs(bald))
	}
	// A negative β is rejected, by New (which validates the options) and by Select.
	if _, err := New("power-bald", Options{Beta: -1}); err == nil || !strings.Contains(err.Error(), "invalid Beta -1") {
		t.Errorf("New with β = −1: error %v", err)
	}
	if _, err := newPowerBALD(Options{Beta: -1}).Select(h4Candidates(m, 1), 3); err == nil || !strings.Contains(err.Error(), "invalid Beta -1") {
		t.Errorf("Select with β = −1: error %v", err)
	}
}

// TestPowerBALDZeroScores: zero-score candidates come only after every positive one, in order.
func TestPowerBALDZeroScores(t *testing.T) {
	sure := []float32{1, 0}
	split := [][]float32{{1, 0}, {0, 1}}
	c := h4Candidates(h4MC([][]float32{sure, sure}, split, [][]float32{sure, sure}, split, [][]float32{sure, sure}), 1)
	picks, err := h4New(t, "power-bald").Select(c, 5)
	if err != nil {
		t.Fatal(err)
	}
	got := h4IDs(picks)
	slices.Sort(got[:2])
	if want := []int{101, 103, 100, 102, 104}; !slices.Equal(got, want) {
		t.Errorf("picked %v, want %v (positives in any order, then zeros in order)", h4IDs(picks), want)
	}
}

// TestPowerBALDProportional: with β = 1 and k = 1, sample i is drawn with probability
// s_i/Σs.
func TestPowerBALDProportional(t *testing.T) {
	m := h4MC(
		[][]float32{{1, 0}, {0, 1}},         // log 2
		[][]float32{{0.9, 0.1}, {0.1, 0.9}}, // log 2 − H(0.9)
		[][]float32{{0.7, 0.3}, {0.3, 0.7}},
	)
	s := make([]float64, 3)
	BALDTo(s, m)
	c := h4Candidates(m, 1)
	counts := make([]int, 3)
	const draws = 20000
	for range draws {
		p, err := h4New(t, "power-bald").Select(c, 1)
		if err != nil {
			t.Fatal(err)
		}
		counts[p[0].ID-100]++
	}
	total := s[0] + s[1] + s[2]
	for i := range counts {
		want := draws * s[i] / total
		if sd := math.Sqrt(want); math.Abs(float64(counts[i])-want) > 5*sd {
			t.Errorf("sample %d drawn %d times, want %.0f ± %.0f", i, counts[i], want, 5*sd)
		}
	}
}

// TestEGLMatchesFormula checks egl's closed form against the definition
// Σ_y p_y·‖p − e_y‖²·(‖h‖² + 1), and that against central differences of the output layer's
// loss in h4GradCheck.
func TestEGLMatchesFormula(t *testing.T) {
	m := h4RandomMC(30, 1, 5, 2)
	c := h4Candidates(m, 2)
	picks, err := h4New(t, "egl").Select(c, 30)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 30)
	for i := range want {
		p, h := c.Probs.Row(i), c.Emb.Row(i)
		hh := 1.0
		for _, v := range h {
			hh += float64(v) * float64(v)
		}
		for y := range p {
			d := 0.0
			for cl, v := range p {
				e := float64(v)
				if cl == y {
					e--
				}
				d += e * e
			}
			want[i] += float64(p[y]) * d * hh
		}
	}
	for _, p := range picks {
		if w := want[p.ID-100]; math.Abs(p.Score-w) > 1e-12*max(1, w) {
			t.Errorf("ID %d: EGL %g, want %g", p.ID, p.Score, w)
		}
	}
	for j := 1; j < len(picks); j++ {
		if picks[j].Score > picks[j-1].Score {
			t.Fatalf("picks not in decreasing score order at %d", j)
		}
	}
}

// TestEGLGradient: ‖∇_{W,b} L(x, y)‖² of a softmax output layer z = W·h + b equals
// ‖p − e_y‖²·(‖h‖² + 1), by central differences.
func TestEGLGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const C, D = 4, 3
	w := make([]float64, C*D+C) // W (C×D) then b (C)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	h := []float64{0.5, -1.2, 2}
	probs := func(w []float64) []float64 {
		z := make([]float64, C)
		for c := range C {
			z[c] = w[C*D+c]
			for d := range D {
				z[c] += w[c*D+d] * h[d]
			}
		}
		mx := slices.Max(z)
		s := 0.0
		for c := range z {
			z[c] = math.Exp(z[c] - mx)
			s += z[c]
		}
		for c := range z {
			z[c] /= s
		}
		return z
	}
	p := probs(w)
	const step = 1e-6
	for y := range C {
		norm2 := 0.0
		for i := range w {
			plus, minus := slices.Clone(w), slices.Clone(w)
			plus[i] += step
			minus[i] -= step
			g := (-math.Log(probs(plus)[y]) + math.Log(probs(minus)[y])) / (2 * step)
			norm2 += g * g
		}
		d := 0.0
		for c := range C {
			e := p[c]
			if c == y {
				e--
			}
			d += e * e
		}
		want := d * (1 + h[0]*h[0] + h[1]*h[1] + h[2]*h[2])
		if math.Abs(norm2-want) > 1e-6*want {
			t.Errorf("y = %d: ‖∇L‖² = %.10g by differences, formula %.10g", y, norm2, want)
		}
	}
}

func TestNewUnknown(t *testing.T) {
	_, err := New("x", Options{})
	want := `query: unknown strategy "x": want one of ` + strings.Join(Names(), ", ")
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	for _, name := range Names() {
		if _, err := New(name, Options{}); err != nil {
			t.Errorf("New(%q): %v", name, err)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{}, ""},
		{Options{Beta: 2, DALSubBatches: 5, MaxIter: 3, Overshoot: 0.1, FGSMStep: 0.05}, ""},
		{Options{Beta: -1}, "query: invalid Beta -1: want a finite value ≥ 0 (0 means 1)"},
		{Options{Beta: math.NaN()}, "query: invalid Beta NaN"},
		{Options{Beta: math.Inf(1)}, "query: invalid Beta +Inf"},
		{Options{DALSubBatches: -2}, "query: invalid DALSubBatches -2: want 0 to 1000 (0 means 10)"},
		{Options{DALSubBatches: 1 << 40}, "query: invalid DALSubBatches 1099511627776: want 0 to 1000"},
		{Options{MaxIter: -1}, "adversarial: invalid max iterations -1: want 0 to 10000"},
		{Options{Overshoot: -0.5}, "query: invalid Overshoot -0.5: want a finite value ≥ 0 (0 means 0.02)"},
		{Options{FGSMStep: -0.01}, "query: invalid FGSMStep -0.01: want a finite value ≥ 0 (0 means 0.01)"},
	} {
		err := tc.o.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.o, err)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want %s", tc.o, err, tc.want)
		}
	}
}

func ExampleNew() {
	s, err := New("bald", Options{})
	if err != nil {
		panic(err)
	}
	// Two candidates, two dropout passes: the passes agree on sample 7 and disagree on 9.
	c := &Candidates{
		IDs: []int{7, 9},
		MC: MCProbs{T: 2, N: 2, C: 2, P: []float32{
			0.9, 0.1, 0.2, 0.8, // pass 0: sample 7, sample 9
			0.9, 0.1, 0.8, 0.2, // pass 1
		}},
	}
	picks, err := s.Select(c, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("needs MC: %t; picked %d (BALD %.3f)\n", s.Needs().MC, picks[0].ID, picks[0].Score)
	// Output: needs MC: true; picked 9 (BALD 0.193)
}
