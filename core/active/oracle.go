package active

import (
	"context"
	"fmt"

	"alab/core/data"
)

// Oracle labels samples of the pool: ground truth in simulation, a person in the browser.
type Oracle interface {
	// Label returns one label per ID, in order, or an error (ctx done, the person left).
	Label(ctx context.Context, ids []int) ([]uint8, error)
}

// GroundTruth answers with the set's own labels: the simulated oracle of experiments.
type GroundTruth struct{ Set *data.Set }

func (g GroundTruth) Label(_ context.Context, ids []int) ([]uint8, error) {
	labels := make([]uint8, len(ids))
	for i, id := range ids {
		if id < 0 || id >= g.Set.N {
			return nil, fmt.Errorf("active: oracle asked for sample %d of a set of %d", id, g.Set.N)
		}
		labels[i] = g.Set.Labels[id]
	}
	return labels, nil
}
