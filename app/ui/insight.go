package ui

import (
	"fmt"

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
