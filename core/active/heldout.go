package active

import (
	"fmt"
	"math"

	"alab/core/train"
)

// An Estimate is an accuracy measured on N labelled samples, Correct of them classified
// right: Accuracy = Correct/N, with the 95 % Wilson score interval [Low, High].
type Estimate struct {
	Correct, N          int
	Accuracy, Low, High float64
}

// Wilson returns the estimate of correct right out of n, with its 95 % Wilson score
// interval (which, unlike the normal approximation, stays inside [0, 1] and is sound for a
// few dozen samples).
func Wilson(correct, n int) Estimate {
	e := Estimate{Correct: correct, N: n}
	if n == 0 {
		return Estimate{Low: 0, High: 1}
	}
	const z = 1.959963984540054
	p, fn := float64(correct)/float64(n), float64(n)
	centre := (p + z*z/(2*fn)) / (1 + z*z/fn)
	half := z / (1 + z*z/fn) * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn))
	e.Accuracy, e.Low, e.High = p, max(0, centre-half), min(1, centre+half)
	return e
}

// HeldOut measures the current round's network on the labels held out so far
// (Config.HoldOut), with the labels given: the accuracy a person's own labels estimate.
func (l *Loop) HeldOut() (Estimate, error) {
	if l.net == nil {
		return Estimate{}, fmt.Errorf("active: no network trained yet")
	}
	if len(l.held) == 0 {
		return Wilson(0, 0), nil
	}
	s := l.set.Subset(l.held)
	for i, id := range l.held {
		s.Labels[i] = l.pool.LabelOf(id)
	}
	acc, err := train.Accuracy(l.net, s, 0)
	if err != nil {
		return Estimate{}, err
	}
	return Wilson(int(math.Round(acc*float64(s.N))), s.N), nil
}
