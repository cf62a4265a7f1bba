package query

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Labelled samples in one blob, candidates in that blob and a second one: DAL picks from
// the second. (It is large enough that it stays unlabelled-looking as picks move out of it.)
func TestDALPicksTheUnlabelledRegion(t *testing.T) {
	for seed := range uint64(2) {
		r := rand.New(rand.NewPCG(seed, 4))
		lab := h6Blob(r, 200, 4, 0, 1)
		emb := append(h6Blob(r, 200, 4, 0, 1), h6Blob(r, 100, 4, 3, 0.5)...) // rows 200–299 apart
		picks, err := newDAL(Options{DALSubBatches: 5}).Select(h6Cands(emb, lab, seed), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range picks {
			if p.ID < 300 {
				t.Errorf("seed %d: picked %d from the labelled blob; picks %v", seed, p.ID, h6IDs(picks))
			}
			if !(p.Score > 0.5 && p.Score <= 1) {
				t.Errorf("seed %d: pick %d: P(unlabelled) = %v, want in (0.5, 1]", seed, p.ID, p.Score)
			}
		}
	}
}

// Two small far clusters B and C of candidates: once the first sub-batch's picks have
// moved to the labelled side, their cluster looks labelled and the second sub-batch goes
// elsewhere, so both clusters are picked from.
func TestDALSubBatchesSpread(t *testing.T) {
	for seed := range uint64(3) {
		r := rand.New(rand.NewPCG(seed, 1))
		lab := h6Blob(r, 100, 8, 0, 1)
		emb := append(h6Blob(r, 300, 8, 0, 1), h6Blob(r, 10, 8, 4, 0.3)...) // B: rows 300–309
		emb = append(emb, h6Blob(r, 10, 8, -4, 0.3)...)                     // C: rows 310–319
		picks, err := newDAL(Options{DALSubBatches: 2}).Select(h6Cands(emb, lab, seed), 10)
		if err != nil {
			t.Fatal(err)
		}
		var b, c int
		for _, p := range picks {
			switch {
			case p.ID >= 410:
				c++
			case p.ID >= 400:
				b++
			}
		}
		if b == 0 || c == 0 {
			t.Errorf("seed %d: %d picks from B and %d from C, want both; picks %v", seed, b, c, h6IDs(picks))
		}
	}
}

func TestDALEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	emb, lab := h6Blob(r, 10, 4, 0, 1), h6Blob(r, 3, 4, 0, 1)
	nan := h6Blob(r, 10, 4, 0, 1)
	nan[6][0] = float32(math.NaN())
	for _, tc := range []struct {
		name     string
		emb, lab [][]float32
		subs     int
		k, want  int
		err      string
	}{
		{"k=0", emb, lab, 0, 0, 0, ""},
		{"k>pool", emb, lab, 0, 25, 10, ""},
		{"k<sub-batches", emb, lab, 0, 3, 3, ""},
		{"one sub-batch", emb, lab, 1, 4, 4, ""},
		{"empty pool", nil, lab, 0, 5, 0, ""},
		{"k<0", emb, lab, 0, -1, 0, "invalid batch size -1"},
		{"negative sub-batches", emb, lab, -2, 1, 0, "invalid DALSubBatches -2"},
		{"empty labelled set", emb, nil, 0, 2, 0, "labelled set is empty"},
		{"NaN candidate", nan, lab, 0, 2, 0, "sample 106 holds NaN"},
		{"NaN labelled", emb, nan, 0, 2, 0, "labelled embedding 6 holds NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h6Cands(tc.emb, tc.lab, 1)
			h6Select(t, newDAL(Options{DALSubBatches: tc.subs}), c, tc.k, tc.err, tc.want)
		})
	}
}

func TestDALDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	emb, lab := h6Blob(r, 200, 8, 0, 1), h6Blob(r, 50, 8, 0.5, 1)
	pick := func() []Pick {
		picks, err := newDAL(Options{DALSubBatches: 3}).Select(h6Cands(emb, lab, 42), 9)
		if err != nil {
			t.Fatal(err)
		}
		return picks
	}
	if a, b := pick(), pick(); !slices.EqualFunc(a, b, func(p, q Pick) bool { return p.ID == q.ID && p.Score == q.Score }) {
		t.Errorf("same seed, different picks:\n%v\n%v", a, b)
	}
}

func BenchmarkDAL(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	c := &Candidates{Emb: h6ReLUEmb(r, 10000, 128), LabelledEmb: h6ReLUEmb(r, 1000, 128)}
	for i := range c.Emb.N {
		c.IDs = append(c.IDs, i)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Rand = rand.New(rand.NewPCG(1, 2))
		if _, err := newDAL(Options{}).Select(c, 100); err != nil {
			b.Fatal(err)
		}
	}
}
