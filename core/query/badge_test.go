package query

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// h6Probs returns n rows of C random class probabilities, each sharpened to a different
// degree so that the gradient norms spread.
func h6Probs(r *rand.Rand, n, C int) Probs {
	p := Probs{N: n, C: C, P: make([]float32, n*C)}
	for i := range n {
		row, sharp := p.Row(i), 5*r.Float64()
		var sum float64
		for j := range row {
			v := math.Exp(sharp * r.NormFloat64())
			row[j], sum = float32(v), sum+v
		}
		for j := range row {
			row[j] = float32(float64(row[j]) / sum)
		}
	}
	return p
}

// h6GradEmb materializes candidate i's gradient embedding (p − e_ŷ) ⊗ h, C·D values.
func h6GradEmb(c *Candidates, i int) []float64 {
	p, h := c.Probs.Row(i), c.Emb.Row(i)
	yhat := 0
	for j, v := range p {
		if v > p[yhat] {
			yhat = j
		}
	}
	g := make([]float64, 0, len(p)*len(h))
	for j, v := range p {
		u := float64(v)
		if j == yhat {
			u--
		}
		for _, x := range h {
			g = append(g, u*float64(x))
		}
	}
	return g
}

// h6SlowBADGE is the specification of badge: k-means++ seeding over materialized gradient
// embeddings, drawing with drawD2 (so the same c.Rand draws give the same picks).
func h6SlowBADGE(c *Candidates, k int) []Pick {
	n := len(c.IDs)
	g := make([][]float64, n)
	first, firstNorm := 0, -1.0
	for i := range g {
		g[i] = h6GradEmb(c, i)
		var s float64
		for _, v := range g[i] {
			s += v * v
		}
		if s > firstNorm {
			first, firstNorm = i, s
		}
	}
	picks := []Pick{{ID: c.IDs[first], Score: math.Sqrt(firstNorm)}}
	picked, d2 := make([]bool, n), make([]float64, n)
	picked[first] = true
	for len(picks) < k {
		for i := range d2 {
			d2[i] = math.Inf(1)
			for j, p := range picked {
				if !p || picked[i] {
					continue
				}
				var s float64
				for t := range g[i] {
					e := g[i][t] - g[j][t]
					s += e * e
				}
				d2[i] = min(d2[i], s)
			}
			if picked[i] {
				d2[i] = 0
			}
		}
		next := drawD2(c, d2, picked)
		picks = append(picks, Pick{ID: c.IDs[next], Score: d2[next]})
		picked[next] = true
	}
	return picks
}

func h6BADGECands(r *rand.Rand, n, C, D int, seed uint64) *Candidates {
	c := &Candidates{Probs: h6Probs(r, n, C), Emb: h6ReLUEmb(r, n, D), Rand: rand.New(rand.NewPCG(seed, 0))}
	for i := range n {
		c.IDs = append(c.IDs, 100+i)
	}
	return c
}

func TestBADGEMatchesSlow(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 3))
	for _, tc := range []struct{ n, C, D, k int }{{40, 3, 5, 8}, {300, 10, 128, 12}} {
		t.Run(fmt.Sprintf("n%d", tc.n), func(t *testing.T) {
			c := h6BADGECands(r, tc.n, tc.C, tc.D, 9)
			got, err := newBADGE(Options{}).Select(c, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			c.Rand = rand.New(rand.NewPCG(9, 0))
			want := h6SlowBADGE(c, tc.k)
			for j := range want {
				if got[j].ID != want[j].ID || math.Abs(got[j].Score-want[j].Score) > 1e-4*(1+want[j].Score) {
					t.Fatalf("pick %d is %+v, want %+v", j, got[j], want[j])
				}
			}
		})
	}
}

// Two copies of the candidate with the largest gradient and one other: the copy is taken
// first and the other second, never both copies.
func TestBADGEDiverse(t *testing.T) {
	for seed := range uint64(20) {
		c := &Candidates{
			IDs:   []int{7, 8, 9},
			Probs: Probs{N: 3, C: 2, P: []float32{0.5, 0.5, 0.6, 0.4, 0.5, 0.5}},
			Emb:   Matrix{N: 3, D: 2, Data: []float32{3, 4, 1, 1, 3, 4}},
			Rand:  rand.New(rand.NewPCG(seed, 0)),
		}
		picks, err := newBADGE(Options{}).Select(c, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := h6IDs(picks); !slices.Equal(got, []int{7, 8}) {
			t.Fatalf("seed %d: picks %v, want [7 8]", seed, got)
		}
		if want := 5 / math.Sqrt2; math.Abs(picks[0].Score-want) > 1e-12 { // ‖(−0.5, 0.5)‖·‖(3, 4)‖
			t.Errorf("first score %v, want ‖g‖ = %v", picks[0].Score, want)
		}
	}
}

func TestBADGEEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	ok := func() *Candidates { return h6BADGECands(r, 10, 3, 4, 1) }
	nanP, nanE := ok(), ok()
	nanP.Probs.P[3*3+1] = float32(math.NaN())
	nanE.Emb.Data[4*4] = float32(math.Inf(1))
	certain := ok() // every gradient is 0: picks drawn uniformly
	clear(certain.Probs.P)
	for i := range certain.Probs.N {
		certain.Probs.P[i*3+i%3] = 1
	}
	noRand := ok()
	noRand.Rand = nil
	for _, tc := range []struct {
		name    string
		c       *Candidates
		k, want int
		err     string
	}{
		{"k=0", ok(), 0, 0, ""},
		{"k>pool", ok(), 25, 10, ""},
		{"empty pool", &Candidates{}, 5, 0, ""},
		{"zero gradients", certain, 6, 6, ""},
		{"k<0", ok(), -1, 0, "invalid batch size -1"},
		{"NaN probability", nanP, 2, 0, "sample 103 hold NaN"},
		{"Inf embedding", nanE, 2, 0, "sample 104 holds +Inf"},
		{"missing probabilities", &Candidates{IDs: []int{1}, Emb: Matrix{N: 1, D: 1, Data: []float32{1}}}, 1, 0, "Probs is 0×0"},
		{"no Rand", noRand, 2, 0, "needs Candidates.Rand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h6Select(t, newBADGE(Options{}), tc.c, tc.k, tc.err, tc.want)
		})
	}
}

func TestBADGEDeterministic(t *testing.T) {
	pick := func() []int {
		c := h6BADGECands(rand.New(rand.NewPCG(4, 4)), 500, 10, 32, 11)
		picks, err := newBADGE(Options{}).Select(c, 30)
		if err != nil {
			t.Fatal(err)
		}
		return h6IDs(picks)
	}
	if a, b := pick(), pick(); !slices.Equal(a, b) {
		t.Errorf("same seed, different picks:\n%v\n%v", a, b)
	}
}

func BenchmarkBADGE(b *testing.B) {
	c := h6BADGECands(rand.New(rand.NewPCG(1, 1)), 10000, 10, 128, 1)
	for _, k := range []int{100, 1000} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := newBADGE(Options{}).Select(c, k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
