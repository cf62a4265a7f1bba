package query

import (
	"fmt"
	"slices"
	"strings"

	"alab/core/query/cost"
)

// Options tunes the strategies that have knobs. Zero values mean the defaults given.
type Options struct {
	// Beta is power-bald's exponent: samples are drawn ∝ score^Beta. If 0, 1 is used.
	Beta float64 `json:"beta,omitempty"`
	// DALSubBatches is how many rounds dal splits a batch into, retraining its
	// labelled-vs-unlabelled classifier between them. If 0, 10 is used.
	DALSubBatches int `json:"dal_sub_batches,omitempty"`
	// MaxIter bounds the adversarial searches (steps of fgsm, DeepFool iterations).
	// If 0, 10 is used for deepfool and 50 for fgsm.
	MaxIter int `json:"max_iter,omitempty"`
	// Overshoot is DeepFool's overshoot. If 0, 0.02 is used.
	Overshoot float64 `json:"overshoot,omitempty"`
	// FGSMStep is the L∞ size of each fgsm step, in pixel units of [0, 1]. If 0, 0.01 is used.
	FGSMStep float64 `json:"fgsm_step,omitempty"`
}

// Info describes a strategy: its name (what New takes), a line for a person saying what it
// asks for, what it needs from the loop, and what a round of it costs (cost.Model: Info.Ops
// is the work of a round in forward passes of one image through the compact network).
type Info struct {
	Name  string
	Title string
	Needs Needs
	cost.Model
}

// entry is a strategy of the registry: its Info and its constructor.
type entry struct {
	name, title string
	cost        cost.Model
	new         func(Options) Strategy
}

// registry lists every strategy, the default (margin) first, then by family: softmax
// uncertainty, the random baseline, Monte-Carlo dropout, batch-aware, adversarial.
var registry = []entry{
	{"margin", "the digits whose top two classes are closest",
		probsCost, func(Options) Strategy { return topK{score: MarginTo} }},
	{"least-confidence", "the digits whose top class is least probable",
		probsCost, func(Options) Strategy { return topK{score: LeastConfidenceTo} }},
	{"entropy", "the digits with the most spread-out prediction",
		probsCost, func(Options) Strategy { return topK{score: EntropyTo} }},
	{"egl", "the digits whose label would move the output layer most (expected gradient length)",
		eglCost, newEGL},
	{"random", "digits at random (the baseline)",
		cost.Model{}, newRandom},
	{"bald", "MC dropout: where the dropout passes disagree most (BALD)",
		mcCost, func(Options) Strategy { return mcTopK{score: BALDTo} }},
	{"var-ratios", "MC dropout: where the passes vote least unanimously",
		mcCost, func(Options) Strategy { return mcTopK{score: VarRatiosTo} }},
	{"mc-entropy", "MC dropout: the highest entropy of the mean prediction",
		mcCost, func(Options) Strategy { return mcTopK{score: MCEntropyTo} }},
	{"mc-least-confidence", "MC dropout: the least confident mean prediction",
		mcCost, func(Options) Strategy { return mcTopK{score: MCLeastConfidenceTo} }},
	{"mean-std", "MC dropout: the largest spread of class probabilities",
		mcCost, func(Options) Strategy { return mcTopK{score: MeanStdTo} }},
	{"power-bald", "BALD scores sampled, not top-k: a more diverse batch",
		mcCost, newPowerBALD},
	{"batchbald", "MC dropout: the batch whose labels together tell most (BatchBALD)",
		batchBALDCost, newBatchBALD},
	{"coreset", "digits far from everything labelled (k-center)",
		coresetCost, newCoreset},
	{"badge", "uncertain and diverse (gradient embeddings, k-means++)",
		badgeCost, newBADGE},
	{"dal", "the digits a classifier finds least like the labelled ones (DAL)",
		dalCost, newDAL},
	{"fgsm", "the digits an adversarial nudge flips soonest (FGSM)",
		fgsmCost, newFGSM},
	{"deepfool", "the digits closest to a decision boundary (DeepFool, DFAL)",
		deepFoolCost, newDeepFool},
}

// The strategies' cost models, in forward passes of one image through the compact network,
// fitted to BenchmarkRound on one thread (2026-12-02: n = 500 and 2000, k = 10 and 50,
// T = 5 and 20; within about 25 % of each measured round).
var (
	probsCost     = cost.Model{Candidate: 1}
	eglCost       = cost.Model{Candidate: 1.05}
	mcCost        = cost.Model{Candidate: 1, Pass: 0.025}
	batchBALDCost = cost.Model{Candidate: 1, Pass: 0.025, StepCandidate: 0.1, StepPass: 0.003}
	coresetCost   = cost.Model{Candidate: 1.2, StepCandidate: 0.001}
	badgeCost     = cost.Model{Candidate: 1.1, StepCandidate: 0.002}
	dalCost       = cost.Model{Candidate: 1, Step: 260, StepCandidate: 0.12, MaxSteps: 10}
	fgsmCost      = cost.Model{Candidate: 33}
	deepFoolCost  = cost.Model{Candidate: 105}
)

// Catalog describes every strategy, in the registry's order: the default first.
func Catalog() []Info {
	infos := make([]Info, len(registry))
	for i, e := range registry {
		infos[i] = Info{Name: e.name, Title: e.title, Needs: e.new(Options{}).Needs(), Model: e.cost}
	}
	return infos
}

// Names lists every strategy name, in the registry's order: the default first.
func Names() []string {
	names := make([]string, len(registry))
	for i, e := range registry {
		names[i] = e.name
	}
	return names
}

// New returns the strategy with the given name.
func New(name string, o Options) (Strategy, error) {
	i := slices.IndexFunc(registry, func(e entry) bool { return e.name == name })
	if i < 0 {
		return nil, fmt.Errorf("query: unknown strategy %q: want one of %s", name, strings.Join(Names(), ", "))
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return registry[i].new(o), nil
}
