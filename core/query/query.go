// Package query chooses which unlabelled samples to label next.
//
// It has two layers, kept apart as modAL does: score functions turn model outputs
// (probabilities, Monte-Carlo dropout samples, embeddings) into one number per sample, and
// strategies turn a set of candidates into a batch of sample IDs. A strategy declares what it
// needs (Needs) so that the active-learning loop computes each input once, and never
// switches on strategy names.
package query

import (
	"math/rand/v2"

	"alab/core/nn"
)

// Probs holds class probabilities for N samples over C classes: the probability of class c
// for sample i is P[i*C+c]. Rows sum to 1 (up to rounding).
type Probs struct {
	N, C int
	P    []float32
}

// Row returns the C probabilities of sample i.
func (p Probs) Row(i int) []float32 { return p.P[i*p.C : (i+1)*p.C : (i+1)*p.C] }

// MCProbs holds T stochastic forward passes (Monte-Carlo dropout) over N samples and C
// classes: the probability of class c for sample i in pass t is P[(t*N+i)*C+c].
type MCProbs struct {
	T, N, C int
	P       []float32
}

// Pass returns pass t as a Probs.
func (m MCProbs) Pass(t int) Probs {
	return Probs{N: m.N, C: m.C, P: m.P[t*m.N*m.C : (t+1)*m.N*m.C : (t+1)*m.N*m.C]}
}

// Matrix is an N×D row-major matrix of float32 (embeddings): row i is Data[i*D:(i+1)*D].
type Matrix struct {
	N, D int
	Data []float32
}

// Row returns row i.
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.D : (i+1)*m.D : (i+1)*m.D] }

// Needs declares what a strategy reads from Candidates. The loop fills exactly those fields.
type Needs struct {
	Probs      bool // Candidates.Probs: softmax of a deterministic (dropout off) pass
	MC         bool // Candidates.MC: T passes with dropout on (T is the loop's MC samples)
	Embeddings bool // Candidates.Emb and Candidates.LabelledEmb: penultimate-layer activations
	Model      bool // Candidates.Net and Candidates.Images: for searches that run the network
}

// Candidates is what a strategy chooses from: the unlabelled samples on offer this round
// (the whole unlabelled pool or a random subset of it), identified by their pool IDs, and
// the model outputs the strategy declared it needs. Row i of every field belongs to IDs[i].
type Candidates struct {
	IDs []int

	Probs       Probs
	MC          MCProbs
	Emb         Matrix // candidates' embeddings
	LabelledEmb Matrix // the labelled set's embeddings (core-set distances, DAL's classifier)

	Net    *nn.Net   // the trained network, for adversarial searches; read-only by contract
	Images []float32 // candidates' images, N × 784 in [0, 1], NCHW

	// Rand is the source of every random choice a strategy makes this round.
	Rand *rand.Rand
}

// Pick is one selected sample: its pool ID and the score that ranked it (strategies
// without a per-sample score report the value that drove the choice, e.g. the k-center
// distance; random reports 0).
type Pick struct {
	ID    int
	Score float64
	// Adversarial is the perturbed image that first changed the prediction (fgsm, deepfool),
	// 784 values in [0, 1]; nil for other strategies or when no flip was found.
	Adversarial []float32
}

// Strategy selects k samples from the candidates. Select returns exactly min(k, number of
// candidates) picks, in the order chosen, or an error (k < 0, NaN scores, missing inputs).
type Strategy interface {
	Needs() Needs
	Select(c *Candidates, k int) ([]Pick, error)
}
