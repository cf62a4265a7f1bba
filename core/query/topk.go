package query

import (
	"fmt"
	"math"
	"slices"
)

// checkK reports an error unless 0 ≤ k; callers then take min(k, candidates).
func checkK(k int) error {
	if k < 0 {
		return fmt.Errorf("query: invalid batch size %d: want k ≥ 0", k)
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

// topPicks returns the min(k, len(scores)) candidates with the highest scores, highest first.
// Ties go to the candidate that comes first in c.IDs, so the choice is deterministic.
// +Inf ranks above every finite score and -Inf below; NaN is an error.
func topPicks(c *Candidates, scores []float64, k int) ([]Pick, error) {
	if err := checkK(k); err != nil {
		return nil, err
	}
	if len(scores) != len(c.IDs) {
		return nil, fmt.Errorf("query: %d scores for %d candidates", len(scores), len(c.IDs))
	}
	if err := checkScores(c, scores); err != nil {
		return nil, err
	}
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	// A stable sort keeps equal scores in candidate order.
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	k = min(k, len(order))
	picks := make([]Pick, k)
	for j, i := range order[:k] {
		picks[j] = Pick{ID: c.IDs[i], Score: scores[i]}
	}
	return picks, nil
}
