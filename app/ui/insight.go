package ui

import (
	"fmt"
	"strings"

	"alab/core/curve"
	"alab/wasm/msg"
)

// describePoint says what redundancy-map point p is this round, for the preview beside the
// map: its role (with the CSS class of its mark) and what it is taken to be — the model's
// guess, or for a labelled digit its label.
func describePoint(p msg.Point, strategy string) (role, class, guess string) {
	guess = fmt.Sprintf("the model says %d", p.Pred)
	switch {
	case p.Flags&msg.InLabelled != 0:
		return "labelled", "labelled", fmt.Sprintf("its label: %d", p.Pred)
	case p.Flags&msg.InBatch != 0 && p.Flags&msg.InRandom != 0:
		return "in this batch and in the random batch", "batch", guess
	case p.Flags&msg.InBatch != 0:
		return "in this batch (" + strategy + ")", "batch", guess
	case p.Flags&msg.InRandom != 0:
		return "in the random batch", "random", guess
	}
	return "a candidate", "pool", guess
}

// mapCounts counts the map's points by mark: the batch, the random batch, the labelled
// digits and the other candidates.
func mapCounts(in *msg.Insight) (batch, random, labelled, pool int) {
	for _, p := range in.Points {
		switch {
		case p.Flags&msg.InLabelled != 0:
			labelled++
		case p.Flags == 0:
			pool++
		}
		if p.Flags&msg.InBatch != 0 {
			batch++
		}
		if p.Flags&msg.InRandom != 0 {
			random++
		}
	}
	return batch, random, labelled, pool
}

// lastLabelsText says which classes the person gave in the last batch, h, or nothing
// before the first.
func lastLabelsText(h [10]int, names []string) string {
	if names == nil {
		names = digitNames
	}
	var parts []string
	for d, v := range h {
		if v > 0 && d < len(names) {
			parts = append(parts, fmt.Sprintf("%d×%s", v, names[d]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf(" Your labels for the last batch: %s (entropy %.2f).", strings.Join(parts, " "), curve.LabelEntropy(h[:]))
}

// histKey is a histogram as the page shows it to its test (data-hist): "0,2,1,…".
func histKey(h [10]int) string {
	var b strings.Builder
	for i, v := range h {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, v)
	}
	return b.String()
}

// spreadText compares the batch's mean pairwise distance with a random batch's.
func spreadText(in *msg.Insight) string {
	if in.RandomDistance <= 0 || in.BatchDistance <= 0 {
		return ""
	}
	switch r := in.BatchDistance / in.RandomDistance; {
	case r < 0.95:
		return fmt.Sprintf(" — the batch is %.0f%% more bunched up than random", 100*(1-r))
	case r > 1.05:
		return fmt.Sprintf(" — the batch is %.0f%% more spread out than random", 100*(r-1))
	}
	return " — about as spread out as random"
}

// haltingHint says whether the strategy's batch still scores apart from a random batch:
// state is baseline, unknown, noise or informative.
func haltingHint(in *msg.Insight) (state, text string) {
	b, r := in.BatchScore, in.RandomScore
	switch {
	case in.Strategy == "random":
		return "baseline", "This batch is random: the baseline every strategy has to beat."
	case b.N < 2 || r.N < 2:
		return "unknown", "The score comparison with a random batch appears from the next batch."
	case in.WithinNoise():
		return "noise", fmt.Sprintf("Within noise of random: %s scores this batch %.3g ± %.2g and a random batch %.3g ± %.2g. "+
			"Its ranking no longer tells the digits apart — labelling more by this strategy buys about what random would; "+
			"consider stopping, or a batch-aware strategy.", in.Strategy, b.Mean, b.SE, r.Mean, r.SE)
	}
	return "informative", fmt.Sprintf("Still informative: %s scores this batch %.3g ± %.2g, a random batch %.3g ± %.2g (more than two standard errors apart).",
		in.Strategy, b.Mean, b.SE, r.Mean, r.SE)
}
