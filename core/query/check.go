package query

import (
	"fmt"
	"math"

	"alab/core/nn"
)

// checkSelect checks what every Select checks first, as gonum's Minimize checks a method's
// needs up front: k ≥ 0, and every input s declares (Needs) present with one row per
// candidate — a missing input is the loop's mistake, reported rather than panicked on. It
// returns how many picks Select returns: min(k, candidates).
func checkSelect(s Strategy, c *Candidates, k int) (int, error) {
	if k < 0 {
		return 0, fmt.Errorf("query: invalid batch size %d: want k ≥ 0", k)
	}
	n := len(c.IDs)
	needs := s.Needs()
	if p := c.Probs; needs.Probs && (p.N != n || len(p.P) != p.N*p.C || p.N > 0 && p.C <= 0) {
		return 0, fmt.Errorf("query: Probs is %d×%d with %d values, want %d candidates × C > 0 classes (Needs.Probs)",
			p.N, p.C, len(p.P), n)
	}
	if m := c.MC; needs.MC && (m.N != n || len(m.P) != m.T*m.N*m.C || m.N > 0 && (m.T <= 0 || m.C <= 0)) {
		return 0, fmt.Errorf("query: MC is %d passes × %d × %d with %d values, want T ≥ 1 passes × %d candidates × C > 0 classes (Needs.MC)",
			m.T, m.N, m.C, len(m.P), n)
	}
	if needs.Embeddings {
		e, l := c.Emb, c.LabelledEmb
		if e.N != n || len(e.Data) != e.N*e.D || e.D < 0 {
			return 0, fmt.Errorf("query: Emb is %d×%d with %d values, want %d candidates (Needs.Embeddings)",
				e.N, e.D, len(e.Data), n)
		}
		if len(l.Data) != l.N*l.D || l.N > 0 && e.N > 0 && l.D != e.D {
			return 0, fmt.Errorf("query: LabelledEmb is %d×%d with %d values, want rows of D = %d values (Needs.Embeddings)",
				l.N, l.D, len(l.Data), e.D)
		}
	}
	if needs.Model {
		if c.Net == nil {
			return 0, fmt.Errorf("query: Net is nil, want the trained network (Needs.Model)")
		}
		if size := nn.Input.C * nn.Input.H * nn.Input.W; len(c.Images) != n*size {
			return 0, fmt.Errorf("query: Images holds %d values, want %d candidates × %d (Needs.Model)", len(c.Images), n, size)
		}
	}
	return min(k, n), nil
}

// checkRand reports an error if the strategy needs randomness and c.Rand is nil.
func checkRand(name string, c *Candidates) error {
	if c.Rand == nil {
		return fmt.Errorf("query: %s needs Candidates.Rand", name)
	}
	return nil
}

// checkScores reports the first NaN score: a NaN means the model or a score function went
// wrong, and ranking it anywhere would be a guess.
func checkScores(c *Candidates, scores []float64) error {
	for i, s := range scores {
		if math.IsNaN(s) {
			return fmt.Errorf("query: score of sample %d is NaN", c.IDs[i])
		}
	}
	return nil
}

// checkFiniteEmbeddings reports embeddings (of the candidates or the labelled set) that hold
// NaN or ±Inf: a distance to such a point means nothing.
func checkFiniteEmbeddings(c *Candidates) error {
	for i := range c.Emb.N {
		if v, ok := finite(c.Emb.Row(i)); !ok {
			return fmt.Errorf("query: embedding of sample %d holds %v: want finite values", c.IDs[i], v)
		}
	}
	for i := range c.LabelledEmb.N {
		if v, ok := finite(c.LabelledEmb.Row(i)); !ok {
			return fmt.Errorf("query: labelled embedding %d holds %v: want finite values", i, v)
		}
	}
	return nil
}

// checkFiniteProbs reports a candidate whose probabilities hold NaN or ±Inf.
func checkFiniteProbs(c *Candidates) error {
	for i := range c.Probs.N {
		if v, ok := finite(c.Probs.Row(i)); !ok {
			return fmt.Errorf("query: probabilities of sample %d hold %v: want finite values", c.IDs[i], v)
		}
	}
	return nil
}

// finite reports whether every value of x is finite, and if not the first that is not.
func finite(x []float32) (float32, bool) {
	for _, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return v, false
		}
	}
	return 0, true
}
