package query

// topK ranks candidates by a score over deterministic probabilities and takes the k highest
// (least-confidence, margin, entropy). Pick.Score is the sample's score.
type topK struct {
	score func(dst []float64, p Probs)
}

func (topK) Needs() Needs { return Needs{Probs: true} }

func (s topK) Select(c *Candidates, k int) ([]Pick, error) {
	k, err := checkSelect(s, c, k)
	if err != nil {
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
	k, err := checkSelect(s, c, k)
	if err != nil {
		return nil, err
	}
	scores := make([]float64, len(c.IDs))
	s.score(scores, c.MC)
	return topPicks(c, scores, k)
}

// random picks k candidates uniformly at random without replacement, the baseline every
// strategy is held against. Pick.Score is 0.
type random struct{}

func newRandom(Options) Strategy { return random{} }

func (random) Needs() Needs { return Needs{} }

// Select draws by a partial Fisher–Yates shuffle of the candidate positions, so the picks
// depend only on the state of c.Rand and the number of candidates.
func (s random) Select(c *Candidates, k int) ([]Pick, error) {
	k, err := checkSelect(s, c, k)
	if err != nil {
		return nil, err
	}
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
