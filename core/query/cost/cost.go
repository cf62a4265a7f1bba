// Package cost estimates what one round of a query strategy costs, before it runs: the work
// of computing what the strategy needs and of selecting its batch, in forward passes of one
// image through the compact network. Multiplied by the time such a pass takes on a device,
// it is the round's expected time there.
//
// The package imports nothing, so the page (which does not link the engine) and the engine
// share one model: core/query holds each strategy's Model, and wasm/msg a generated copy of
// the list.
package cost

// Model is a strategy's work for n candidates, a batch of k and T Monte-Carlo dropout
// passes, in forward passes of one image through the compact network:
//
//	Ops(n, k, T) = n·(Candidate + Pass·T) + s·(Step + n·(StepCandidate + StepPass·T))
//
// where s = min(k, MaxSteps) is the number of selection steps (k if MaxSteps is 0): the
// picks of a greedy batch, or DAL's sub-batches. Candidate is the scoring of one candidate
// (1 for a deterministic pass), Pass the extra work of one Monte-Carlo pass over it, and the
// Step terms what each selection step adds. Work that does not grow with n, k or T (a sort,
// setting up) is left out.
type Model struct {
	Candidate     float64
	Pass          float64
	Step          float64
	StepCandidate float64
	StepPass      float64
	MaxSteps      int
}

// Ops returns the work of a round with n candidates, a batch of k and t Monte-Carlo passes,
// in forward passes of one image through the compact network.
func (m Model) Ops(n, k, t int) float64 {
	s := k
	if m.MaxSteps > 0 {
		s = min(k, m.MaxSteps)
	}
	fn, ft := float64(n), float64(t)
	return fn*(m.Candidate+m.Pass*ft) + float64(s)*(m.Step+fn*(m.StepCandidate+m.StepPass*ft))
}
