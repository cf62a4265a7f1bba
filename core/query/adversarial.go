package query

import (
	"alab/core/adversarial"
	"alab/core/nn"
)

// newDeepFool returns DFAL (Ducoffe & Precioso 2018): run DeepFool from every candidate
// and query those with the smallest adversarial perturbation, the ones closest to the
// decision boundary. Pick.Score is the L2 norm of the perturbation and Pick.Adversarial the
// perturbed image (see adversarial.DeepFool).
//
// DeepFool costs a forward and nine backward passes per candidate and iteration, so DFAL
// searches a random subset of the unlabelled pool (300 images in the paper): drawing that
// subset is the loop's job, as for every strategy. So is the rest of full DFAL, adding
// each queried image's adversarial twin, with the label given to the original, to the
// labelled set (the loop's --dfal-augment): the strategy only hands Pick.Adversarial over.
func newDeepFool(o Options) Strategy {
	return adversarialTopK{search: adversarial.DeepFool, cfg: o.adversarial()}
}

// newFGSM returns DFAL with the iterated fast gradient sign method in place of DeepFool
// (see adversarial.FGSM): cheaper per step, one backward pass, but further from the
// smallest perturbation.
func newFGSM(o Options) Strategy {
	return adversarialTopK{search: adversarial.FGSM, cfg: o.adversarial()}
}

// adversarial returns the searches' configuration: each reads the knobs it has.
func (o Options) adversarial() adversarial.Config {
	return adversarial.Config{MaxIter: o.MaxIter, Overshoot: o.Overshoot, Step: o.FGSMStep}
}

// adversarialTopK picks the candidates with the smallest adversarial distance.
type adversarialTopK struct {
	search func(*nn.Net, []float32, adversarial.Config) ([]adversarial.Result, error)
	cfg    adversarial.Config
}

func (adversarialTopK) Needs() Needs { return Needs{Model: true} }

func (s adversarialTopK) Select(c *Candidates, k int) ([]Pick, error) {
	k, err := checkSelect(s, c, k)
	if err != nil {
		return nil, err
	}
	res, err := s.search(c.Net, c.Images, s.cfg)
	if err != nil {
		return nil, err
	}
	// The smallest distance ranks first: negated, +Inf (no flip found) ranks last.
	scores := make([]float64, len(res))
	for i, r := range res {
		scores[i] = -r.Distance
	}
	picks, err := topPicks(c, scores, k)
	if err != nil {
		return nil, err
	}
	row := make(map[int]int, len(c.IDs))
	for i, id := range c.IDs {
		row[id] = i
	}
	for j := range picks {
		r := res[row[picks[j].ID]]
		picks[j].Score, picks[j].Adversarial = r.Distance, r.Adversarial
	}
	return picks, nil
}
