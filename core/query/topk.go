package query

import (
	"cmp"
	"slices"
)

// topPicks returns the first k candidates by score, highest first, ties to the candidate that
// comes first in c.IDs, so the choice is deterministic. +Inf ranks above every finite score
// and -Inf below; NaN is an error. k is at most the number of candidates (checkSelect).
func topPicks(c *Candidates, scores []float64, k int) ([]Pick, error) {
	if err := checkScores(c, scores); err != nil {
		return nil, err
	}
	return ranked(c, scores, scores, k), nil
}

// ranked returns the first k candidates by key, highest first, ties to the earlier
// candidate, each with its score (keys and scores differ where a strategy ranks by a noisy
// or transformed score but reports the score). Keys must not be NaN.
func ranked(c *Candidates, keys, scores []float64, k int) []Pick {
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	sortDesc(order, keys)
	picks := make([]Pick, k)
	for j, i := range order[:k] {
		picks[j] = Pick{ID: c.IDs[i], Score: scores[i]}
	}
	return picks
}

// sortDesc orders the indices in order by key[i], highest first. The sort is stable, so equal
// keys keep their order in order: ties go to the index that came first. Keys must not be NaN.
func sortDesc[T cmp.Ordered](order []int, key []T) {
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(key[b], key[a]) })
}
