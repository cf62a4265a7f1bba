package active

import (
	"fmt"
	"math"

	"alab/core/adversarial"
	"alab/core/data"
	"alab/core/nn"
	"alab/core/query"
)

// ProbeScores names the uncertainty scores a Probe gives, in its order: softmax least
// confidence, margin and entropy, and MC dropout's BALD and variation ratios — the scores of
// the strategies of those names, each higher for a sample the network would rather ask about.
var ProbeScores = [...]string{"least-confidence", "margin", "entropy", "bald", "var-ratios"}

// A Probe is what the round's network makes of one image from outside the pool (a digit a
// person drew), as a strategy would see it.
type Probe struct {
	// Softmax is the prediction with dropout off, a probability per class (Config.Classes);
	// Pred its most probable class.
	Softmax []float64
	Pred    int
	// Passes are the T dropout passes (Settings.MCSamples) with the masks the round's MC
	// scoring uses; Mean and Std are their mean and population standard deviation per class.
	Passes    [][]float64
	Mean, Std []float64
	// Scores are the image's ProbeScores, each ranked among the round's candidates.
	Scores [len(ProbeScores)]ProbeScore
	// FGSM and DeepFool are the adversarial twins: the nearest images found whose
	// prediction differs from Pred.
	FGSM, DeepFool adversarial.Result
}

// A ProbeScore is one score of a probed image and where it would rank among the round's
// Of candidates: Rank 1 is the candidate the strategy would ask about first, and Asks says
// the image would be in a batch of Settings.Batch.
type ProbeScore struct {
	Name     string
	Value    float64
	Rank, Of int
	Asks     bool
}

// probeRanks are the ProbeScores of the round's candidates, computed once per round and
// number of dropout passes.
type probeRanks struct {
	round, passes int
	scores        [len(ProbeScores)][]float64
}

// Probe describes img (the pool's Rows×Cols pixels, 0 background to 255 ink) with the current
// round's network, after Query. The first probe of a round scores the round's candidates
// once, to rank it among them.
func (l *Loop) Probe(img []uint8) (*Probe, error) {
	if l.net == nil || !l.open {
		return nil, fmt.Errorf("active: a probe before round %d's query", l.round)
	}
	if n := l.set.Rows * l.set.Cols; len(img) != n {
		return nil, fmt.Errorf("active: a probe of %d pixels: want %d (%d×%d)", len(img), n, l.set.Rows, l.set.Cols)
	}
	one := &data.Set{N: 1, Rows: l.set.Rows, Cols: l.set.Cols, Pix: img, Labels: []uint8{0}}
	ids := []int{0}
	t := l.cfg.MCSamples
	probs, _ := inferTo(l.net, one, ids, true, false)
	mc := mcProbs(l.net, one, ids, t, Seed(l.cfg.Seed, "round", l.round))
	k := l.cfg.Classes
	p := &Probe{Softmax: make([]float64, k), Passes: make([][]float64, t), Mean: make([]float64, k), Std: make([]float64, k)}
	for c := range k {
		p.Softmax[c] = float64(probs.P[c])
		if p.Softmax[c] > p.Softmax[p.Pred] {
			p.Pred = c
		}
	}
	for pass := range t {
		p.Passes[pass] = make([]float64, k)
		for c := range k {
			v := float64(mc.P[pass*k+c])
			p.Passes[pass][c] = v
			p.Mean[c] += v / float64(t)
		}
	}
	for pass := range t {
		for c := range k {
			d := p.Passes[pass][c] - p.Mean[c]
			p.Std[c] += d * d / float64(t)
		}
	}
	for c := range p.Std {
		p.Std[c] = math.Sqrt(p.Std[c])
	}

	ranks := l.probeRanks()
	mine := probeScores(probs, mc)
	for i, name := range ProbeScores {
		v := mine[i][0]
		rank := 1
		for _, s := range ranks.scores[i] {
			if s > v {
				rank++
			}
		}
		p.Scores[i] = ProbeScore{Name: name, Value: v, Rank: rank, Of: len(ranks.scores[i]), Asks: rank <= l.cfg.Batch}
	}

	x := make([]float32, len(img))
	one.ToFloat32To(x, ids)
	for _, s := range []struct {
		dst    *adversarial.Result
		search func(*nn.Net, []float32, adversarial.Config) ([]adversarial.Result, error)
	}{{&p.FGSM, adversarial.FGSM}, {&p.DeepFool, adversarial.DeepFool}} {
		res, err := s.search(l.net, x, adversarial.Config{MaxIter: l.cfg.Options.MaxIter, Overshoot: l.cfg.Options.Overshoot, Step: l.cfg.Options.FGSMStep})
		if err != nil {
			return nil, err
		}
		*s.dst = res[0]
	}
	return p, nil
}

// probeRanks returns the round's candidates' ProbeScores, computing them once.
func (l *Loop) probeRanks() *probeRanks {
	t := l.cfg.MCSamples
	if r := l.probe; r != nil && r.round == l.round && r.passes == t {
		return r
	}
	probs, _ := inferTo(l.net, l.set, l.candidates, true, false)
	mc := mcProbs(l.net, l.set, l.candidates, t, Seed(l.cfg.Seed, "round", l.round))
	l.probe = &probeRanks{round: l.round, passes: t, scores: probeScores(probs, mc)}
	return l.probe
}

// probeScores computes the ProbeScores of probs' (and mc's) samples.
func probeScores(probs query.Probs, mc query.MCProbs) [len(ProbeScores)][]float64 {
	var out [len(ProbeScores)][]float64
	for i := range out {
		out[i] = make([]float64, probs.N)
	}
	query.LeastConfidenceTo(out[0], probs)
	query.MarginTo(out[1], probs)
	query.EntropyTo(out[2], probs)
	query.BALDTo(out[3], mc)
	query.VarRatiosTo(out[4], mc)
	return out
}
