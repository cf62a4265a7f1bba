package active

import (
	"context"
	"fmt"
	"math"
	"slices"

	"alab/core/query"
)

// Unreadable is the label of an Answer that takes its sample out of the pool (TakeOut).
const Unreadable = -1

// An Answer is one saved answer: sample ID got Label (0 to 9, or Unreadable), given in Round
// (the round whose network first trains on it; 0 for the initial set). An answer with an
// Image is an image outside the pool (AddImage: a drawing) and its ID is ignored.
type Answer struct {
	ID, Label, Round int
	Image            []uint8
}

// Replay rebuilds a session from its saved answers: the initial set's (which must be the
// loop's own), and those of rounds 1 to round, each recorded and submitted in turn, each
// round's network trained exactly as the session trained it and each round's candidates
// drawn, so the stream is where the session left it. The batch on screen, pending, becomes
// the current round's batch (its scores are not recomputed: NaN); with none, the next Query
// selects one. Answers of a later round (to the batch on screen) are left to the caller.
// The settings must be those the next query uses; a replay with DFALAugment is refused (its
// twins come from the queries).
func (l *Loop) Replay(ctx context.Context, answers []Answer, round int, pending []int) error {
	switch {
	case l.round != 0 || l.net != nil:
		return fmt.Errorf("active: replay into a loop that has run")
	case l.cfg.DFALAugment:
		return fmt.Errorf("active: a loop with adversarial twins cannot be replayed")
	case round < 0 || round > len(answers):
		// Every submitted round has an answer: more rounds than answers is no session.
		return fmt.Errorf("active: replay to round %d with %d answers: want 0 to %d", round, len(answers), len(answers))
	}
	byRound := make([][]Answer, round+1)
	var initial []int
	for _, a := range answers {
		switch {
		case a.Round < 0:
			return fmt.Errorf("active: answer for sample %d in round %d: want 0 or more", a.ID, a.Round)
		case a.Round == 0 && a.Image == nil:
			initial = append(initial, a.ID)
		case a.Round <= round:
			byRound[a.Round] = append(byRound[a.Round], a)
		}
	}
	slices.Sort(initial)
	if !slices.Equal(initial, l.initial) {
		return fmt.Errorf("active: the saved initial set (%d samples) is not the loop's (%d)", len(initial), len(l.initial))
	}
	for r := 0; r < round; r++ {
		if err := l.trainRound(ctx); err != nil {
			return err
		}
		l.drawRound()
		for _, a := range byRound[r+1] {
			var err error
			switch {
			case a.Label == Unreadable && a.Image == nil:
				err = l.TakeOut(a.ID)
			case a.Label < 0 || a.Label >= l.cfg.Classes:
				err = fmt.Errorf("active: label %d for sample %d: want 0 to %d or %d (unreadable)", a.Label, a.ID, l.cfg.Classes-1, Unreadable)
			case a.Image != nil:
				err = l.AddImage(a.Image, uint8(a.Label))
			default:
				err = l.Answer(a.ID, uint8(a.Label))
			}
			if err != nil {
				return err
			}
		}
		if err := l.Submit(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := l.trainRound(ctx); err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	l.drawRound()
	l.replayed = true
	for _, id := range pending {
		switch {
		case id < 0 || id >= l.set.N:
			return fmt.Errorf("active: pending sample %d is not in the pool of %d", id, l.set.N)
		case l.pool.Round(id) < 0 && !slices.ContainsFunc(l.batch, func(p query.Pick) bool { return p.ID == id }):
			l.batch = append(l.batch, query.Pick{ID: id, Score: math.NaN()})
		}
	}
	return nil
}

// drawRound draws the current round's candidates as its query would and marks the query
// run, with an empty batch, without scoring: a replayed round's batch is in its answers.
func (l *Loop) drawRound() {
	strategy, _ := l.strategy() // validated
	l.candidates = l.drawCandidates(strategy.Needs())
	l.batch, l.open = nil, true
}

// checkLabels reports an oracle's answer that is not one class label per asked sample.
