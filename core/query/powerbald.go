package query

import (
	"fmt"
	"math"
)

// powerBALD is stochastic batch acquisition with the power distribution (Kirsch et al. 2023,
// "Stochastic Batch Acquisition: A Simple Baseline for Deep Active Learning"): instead of the
// k highest BALD scores s_i, it draws k candidates without replacement with probability
// ∝ s_i^β. Drawing is the Gumbel-top-k trick: key_i = β·log s_i + g_i with g_i standard
// Gumbel noise from c.Rand, and the k largest keys win. Near BatchBALD's diversity at top-k's
// cost; as β → ∞ it becomes top-k BALD.
//
// Candidates whose score is ≤ 0 (every pass agrees) get key −∞: they are picked only when k
// exceeds the candidates with a positive score, and then in candidate order. Pick.Score is the
// BALD score, not the key.
type powerBALD struct {
	beta float64
}

func newPowerBALD(o Options) Strategy {
	if o.Beta == 0 {
		o.Beta = 1
	}
	return powerBALD{beta: o.Beta}
}

func (powerBALD) Needs() Needs { return Needs{MC: true} }

func (s powerBALD) Select(c *Candidates, k int) ([]Pick, error) {
	k, err := checkSelect(s, c, k)
	if err != nil {
		return nil, err
	}
	if !(s.beta > 0) || math.IsInf(s.beta, 1) {
		return nil, fmt.Errorf("query: invalid Beta %v: want a finite value ≥ 0 (0 means 1)", s.beta)
	}
	if k == 0 {
		return []Pick{}, nil
	}
	if err := checkRand("power-bald", c); err != nil {
		return nil, err
	}
	scores := make([]float64, len(c.IDs))
	BALDTo(scores, c.MC)
	if err := checkScores(c, scores); err != nil {
		return nil, err
	}
	keys := make([]float64, len(scores))
	for i, sc := range scores {
		// −log E with E ~ Exp(1) is standard Gumbel; ExpFloat64 never returns 0, so the noise
		// is finite. One draw per candidate, in candidate order, so the choice depends only
		// on the Rand's state.
		g := -math.Log(c.Rand.ExpFloat64())
		if sc > 0 {
			keys[i] = s.beta*math.Log(sc) + g
		} else {
			keys[i] = math.Inf(-1)
		}
	}
	// The −∞ keys keep candidate order: ranked's ties go to the earlier candidate.
	return ranked(c, keys, scores, k), nil
}
