package query

// egl is expected gradient length (Settles, Craven & Ray 2008; the blog's EGL): the expected
// squared norm of the gradient the sample would produce if it were labelled, with the label
// drawn from the model's own prediction,
//
//	EGL(x) = Σ_y p(y|x)·‖∇_θ L(x, y)‖²,
//
// L being the softmax cross-entropy. Deviation: θ is only the output layer's weights and bias,
// not the whole network as in Settles et al. and Gissin's repository. There the gradient has
// a closed form: for label y it is (p − e_y) ⊗ [h, 1], h being the sample's embedding (the
// output layer's input), so
//
//	‖∇_θ L(x, y)‖² = ‖p − e_y‖²·(‖h‖² + 1),
//
// and with S = Σ_c p_c², Σ_y p_y·‖p − e_y‖² = (S + 1)·Σ_y p_y − 2S, which is 1 − S (the Gini
// impurity) when the row sums to 1. EGL is then the Gini impurity scaled by ‖h‖² + 1: one
// pass over the probabilities and the embedding instead of C backward passes. Pick.Score is
// EGL(x).
type egl struct{}

func newEGL(Options) Strategy { return egl{} }

func (egl) Needs() Needs { return Needs{Probs: true, Embeddings: true} }

func (s egl) Select(c *Candidates, k int) ([]Pick, error) {
	k, err := checkSelect(s, c, k)
	if err != nil {
		return nil, err
	}
	scores := make([]float64, len(c.IDs))
	for i := range scores {
		sum, sq := 0.0, 0.0
		for _, v := range c.Probs.Row(i) {
			x := float64(v)
			sum += x
			sq += x * x
		}
		hh := 1.0 // the bias's input
		for _, v := range c.Emb.Row(i) {
			x := float64(v)
			hh += x * x
		}
		scores[i] = ((sq+1)*sum - 2*sq) * hh
	}
	return topPicks(c, scores, k)
}
