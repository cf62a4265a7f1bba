package query

import "fmt"

// topK ranks candidates by a score over deterministic probabilities and takes the k highest
// (least-confidence, margin, entropy). Pick.Score is the sample's score.
type topK struct {
	score func(dst []float64, p Probs)
}

func (topK) Needs() Needs { return Needs{Probs: true} }

func (s topK) Select(c *Candidates, k int) ([]Pick, error) {
	if err := checkK(k); err != nil {
		return nil, err
	}
	if err := checkProbs(c); err != nil {
		return nil, err
	}
	scores := make([]float64, len(c.IDs))
	s.score(scores, c.Probs)
	return topPicks(c, scores, k)
}

// mcTopK ranks candidates by a score over Monte-Carlo dropout passes and takes the k highest
// (mc-least-confidence, mc-entropy, bald, var-ratios, mean-std). Pick.Score is the sample's
// score.
type mcTopK struct {
	score func(dst []float64, m MCProbs)
}

func (mcTopK) Needs() Needs { return Needs{MC: true} }

func (s mcTopK) Select(c *Candidates, k int) ([]Pick, error) {
	if err := checkK(k); err != nil {
		return nil, err
	}
	if err := checkMCProbs(c); err != nil {
		return nil, err
	}
	scores := make([]float64, len(c.IDs))
	s.score(scores, c.MC)
	return topPicks(c, scores, k)
}

// checkProbs reports an error unless c.Probs holds one row per candidate: a missing input is
// the loop's mistake, reported rather than panicked on.
func checkProbs(c *Candidates) error {
	p := c.Probs
	if p.N != len(c.IDs) || len(p.P) != p.N*p.C || p.N > 0 && p.C <= 0 {
		return fmt.Errorf("query: Probs is %d×%d with %d values, want %d candidates × C > 0 classes (Needs.Probs)",
			p.N, p.C, len(p.P), len(c.IDs))
	}
	return nil
}

// checkMCProbs reports an error unless c.MC holds T ≥ 1 passes over every candidate.
func checkMCProbs(c *Candidates) error {
	m := c.MC
	if m.N != len(c.IDs) || len(m.P) != m.T*m.N*m.C || m.N > 0 && (m.T <= 0 || m.C <= 0) {
		return fmt.Errorf("query: MC is %d passes × %d × %d with %d values, want T ≥ 1 passes × %d candidates × C > 0 classes (Needs.MC)",
			m.T, m.N, m.C, len(m.P), len(c.IDs))
	}
	return nil
}

// checkEmb reports an error unless c.Emb holds one row per candidate.
func checkEmb(c *Candidates) error {
	e := c.Emb
	if e.N != len(c.IDs) || len(e.Data) != e.N*e.D || e.D < 0 {
		return fmt.Errorf("query: Emb is %d×%d with %d values, want %d candidates (Needs.Embeddings)",
			e.N, e.D, len(e.Data), len(c.IDs))
	}
	return nil
}

// checkRand reports an error if the strategy needs randomness and c.Rand is nil.
func checkRand(name string, c *Candidates) error {
	if c.Rand == nil {
		return fmt.Errorf("query: %s needs Candidates.Rand", name)
	}
	return nil
}

// random picks k candidates uniformly at random without replacement, the baseline every
// strategy is held against. Pick.Score is 0.
type random struct{}

func newRandom(Options) Strategy { return random{} }

func (random) Needs() Needs { return Needs{} }

// Select draws by a partial Fisher–Yates shuffle of the candidate positions, so the picks
// depend only on the state of c.Rand and the number of candidates.
func (random) Select(c *Candidates, k int) ([]Pick, error) {
	if err := checkK(k); err != nil {
		return nil, err
	}
	k = min(k, len(c.IDs))
	if k == 0 {
		return []Pick{}, nil
	}
	if err := checkRand("random", c); err != nil {
		return nil, err
	}
	order := make([]int, len(c.IDs))
	for i := range order {
		order[i] = i
	}
	picks := make([]Pick, k)
	for j := range picks {
		r := j + c.Rand.IntN(len(order)-j)
		order[j], order[r] = order[r], order[j]
		picks[j] = Pick{ID: c.IDs[order[j]]}
	}
	return picks, nil
}
