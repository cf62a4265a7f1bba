package query

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// h4JointEntropy is the specification of BatchBALD's joint entropy: enumerate every label
// configuration ŷ of the samples in set, P(ŷ) = (1/T)·Σ_t Π_j p_t(ŷ_j|x_j), H = −Σ P·log P.
func h4JointEntropy(m MCProbs, set []int) float64 {
	ys := make([]int, len(set))
	h := 0.0
	for {
		p := 0.0
		for t := range m.T {
			q := 1.0
			for j, i := range set {
				q *= float64(m.P[(t*m.N+i)*m.C+ys[j]])
			}
			p += q
		}
		p /= float64(m.T)
		if p > 0 {
			h -= p * math.Log(p)
		}
		// Next configuration, like an odometer.
		j := 0
		for ; j < len(ys); j++ {
			ys[j]++
			if ys[j] < m.C {
				break
			}
			ys[j] = 0
		}
		if j == len(ys) {
			return h
		}
	}
}

// h4BatchBALD is greedy BatchBALD by enumeration: positions and the a(x_1..x_n) of each step.
func h4BatchBALD(m MCProbs, k int) ([]int, []float64) {
	cond := make([]float64, m.N)
	for t := range m.T {
		for i := range m.N {
			cond[i] += entropy(m.Pass(t).Row(i)) / float64(m.T)
		}
	}
	var batch []int
	var scores []float64
	condSum := 0.0
	for range k {
		best, bestA := -1, math.Inf(-1)
		for i := range m.N {
			if slices.Contains(batch, i) {
				continue
			}
			a := h4JointEntropy(m, append(slices.Clone(batch), i)) - condSum - cond[i]
			if a > bestA+1e-12 { // a margin, so rounding does not reorder near-ties
				best, bestA = i, a
			}
		}
		batch = append(batch, best)
		scores = append(scores, bestA)
		condSum += cond[best]
	}
	return batch, scores
}

// TestBatchBALDExact: while the configurations stay within batchBALDConfigs, the greedy
// batch and its scores are those of the enumeration.
func TestBatchBALDExact(t *testing.T) {
	for _, tc := range []struct{ n, t, c, k int }{
		{8, 6, 3, 4},   // 27 configurations at the last step: exact throughout
		{12, 10, 2, 6}, // 32
		{10, 5, 10, 3}, // 100
		{5, 4, 3, 5},   // k = pool
	} {
		t.Run(fmt.Sprintf("N%d_T%d_C%d_k%d", tc.n, tc.t, tc.c, tc.k), func(t *testing.T) {
			m := h4RandomMC(tc.n, tc.t, tc.c, uint64(tc.n*tc.c))
			c := h4Candidates(m, 1)
			c.Rand = nil // the exact regime draws nothing
			picks, err := h4New(t, "batchbald").Select(c, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			want, scores := h4BatchBALD(m, tc.k)
			for j, p := range picks {
				if p.ID-100 != want[j] {
					t.Fatalf("picked %v, enumeration %v", h4IDs(picks), want)
				}
				// batchbald normalises each conditional distribution, the enumeration
				// does not: they differ by how far float32 rows are from summing to 1.
				if math.Abs(p.Score-scores[j]) > 1e-6 {
					t.Errorf("pick %d: score %.12g, enumeration %.12g", j, p.Score, scores[j])
				}
			}
		})
	}
}

// TestBatchBALDSampled: past batchBALDConfigs the joint entropy is an importance-sampled
// estimate; it stays close to the enumerated value.
func TestBatchBALDSampled(t *testing.T) {
	m := h4RandomMC(12, 20, 3, 5)
	c := h4Candidates(m, 5)
	b := newBatchBALDState(m)
	batch := []int{0, 1, 2, 3, 4, 5, 6} // 3^7 = 2187 configurations: sampled
	for n := 1; n <= len(batch); n++ {
		if err := b.condition(batch[:n], c); err != nil {
			t.Fatal(err)
		}
	}
	if !b.sampled {
		t.Fatal("a batch of 7 three-class labels did not switch to sampling")
	}
	worst := 0.0
	hB := h4JointEntropy(m, batch)
	for i := 7; i < m.N; i++ {
		got := b.gain(i) + b.cond[i] // H(y_i | y_B)
		want := h4JointEntropy(m, append(slices.Clone(batch), i)) - hB
		worst = max(worst, math.Abs(got-want))
	}
	if worst > 0.02 {
		t.Errorf("sampled H(y_i | y_B) off by %.3g nats, want ≤ 0.02", worst)
	}
	t.Logf("largest error of the sampled conditional entropy: %.2g nats", worst)

	// Through Select: deterministic given the Rand, and the sampled steps need one.
	run := func(seed uint64) []int {
		c := h4Candidates(m, seed)
		picks, err := h4New(t, "batchbald").Select(c, 9)
		if err != nil {
			t.Fatal(err)
		}
		return h4IDs(picks)
	}
	if a, b := run(3), run(3); !slices.Equal(a, b) {
		t.Errorf("same seed, different batches %v and %v", a, b)
	}
	c = h4Candidates(m, 3)
	c.Rand = nil
	if _, err := h4New(t, "batchbald").Select(c, 9); err == nil {
		t.Error("no error without Candidates.Rand past the exact regime")
	}
}

// TestBatchBALDFirstIsTopBALD: the first pick is top-k BALD's first.
func TestBatchBALDFirstIsTopBALD(t *testing.T) {
	for seed := range uint64(5) {
		m := h4RandomMC(200, 10, 10, seed)
		bald, err := h4New(t, "bald").Select(h4Candidates(m, seed), 1)
		if err != nil {
			t.Fatal(err)
		}
		bb, err := h4New(t, "batchbald").Select(h4Candidates(m, seed), 3)
		if err != nil {
			t.Fatal(err)
		}
		if bb[0].ID != bald[0].ID || bb[0].Score != bald[0].Score {
			t.Errorf("seed %d: BatchBALD's first pick %+v, top BALD %+v", seed, bb[0], bald[0])
		}
		if !(bb[1].Score >= bb[0].Score && bb[2].Score >= bb[1].Score) {
			t.Errorf("seed %d: the batch's mutual information decreased: %v", seed, bb)
		}
	}
}

// TestBatchBALDAvoidsDuplicates is the redundancy the blog's Batch Active Learning post is
// about: with two copies of the most informative sample, top-k BALD takes both; BatchBALD
// takes one copy, then a different informative sample, as the second copy's label adds
// nothing once the first is known.
func TestBatchBALDAvoidsDuplicates(t *testing.T) {
	split := [][]float32{{1, 0}, {0, 1}, {1, 0}, {0, 1}}                 // BALD log 2
	other := [][]float32{{0.9, 0.1}, {0.9, 0.1}, {0.1, 0.9}, {0.1, 0.9}} // log 2 − H(0.9, 0.1)
	sure := [][]float32{{0.8, 0.2}, {0.8, 0.2}, {0.8, 0.2}, {0.8, 0.2}}  // 0
	m := h4MC(sure, split, other, split, sure)
	bald, err := h4New(t, "bald").Select(h4Candidates(m, 1), 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := h4IDs(bald); !slices.Equal(got, []int{101, 103}) {
		t.Fatalf("top-k BALD picked %v, want both copies [101 103]", got)
	}
	bb, err := h4New(t, "batchbald").Select(h4Candidates(m, 1), 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := h4IDs(bb); !slices.Equal(got, []int{101, 102}) {
		t.Errorf("BatchBALD picked %v, want one copy and the other sample [101 102]", got)
	}
	// The other sample's information is independent of the copy's: the scores add.
	if want := 2*math.Log(2) - entropy([]float64{0.9, 0.1}); math.Abs(bb[1].Score-want) > 1e-6 {
		t.Errorf("a(copy, other) = %g, want %g", bb[1].Score, want)
	}
}

func BenchmarkBatchBALD(b *testing.B) {
	m := h4RandomMC(2000, 20, 10, 1)
	for _, k := range []int{10, 100} {
		b.Run(fmt.Sprintf("pool2000_T20_k%d", k), func(b *testing.B) {
			s := batchBALD{}
			c := h4Candidates(m, 1)
			b.ReportAllocs()
			for b.Loop() {
				c.Rand = rand.New(rand.NewPCG(1, 2))
				if _, err := s.Select(c, k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// h4JointMI estimates a(batch) = H(y_batch) − Σ E_ω[H(y_j | ω)] independently of batchbald:
// H(y_batch) = −E[log P(ŷ)] over draws ŷ ~ P, with P(ŷ) = (1/T)·Σ_t Π_j p_t(ŷ_j|x_j).
func h4JointMI(m MCProbs, batch []int, draws int, rng *rand.Rand) float64 {
	h := 0.0
	for d := range draws {
		t0 := d % m.T
		ys := make([]int, len(batch))
		for n, j := range batch {
			ys[n] = drawClass(m.Pass(t0).Row(j), rng.Float64())
		}
		logs := make([]float64, m.T)
		for t := range m.T {
			for n, j := range batch {
				logs[t] += math.Log(float64(m.Pass(t).Row(j)[ys[n]]))
			}
		}
		top := slices.Max(logs)
		p := 0.0
		for _, l := range logs {
			p += math.Exp(l - top)
		}
		h -= top + math.Log(p/float64(m.T))
	}
	h /= float64(draws)
	for _, j := range batch {
		for t := range m.T {
			h -= entropy(m.Pass(t).Row(j)) / float64(m.T)
		}
	}
	return h
}

// TestBatchBALDLazy: the lazy search picks what evaluating every candidate picks while the
// sum is exact. Once it is sampled, its batch's joint mutual information, estimated
// independently, is as high as the eager search's; on a pool of near copies both beat top-k
// BALD's by far, which takes several copies of the same few samples.
func TestBatchBALDLazy(t *testing.T) {
	// With T passes the mutual information is at most log T: keep k small against it.
	m := h4ClusteredMC(300, 40, 10, 30, 4)
	run := func(s Strategy, k int) []int {
		picks, err := s.Select(h4Candidates(m, 1), k)
		if err != nil {
			t.Fatal(err)
		}
		ids := h4IDs(picks)
		for n := range ids {
			ids[n] -= 100
		}
		return ids
	}
	if lazy, eager := run(batchBALD{}, 3), run(batchBALD{eager: true}, 3); !slices.Equal(lazy, eager) {
		t.Errorf("exact: lazy picked %v, eager %v", lazy, eager)
	}
	const k, draws = 8, 5000
	mi := func(s Strategy) float64 { return h4JointMI(m, run(s, k), draws, rand.New(rand.NewPCG(1, 1))) }
	lazy, eager, topK := mi(batchBALD{}), mi(batchBALD{eager: true}), mi(h4New(t, "bald"))
	t.Logf("a(batch) of k = %d: lazy %.4f, eager %.4f, top-k BALD %.4f", k, lazy, eager, topK)
	if lazy < eager-0.05 {
		t.Errorf("lazy batch's mutual information %.4f is below the eager one's %.4f", lazy, eager)
	}
	if lazy < topK+0.3 || eager < topK+0.3 {
		t.Errorf("BatchBALD's mutual information (lazy %.4f, eager %.4f) does not beat top-k BALD's %.4f by 0.3", lazy, eager, topK)
	}
}
