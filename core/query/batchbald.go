package query

import (
	"fmt"
	"math"
	"slices"
)

// batchBALDConfigs caps the label configurations ŷ of the batch that BatchBALD sums over:
// the exact sum while there are at most this many (batches of up to two picks for C = 10
// classes), a Monte-Carlo estimate over this many draws afterwards. Evaluating one candidate
// costs about batchBALDConfigs × T × C multiply-adds and batchBALDConfigs × C logarithms.
// The value is a budget for the browser: k = 100 from 2000 candidates with T = 20 takes
// about a second natively (BenchmarkBatchBALD), and the sampled conditional entropy is then
// within about 0.01 nats of the exact one (TestBatchBALDSampled).
const batchBALDConfigs = 200

// batchBALD is BatchBALD (Kirsch, van Amersfoort & Gal 2019): it grows the batch greedily,
// each step adding the candidate that maximises the joint mutual information between the
// batch's labels and the parameters,
//
//	a(x_1, …, x_n) = H(y_1, …, y_n) − Σ_i E_ω[H(y_i | x_i, ω)],
//
// so a sample whose information the batch already holds (a near copy of a pick) gains
// little, where top-k BALD would take both. The first pick is the top BALD candidate.
//
// The T Monte-Carlo passes stand for T parameter draws ω_1…ω_T, and the joint entropy needs
// them to be the same draws for every candidate: pass t must use one dropout mask set for
// every candidate (the loop runs each pass over all candidates with one mask draw). With
// masks drawn per candidate the estimate loses the correlations it measures.
//
// Adding candidate x to batch B gains a(B ∪ {x}) − a(B) = H(y_x | y_B) − E_ω[H(y_x | ω)], as
// the labels are independent given ω. With P(ŷ_B) = (1/T)·Σ_t Π_{j∈B} p_t(ŷ_j|x_j),
//
//	H(y_x | y_B) = Σ_ŷ P(ŷ)·H(q_ŷ),  q_ŷ(c) ∝ Σ_t P(ŷ | ω_t)·p_t(c|x),
//
// a (configurations × T)·(T × C) product per candidate. The sum over configurations ŷ is
//
//   - exact, over all C^|B| of them (those with probability 0 dropped), while there are at
//     most batchBALDConfigs;
//   - beyond that, the paper's sampled estimator (batchbald_redux's SampledJointEntropy), in
//     its conditional form: M = batchBALDConfigs configurations drawn from P(ŷ_B), M/T from
//     each pass t by drawing ŷ_j ~ p_t(·|x_j) for every pick j with c.Rand, each weighted
//     1/M. The draw is redone from scratch each step and shared by every candidate of the
//     step.
//
// Only the conditional entropy is estimated, not H(y_B, y_x) and H(y_B) apart, so the
// sampling error of H(y_B), the same for every candidate, does not enter the gains.
//
// The greedy search is lazy (Minoux 1978): a is submodular (Kirsch et al. 2019), so a
// candidate's gain never grows as the batch grows, each candidate keeps its last gain as a
// bound, and candidates are evaluated in decreasing order of bound until the best gain found
// is at least the next bound. In the exact regime this picks exactly what evaluating every
// candidate would (up to rounding); in the sampled regime the bounds are earlier estimates,
// so a candidate whose fresh estimate would beat the best by less than the sampling noise
// can go unevaluated. Ties go to the candidate that comes first.
//
// Pick.Score is the estimated a(x_1, …, x_n) of the batch up to and including the pick: the
// sum of the gains so far.
type batchBALD struct {
	eager bool // evaluate every candidate at every step (tests compare it with the lazy search)
}

func newBatchBALD(Options) Strategy { return batchBALD{} }

func (batchBALD) Needs() Needs { return Needs{MC: true} }

func (s batchBALD) Select(c *Candidates, k int) ([]Pick, error) {
	k, err := checkSelect(s, c, k)
	if err != nil {
		return nil, err
	}
	m := c.MC
	if k == 0 {
		return []Pick{}, nil
	}
	// The gains of the first step are the BALD scores; BALDTo's values keep the first pick
	// exactly top-k BALD's and are every candidate's first bound.
	bound := make([]float64, m.N)
	BALDTo(bound, m)
	if err := checkScores(c, bound); err != nil {
		return nil, err
	}
	first := 0
	for i, g := range bound {
		if g > bound[first] {
			first = i
		}
	}
	total := bound[first]
	picks := make([]Pick, 1, k)
	picks[0] = Pick{ID: c.IDs[first], Score: total}
	if k == 1 {
		return picks, nil
	}

	b := newBatchBALDState(m)
	chosen := make([]bool, m.N)
	chosen[first] = true
	batch := []int{first}
	order := make([]int, 0, m.N)
	for len(picks) < k {
		if err := b.condition(batch, c); err != nil {
			return nil, err
		}
		order = order[:0]
		for i := range m.N {
			if !chosen[i] {
				order = append(order, i)
			}
		}
		sortDesc(order, bound)
		best := -1
		for _, i := range order {
			if !s.eager && best >= 0 && (bound[i] < bound[best] || bound[i] == bound[best] && i > best) {
				break // no candidate left can beat or tie-break the best gain
			}
			bound[i] = b.gain(i)
			if math.IsNaN(bound[i]) {
				return nil, fmt.Errorf("query: batchbald gain of sample %d is NaN", c.IDs[i])
			}
			if best < 0 || bound[i] > bound[best] || bound[i] == bound[best] && i < best {
				best = i
			}
		}
		chosen[best] = true
		batch = append(batch, best)
		total += bound[best]
		picks = append(picks, Pick{ID: c.IDs[best], Score: total})
	}
	return picks, nil
}

// batchBALDState holds the inputs of every greedy step and the configurations of the current
// batch's labels.
type batchBALDState struct {
	mc   MCProbs
	T, C int
	cond []float64 // cond[i] = (1/T)·Σ_t H(p_t(·|x_i)) = E_ω[H(y_i | ω)]
	// probsCT[(i*C+c)*T+t] = p_t(c|x_i): class-major, so q is C dot products of length T.
	probsCT []float64
	logPick [][]float64 // logPick[n][t*C+c] = log p_t(c|x) for the n-th pick x

	// Configurations ŷ^m of the batch's labels: P(ŷ^m | ω_t) ∝ r[m*T+t], each row of r
	// having largest value 1, and weight[m] the weight of ŷ^m in the sum over
	// configurations: P(ŷ^m) when exact, 1/M when sampled. When exact, the factor of row m
	// is exp(logScale[m]), kept so long batches do not underflow.
	r, logScale, weight []float64
	sampled             bool
	next, logs          []float64 // scratch
}

func newBatchBALDState(m MCProbs) *batchBALDState {
	b := &batchBALDState{mc: m, T: m.T, C: m.C, cond: make([]float64, m.N),
		probsCT: make([]float64, m.N*m.C*m.T), logs: make([]float64, m.T)}
	inv := 1 / float64(m.T)
	for t := range m.T {
		pass := m.Pass(t)
		for i := range m.N {
			row := pass.Row(i)
			b.cond[i] += entropy(row) * inv
			for cl, v := range row {
				b.probsCT[(i*m.C+cl)*m.T+t] = float64(v)
			}
		}
	}
	return b
}

// condition sets the configurations to those of the labels of batch, whose last element is
// new: the exact extension of the previous configurations while they stay within
// batchBALDConfigs, a fresh sample afterwards.
func (b *batchBALDState) condition(batch []int, c *Candidates) error {
	T, C := b.T, b.C
	last := batch[len(batch)-1]
	lp := make([]float64, T*C)
	for t := range T {
		for cl, v := range b.mc.Pass(t).Row(last) {
			lp[t*C+cl] = math.Log(float64(v))
		}
	}
	b.logPick = append(b.logPick, lp)
	switch {
	case len(batch) == 1:
		b.r = slices.Repeat([]float64{1}, T) // the empty batch: one configuration
		b.logScale = []float64{0}
		b.extend(last)
	case !b.sampled && len(b.logScale)*C <= batchBALDConfigs:
		b.extend(last)
	default:
		if c.Rand == nil {
			return fmt.Errorf("query: batchbald needs Candidates.Rand to sample past %d label configurations", batchBALDConfigs)
		}
		b.sample(batch, c)
	}
	return nil
}

// extend replaces every configuration ŷ^m by the C configurations (ŷ^m, c) with one more
// pick j, dropping those that are impossible under every pass.
func (b *batchBALDState) extend(j int) {
	T, C := b.T, b.C
	next := b.next[:0]
	var scales []float64
	for m, ls := range b.logScale {
		row := b.r[m*T : (m+1)*T]
		for cl := range C {
			start, top := len(next), 0.0
			for t, v := range row {
				x := v * float64(b.mc.P[(t*b.mc.N+j)*C+cl])
				next = append(next, x)
				top = max(top, x)
			}
			if top == 0 {
				next = next[:start]
				continue
			}
			for t := start; t < len(next); t++ {
				next[t] /= top
			}
			scales = append(scales, ls+math.Log(top))
		}
	}
	b.next, b.r, b.logScale = b.r, next, scales
	b.weight = b.weight[:0]
	for m, ls := range b.logScale {
		p := 0.0
		for _, v := range b.r[m*T : (m+1)*T] {
			p += v
		}
		b.weight = append(b.weight, math.Exp(ls)*p/float64(T))
	}
}

// sample draws M = ⌈batchBALDConfigs/T⌉·T configurations of the labels of batch, the same
// number from each pass t: ŷ_j ~ p_t(·|x_j) for every pick j, so the draws follow
// P(ŷ) = (1/T)·Σ_t Π_j p_t(ŷ_j|x_j).
func (b *batchBALDState) sample(batch []int, c *Candidates) {
	T, C, N := b.T, b.C, b.mc.N
	per := (batchBALDConfigs + T - 1) / T
	w := 1 / float64(per*T)
	b.r, b.logScale, b.weight = b.r[:0], nil, b.weight[:0] // no scales: the weights are 1/M
	logs := b.logs
	for t := range T {
		for range per {
			clear(logs)
			for n, j := range batch {
				y := drawClass(b.mc.P[(t*N+j)*C:(t*N+j+1)*C], c.Rand.Float64())
				lp := b.logPick[n]
				for u := range logs {
					logs[u] += lp[u*C+y]
				}
			}
			top := slices.Max(logs) // finite: ŷ has positive probability under pass t
			for _, l := range logs {
				b.r = append(b.r, math.Exp(l-top))
			}
			b.weight = append(b.weight, w)
		}
	}
	b.sampled = true
}

// drawClass returns the class whose cumulative probability first exceeds u ∈ [0, 1), or, if
// rounding leaves the row's sum at most u, the last class with positive probability.
func drawClass(row []float32, u float64) int {
	acc, last := 0.0, 0
	for c, v := range row {
		if v > 0 {
			last = c
		}
		acc += float64(v)
		if u < acc {
			return c
		}
	}
	return last
}

// gain returns candidate i's estimated gain H(y_i | y_B) − E_ω[H(y_i | ω)] for the current
// batch B: Σ_m weight_m·H(q_m) − cond_i with q_m(c) ∝ Σ_t r_mt·p_t(c|x_i). The entropy of
// the unnormalised q with sum S is log S − (Σ_c q_c·log q_c)/S.
func (b *batchBALDState) gain(i int) float64 {
	T, C := b.T, b.C
	pc := b.probsCT[i*C*T : (i+1)*C*T]
	h := 0.0
	for m, w := range b.weight {
		r := b.r[m*T : (m+1)*T : (m+1)*T]
		sum, qlogq := 0.0, 0.0
		for cl := range C {
			x := dot(r, pc[cl*T:(cl+1)*T])
			sum += x
			if x > 0 {
				qlogq += x * math.Log(x)
			}
		}
		h += w * (math.Log(sum) - qlogq/sum)
	}
	return h - b.cond[i]
}

// dot returns Σ_t a_t·b_t; len(b) must be at least len(a). Four partial sums break the
// chain of dependent additions that bounds a single sum's speed.
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	t := 0
	for ; t+4 <= len(a); t += 4 {
		s0 += a[t] * b[t]
		s1 += a[t+1] * b[t+1]
		s2 += a[t+2] * b[t+2]
		s3 += a[t+3] * b[t+3]
	}
	for ; t < len(a); t++ {
		s0 += a[t] * b[t]
	}
	return (s0 + s1) + (s2 + s3)
}
