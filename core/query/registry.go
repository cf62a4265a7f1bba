package query

import (
	"fmt"
	"sort"
	"strings"
)

// Options tunes the strategies that have knobs. Zero values mean the defaults given.
type Options struct {
	// Beta is power-bald's exponent: samples are drawn ∝ score^Beta. If 0, 1 is used.
	Beta float64
	// DALSubBatches is how many rounds dal splits a batch into, retraining its
	// labelled-vs-unlabelled classifier between them. If 0, 10 is used.
	DALSubBatches int
	// MaxIter bounds the adversarial searches (steps of fgsm, DeepFool iterations).
	// If 0, 10 is used for deepfool and 50 for fgsm.
	MaxIter int
	// Overshoot is DeepFool's overshoot. If 0, 0.02 is used.
	Overshoot float64
	// FGSMStep is the L∞ size of each fgsm step, in pixel units of [0, 1]. If 0, 0.01 is used.
	FGSMStep float64
}

// registry maps every strategy name to its constructor.
var registry = map[string]func(Options) Strategy{
	"random":              newRandom,
	"least-confidence":    func(Options) Strategy { return topK{score: LeastConfidenceTo} },
	"margin":              func(Options) Strategy { return topK{score: MarginTo} },
	"entropy":             func(Options) Strategy { return topK{score: EntropyTo} },
	"mc-least-confidence": func(Options) Strategy { return mcTopK{score: MCLeastConfidenceTo} },
	"mc-entropy":          func(Options) Strategy { return mcTopK{score: MCEntropyTo} },
	"bald":                func(Options) Strategy { return mcTopK{score: BALDTo} },
	"var-ratios":          func(Options) Strategy { return mcTopK{score: VarRatiosTo} },
	"mean-std":            func(Options) Strategy { return mcTopK{score: MeanStdTo} },
	"egl":                 newEGL,
	"fgsm":                newFGSM,
	"deepfool":            newDeepFool,
	"batchbald":           newBatchBALD,
	"power-bald":          newPowerBALD,
	"coreset":             newCoreset,
	"badge":               newBADGE,
	"dal":                 newDAL,
}

// Names lists every strategy name, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New returns the strategy with the given name.
func New(name string, o Options) (Strategy, error) {
	mk, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("query: unknown strategy %q: want one of %s", name, strings.Join(Names(), ", "))
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return mk(o), nil
}
