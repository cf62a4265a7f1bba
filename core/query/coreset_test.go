package query

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// h6Matrix packs rows into a Matrix.
func h6Matrix(rows [][]float32) Matrix {
	m := Matrix{N: len(rows)}
	if len(rows) > 0 {
		m.D = len(rows[0])
	}
	for _, r := range rows {
		m.Data = append(m.Data, r...)
	}
	return m
}

// h6Blob returns n points of dimension d drawn from N(centre, std²) in every coordinate.
func h6Blob(r *rand.Rand, n, d int, centre, std float64) [][]float32 {
	rows := make([][]float32, n)
	for i := range rows {
		rows[i] = make([]float32, d)
		for j := range rows[i] {
			rows[i][j] = float32(centre + std*r.NormFloat64())
		}
	}
	return rows
}

// h6Cands returns candidates with IDs 100, 101, … for the rows of emb.
func h6Cands(emb, labelled [][]float32, seed uint64) *Candidates {
	c := &Candidates{Emb: h6Matrix(emb), LabelledEmb: h6Matrix(labelled), Rand: rand.New(rand.NewPCG(seed, 0))}
	for i := range emb {
		c.IDs = append(c.IDs, 100+i)
	}
	return c
}

// h6IDs returns the IDs of picks.
func h6IDs(picks []Pick) []int {
	ids := make([]int, len(picks))
	for i, p := range picks {
		ids[i] = p.ID
	}
	return ids
}

// h6Distinct fails unless picks has n distinct IDs, all among c.IDs.
// h6Select runs s.Select(c, k): with wantErr set it must fail with an error containing it,
// else give want distinct picks (h6Distinct).
func h6Select(t *testing.T, s Strategy, c *Candidates, k int, wantErr string, want int) {
	t.Helper()
	picks, err := s.Select(c, k)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	h6Distinct(t, c, picks, want)
}

func h6Distinct(t *testing.T, c *Candidates, picks []Pick, n int) {
	t.Helper()
	if len(picks) != n {
		t.Fatalf("got %d picks, want %d", len(picks), n)
	}
	seen := map[int]bool{}
	for _, p := range picks {
		if seen[p.ID] || !slices.Contains(c.IDs, p.ID) {
			t.Fatalf("pick %d repeated or not a candidate: %v", p.ID, h6IDs(picks))
		}
		seen[p.ID] = true
	}
}

// h6SlowKCenter is the specification of coreset: greedy farthest-first traversal in
// float64, one centre at a time. first is the first pick when there are no labelled rows.
func h6SlowKCenter(emb, labelled [][]float32, k, first int) (picks []int, scores []float64) {
	dist := make([]float64, len(emb))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	add := func(centre []float32) {
		for i, x := range emb {
			var d float64
			for j := range x {
				e := float64(x[j]) - float64(centre[j])
				d += e * e
			}
			dist[i] = min(dist[i], d)
		}
	}
	for _, l := range labelled {
		add(l)
	}
	for len(picks) < k {
		next := first
		if len(picks) > 0 || len(labelled) > 0 {
			next = -1
			for i, d := range dist {
				if !slices.Contains(picks, i) && (next < 0 || d > dist[next]) {
					next = i
				}
			}
		}
		s := math.Sqrt(dist[next])
		if len(labelled) == 0 && len(picks) == 0 {
			s = 0
		}
		picks, scores = append(picks, next), append(scores, s)
		add(emb[next])
	}
	return picks, scores
}

func TestCoresetMatchesSlowGreedy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, l, d, k int }{
		{50, 5, 7, 10},
		{50, 0, 7, 10},
		{600, 300, 64, 20}, // several 256-row blocks; chunked over goroutines
		{600, 0, 64, 20},
	} {
		t.Run(fmt.Sprintf("n%d_l%d", tc.n, tc.l), func(t *testing.T) {
			emb, lab := h6Blob(r, tc.n, tc.d, 1, 1), h6Blob(r, tc.l, tc.d, 1, 1)
			for _, procs := range []int{1, 3} {
				old := runtime.GOMAXPROCS(procs)
				c := h6Cands(emb, lab, 7)
				first := rand.New(rand.NewPCG(7, 0)).IntN(tc.n) // coreset's first draw
				picks, err := newCoreset(Options{}).Select(c, tc.k)
				runtime.GOMAXPROCS(old)
				if err != nil {
					t.Fatal(err)
				}
				want, scores := h6SlowKCenter(emb, lab, tc.k, first)
				for j, p := range picks {
					if p.ID != 100+want[j] || math.Abs(p.Score-scores[j]) > 1e-4*(1+scores[j]) {
						t.Fatalf("GOMAXPROCS %d: pick %d is %d (score %g), want %d (score %g)", procs, j, p.ID, p.Score, 100+want[j], scores[j])
					}
				}
			}
		})
	}
}

func TestCoresetFarCluster(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	lab := h6Blob(r, 30, 8, 0, 1)
	emb := append(h6Blob(r, 40, 8, 0, 1), h6Blob(r, 3, 8, 10, 0.1)...) // rows 40–42 far away
	picks, err := newCoreset(Options{}).Select(h6Cands(emb, lab, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	if id := picks[0].ID; id < 140 {
		t.Errorf("first pick %d is in the labelled cluster, want one of 140–142", id)
	}

	// Two far clusters B and C of candidates: one pick from each, not two from the same.
	emb = append(h6Blob(r, 5, 8, 10, 0.1), h6Blob(r, 5, 8, -10, 0.1)...)
	picks, err = newCoreset(Options{}).Select(h6Cands(emb, lab, 1), 2)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := picks[0].ID < 105, picks[1].ID < 105; a == b {
		t.Errorf("picks %v come from the same cluster", h6IDs(picks))
	}
}

func TestCoresetEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	emb, lab := h6Blob(r, 10, 4, 0, 1), h6Blob(r, 3, 4, 0, 1)
	nan := h6Blob(r, 10, 4, 0, 1)
	nan[2][1] = float32(math.NaN())
	dup := [][]float32{{1, 1}, {1, 1}, {1, 1}, {1, 1}}
	for _, tc := range []struct {
		name     string
		emb, lab [][]float32
		k, want  int
		err      string
	}{
		{"k=0", emb, lab, 0, 0, ""},
		{"k>pool", emb, lab, 25, 10, ""},
		{"empty pool", nil, lab, 5, 0, ""},
		{"empty labelled", emb, nil, 4, 4, ""},
		{"duplicates of the labelled set", dup, dup[:1], 3, 3, ""},
		{"k<0", emb, lab, -1, 0, "invalid batch size -1"},
		{"NaN candidate", nan, lab, 2, 0, "sample 102 holds NaN"},
		{"NaN labelled", emb, nan, 2, 0, "labelled embedding 2 holds NaN"},
		{"dimensions differ", emb, dup, 2, 0, "LabelledEmb is 4×2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h6Cands(tc.emb, tc.lab, 1)
			h6Select(t, newCoreset(Options{}), c, tc.k, tc.err, tc.want)
		})
	}

	c := h6Cands(dup, dup[:1], 1)
	picks, _ := newCoreset(Options{}).Select(c, 3)
	if got := h6IDs(picks); !slices.Equal(got, []int{100, 101, 102}) {
		t.Errorf("ties: picks %v, want the earliest candidates [100 101 102]", got)
	}
	c = h6Cands(emb, nil, 1)
	c.Rand = nil
	if _, err := newCoreset(Options{}).Select(c, 2); err == nil {
		t.Error("no error without Rand and without a labelled set")
	}
}

func TestCoresetDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	emb := h6Blob(r, 200, 16, 0, 1)
	a, errA := newCoreset(Options{}).Select(h6Cands(emb, nil, 42), 20)
	b, errB := newCoreset(Options{}).Select(h6Cands(emb, nil, 42), 20)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !slices.EqualFunc(a, b, func(p, q Pick) bool { return p.ID == q.ID && p.Score == q.Score }) {
		t.Errorf("same seed, different picks:\n%v\n%v", a, b)
	}
}

// h6ReLUEmb returns n post-ReLU embeddings of dimension d, like the network's.
func h6ReLUEmb(r *rand.Rand, n, d int) Matrix {
	m := Matrix{N: n, D: d, Data: make([]float32, n*d)}
	for i := range m.Data {
		m.Data[i] = float32(max(r.NormFloat64(), 0))
	}
	return m
}

func BenchmarkCoreset(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	c := &Candidates{Emb: h6ReLUEmb(r, 10000, 128), LabelledEmb: h6ReLUEmb(r, 1000, 128)}
	for i := range c.Emb.N {
		c.IDs = append(c.IDs, i)
	}
	for _, k := range []int{100, 1000} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := newCoreset(Options{}).Select(c, k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
