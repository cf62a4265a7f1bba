package query

import (
	"fmt"
	"math"
)

// Score functions turn model outputs into one number per sample, written to dst[i] for
// sample i. Higher always means more informative, so every strategy ranks the same way.
// Sums are kept in float64 whatever the input type.
//
// Each function panics if len(dst) differs from the number of samples N, or if the
// probability slice is not N×C (T×N×C for MCProbs): both are programmer errors. It does not
// check that the probabilities are valid: a NaN in a sample's row makes that sample's score
// NaN, which topPicks then rejects with an error naming the sample.

// checkDst panics unless dst has one element per sample and p holds n·per values.
func checkDst(fn string, dst []float64, n, per, got int) {
	if len(dst) != n {
		panic(fmt.Sprintf("query: %s: len(dst) = %d, want N = %d", fn, len(dst), n))
	}
	if n < 0 || per < 0 || got != n*per {
		panic(fmt.Sprintf("query: %s: %d probabilities, want %d×%d", fn, got, n, per))
	}
}

// LeastConfidenceTo writes the least-confidence score 1 − max_c p(c|x) of each sample to dst
// (Lewis & Gale 1994; the blog's "Uncertainty"). It is 0 for a one-hot row and 1 − 1/C for a
// uniform one.
func LeastConfidenceTo(dst []float64, p Probs) {
	checkDst("LeastConfidenceTo", dst, p.N, p.C, len(p.P))
	for i := range dst {
		dst[i] = 1 - maxProb(p.Row(i))
	}
}

// maxProb returns the largest value of row, or NaN if the row holds a NaN or is empty.
func maxProb[F float32 | float64](row []F) float64 {
	m := math.NaN()
	for j, v := range row {
		x := float64(v)
		if x != x {
			return x
		}
		if j == 0 || x > m {
			m = x
		}
	}
	return m
}

// MarginTo writes the negated margin −(p₁ − p₂) = p₂ − p₁ of each sample to dst, where p₁ and
// p₂ are its largest and second-largest class probabilities (Scheffer et al. 2001; modAL's
// margin sampling). The sign is flipped so that a small margin, an ambiguous sample, ranks
// high: the score lies in [−1, 0], −1 for a one-hot row and 0 for a tie at the top. With a
// single class, p₂ is taken as 0.
func MarginTo(dst []float64, p Probs) {
	checkDst("MarginTo", dst, p.N, p.C, len(p.P))
	for i := range dst {
		first, second := 0.0, 0.0
		for _, v := range p.Row(i) {
			x := float64(v)
			if x != x {
				first = x // NaN in, NaN out
				break
			}
			if x > first {
				first, second = x, first
			} else if x > second {
				second = x
			}
		}
		dst[i] = second - first
	}
}

// EntropyTo writes the predictive entropy −Σ_c p(c|x)·log p(c|x) of each sample to dst, in
// nats, with 0·log 0 = 0 (Shannon 1948; the blog's "Uncertainty entropy"). It is 0 for a
// one-hot row and log C for a uniform one.
func EntropyTo(dst []float64, p Probs) {
	checkDst("EntropyTo", dst, p.N, p.C, len(p.P))
	for i := range dst {
		dst[i] = entropy(p.Row(i))
	}
}

// entropy returns −Σ p·log p over row in float64. Zeros are skipped (0·log 0 = 0); NaN is
// not zero, so it propagates.
func entropy[F float32 | float64](row []F) float64 {
	h := 0.0
	for _, v := range row {
		if v != 0 {
			x := float64(v)
			h -= x * math.Log(x)
		}
	}
	return h
}

// checkMC panics unless dst has one element per sample and m is T×N×C.
func checkMC(fn string, dst []float64, m MCProbs) {
	if m.T < 0 {
		panic(fmt.Sprintf("query: %s: T = %d passes", fn, m.T))
	}
	checkDst(fn, dst, m.N, m.T*m.C, len(m.P))
}

// meanPassesTo writes the mean over the T passes of m to mean (N×C, row-major): the predictive
// distribution p(c|x) = (1/T)·Σ_t p_t(c|x) of MC dropout (Gal & Ghahramani 2016). Pass by
// pass, so the input is read in memory order. With T = 0 every mean is NaN.
func meanPassesTo(mean []float64, m MCProbs) {
	clear(mean)
	for t := range m.T {
		for j, v := range m.Pass(t).P {
			mean[j] += float64(v)
		}
	}
	inv := 1 / float64(m.T)
	for j := range mean {
		mean[j] *= inv
	}
}

// MCLeastConfidenceTo writes the least confidence 1 − max_c p(c|x) of the mean over the T
// dropout passes to dst: the blog's "Bayesian" strategy (Gal et al. 2017 with least
// confidence as the acquisition function).
func MCLeastConfidenceTo(dst []float64, m MCProbs) {
	checkMC("MCLeastConfidenceTo", dst, m)
	mean := make([]float64, m.N*m.C)
	meanPassesTo(mean, m)
	for i := range dst {
		dst[i] = 1 - maxProb(mean[i*m.C:(i+1)*m.C])
	}
}

// MCEntropyTo writes the entropy of the mean over the T dropout passes to dst (max entropy
// in Gal et al. 2017; the blog's "Bayesian entropy").
func MCEntropyTo(dst []float64, m MCProbs) {
	checkMC("MCEntropyTo", dst, m)
	mean := make([]float64, m.N*m.C)
	meanPassesTo(mean, m)
	for i := range dst {
		dst[i] = entropy(mean[i*m.C : (i+1)*m.C])
	}
}

// BALDTo writes the BALD score (Houlsby et al. 2011; Gal et al. 2017) to dst: the mutual
// information between a sample's label and the model parameters, estimated from the T
// dropout passes as baal does,
//
//	I(y; ω | x) ≈ H[(1/T)·Σ_t p_t(·|x)] − (1/T)·Σ_t H[p_t(·|x)],
//
// the entropy of the mean minus the mean entropy, in nats. It is 0 when every pass agrees and
// at most log C. Rounding can leave a few ulps either side of 0 when the passes agree; a
// negative difference is clamped to 0, as mutual information is never negative.
func BALDTo(dst []float64, m MCProbs) {
	checkMC("BALDTo", dst, m)
	mean := make([]float64, m.N*m.C)
	meanPassesTo(mean, m)
	clear(dst)
	for t := range m.T {
		pass := m.Pass(t)
		for i := range dst {
			dst[i] += entropy(pass.Row(i))
		}
	}
	inv := 1 / float64(m.T)
	for i := range dst {
		dst[i] = math.Max(0, entropy(mean[i*m.C:(i+1)*m.C])-dst[i]*inv) // Max keeps NaN
	}
}

// VarRatiosTo writes the variation ratio 1 − f_m/T to dst (Freeman 1965; Gal et al. 2017),
// where f_m is how many of the T dropout passes predict the modal class: each pass predicts
// its most probable class (the lowest class index on a tie within a pass), and f_m is the
// largest of those per-class counts, so which class is the mode does not matter when two
// classes share the largest count. It is 0 when every pass predicts the same class and at
// most 1 − 1/min(C, T).
func VarRatiosTo(dst []float64, m MCProbs) {
	checkMC("VarRatiosTo", dst, m)
	counts := make([]int32, m.N*m.C)
	nan := make([]bool, m.N)
	for t := range m.T {
		pass := m.Pass(t)
		for i := range dst {
			best, bestP := 0, float32(math.Inf(-1))
			for c, v := range pass.Row(i) {
				if v != v {
					nan[i] = true
				}
				if v > bestP {
					best, bestP = c, v
				}
			}
			counts[i*m.C+best]++
		}
	}
	for i := range dst {
		if nan[i] {
			dst[i] = math.NaN()
			continue
		}
		mode := int32(0)
		for _, n := range counts[i*m.C : (i+1)*m.C] {
			mode = max(mode, n)
		}
		dst[i] = 1 - float64(mode)/float64(m.T)
	}
}

// MeanStdTo writes the mean standard deviation (Kampffmeyer et al. 2016) to dst: for each
// class c the standard deviation over the T passes of p_t(c|x), σ_c = √(E_t[p²] − E_t[p]²)
// (the population form, dividing by T), averaged over the C classes. It is computed in two
// passes, Σ_t (p_t − mean)², so it is exactly 0 when every pass agrees.
func MeanStdTo(dst []float64, m MCProbs) {
	checkMC("MeanStdTo", dst, m)
	mean := make([]float64, m.N*m.C)
	meanPassesTo(mean, m)
	sq := make([]float64, m.N*m.C)
	for t := range m.T {
		for j, v := range m.Pass(t).P {
			d := float64(v) - mean[j]
			sq[j] += d * d
		}
	}
	inv := 1 / float64(m.T)
	for i := range dst {
		s := 0.0
		for _, v := range sq[i*m.C : (i+1)*m.C] {
			s += math.Sqrt(v * inv)
		}
		dst[i] = s / float64(m.C)
	}
}
