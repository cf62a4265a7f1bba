package query

import "math"

// badge is BADGE (Ash et al. 2020): k-means++ seeding over gradient embeddings.
//
// A candidate's gradient embedding is the gradient of the cross-entropy loss with respect
// to the last layer's weights, taking the predicted class ŷ = argmax p as the label:
// g = u ⊗ h with u = p − e_ŷ (C values) and h the embedding (D values), C·D values in all.
// Its norm is large for uncertain samples and distances between gradient embeddings are
// large for different samples, so the seeding trades uncertainty for diversity. As in the
// authors' code, the first pick is the candidate with the largest ‖g‖; each next one is
// drawn with c.Rand with probability ∝ D², its squared distance to the nearest pick so far.
// Pick.Score is ‖g‖ for the first pick and D² when drawn for the others.
//
// The C·D-dimensional vectors are never built: ‖g‖² = ‖u‖²‖h‖² and
// ⟨g_a, g_b⟩ = (u_a·u_b)(h_a·h_b), so
//
//	‖g_a − g_b‖² = ‖u_a‖²‖h_a‖² + ‖u_b‖²‖h_b‖² − 2(u_a·u_b)(h_a·h_b),
//
// which costs C + D multiply-adds per pair instead of C·D.
//
// If every remaining candidate has D² = 0 (copies of picks, or a model certain of every
// candidate, where all g are 0), the next pick is drawn uniformly among them instead.
type badge struct{}

func newBADGE(Options) Strategy { return badge{} }

func (badge) Needs() Needs { return Needs{Probs: true, Embeddings: true} }

func (s badge) Select(c *Candidates, k int) ([]Pick, error) {
	k, err := checkSelect(s, c, k)
	if err != nil {
		return nil, err
	}
	if err := checkFiniteEmbeddings(c); err != nil {
		return nil, err
	}
	if err := checkFiniteProbs(c); err != nil {
		return nil, err
	}
	n := len(c.IDs)
	picks := make([]Pick, 0, k)
	if k == 0 {
		return picks, nil
	}
	if k > 1 {
		if err := checkRand("badge", c); err != nil {
			return nil, err
		}
	}

	// u holds p − e_ŷ for every candidate (row i is u[i*C:(i+1)*C]); g2 holds ‖g‖².
	C := c.Probs.C
	u := make([]float64, n*C)
	g2 := make([]float64, n)
	next := 0
	for i := range n {
		p, ui := c.Probs.Row(i), u[i*C:(i+1)*C]
		yhat := 0
		for j, v := range p {
			ui[j] = float64(v)
			if v > p[yhat] {
				yhat = j
			}
		}
		ui[yhat]--
		g2[i] = dot64(ui, ui) * float64(dot32(c.Emb.Row(i), c.Emb.Row(i)))
		if g2[i] > g2[next] {
			next = i
		}
	}
	score := math.Sqrt(g2[next])

	// d2[i] is candidate i's D²: squared distance to the nearest pick; 0 once picked.
	d2 := make([]float64, n)
	for i := range d2 {
		d2[i] = math.Inf(1)
	}
	picked := make([]bool, n)
	for {
		picks = append(picks, Pick{ID: c.IDs[next], Score: score})
		picked[next], d2[next] = true, 0
		if len(picks) == k {
			return picks, nil
		}

		ca, uc, hc := g2[next], u[next*C:(next+1)*C], c.Emb.Row(next)
		forChunks(chunks(n, C+c.Emb.D), n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				if picked[i] {
					continue
				}
				// float64() rounds the product so that no fused multiply-add makes the
				// distance between two copies differ from 0.
				ip := float64(dot64(u[i*C:(i+1)*C], uc) * float64(dot32(c.Emb.Row(i), hc)))
				if d := max(g2[i]+ca-2*ip, 0); d < d2[i] {
					d2[i] = d
				}
			}
		})
		next = drawD2(c, d2, picked)
		score = d2[next]
	}
}

// drawD2 draws an unpicked candidate with probability ∝ d2, or uniformly if every unpicked
// d2 is 0. The sum runs in candidate order, so the draw depends only on c.Rand and d2.
func drawD2(c *Candidates, d2 []float64, picked []bool) int {
	var total float64
	left := 0
	for i, d := range d2 {
		if !picked[i] {
			total += d
			left++
		}
	}
	if total > 0 {
		r := c.Rand.Float64() * total
		last := -1
		for i, d := range d2 {
			if picked[i] || d == 0 {
				continue
			}
			if r -= d; r < 0 {
				return i
			}
			last = i
		}
		return last // r ran past the end by rounding
	}
	j := c.Rand.IntN(left)
	for i := range picked {
		if !picked[i] {
			if j == 0 {
				return i
			}
			j--
		}
	}
	panic("unreachable")
}

// dot64 returns a·b.
func dot64(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
