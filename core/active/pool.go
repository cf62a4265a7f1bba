// Package active is the pool-based batch active-learning loop — the one loop every caller
// drives: `alab run` and the race with a simulated oracle, the lab in the browser with a
// person. A pool of samples, an oracle that labels them, and a Loop whose Step runs one round
// — train, evaluate, score, select, label — and returns, so a caller (a progress bar, a
// browser tab) can act between rounds. A person answers later, one label at a time (Query,
// Answer, TakeOut, Submit); settings may change between rounds; the training schedule, a
// round 0 computed ahead of time and the replay of a saved session are the loop's too.
package active

import (
	"fmt"

	"alab/core/curve"
)

// Pool tracks which samples of a set are labelled, with which label, and in which round,
// and which were taken out as unreadable. Samples are identified by their index in the set
// (their pool ID): one index space everywhere.
type Pool struct {
	round      []int32 // round in which sample i was labelled or taken out (0: the initial set), or -1
	labels     []uint8 // the label the oracle gave sample i, if labelled
	unreadable []bool  // sample i was taken out of the pool unlabelled
	labelled   []int   // IDs in the order they were labelled
}

// NewPool returns a pool of n unlabelled samples.
func NewPool(n int) *Pool {
	p := &Pool{round: make([]int32, n), labels: make([]uint8, n), unreadable: make([]bool, n)}
	for i := range p.round {
		p.round[i] = -1
	}
	return p
}

// Size returns the number of samples in the pool.
func (p *Pool) Size() int { return len(p.round) }

// Label records that sample id got label in round. Labelling a sample twice, or an ID
// outside the pool, is an error.
func (p *Pool) Label(id int, label uint8, round int) error {
	if id < 0 || id >= len(p.round) {
		return fmt.Errorf("active: sample %d is not in the pool of %d", id, len(p.round))
	}
	if err := p.check(id); err != nil {
		return err
	}
	p.round[id], p.labels[id] = int32(round), label
	p.labelled = append(p.labelled, id)
	return nil
}

// TakeOut records that sample id was found unreadable in round: it is never queried again
// and never trained on. Taking out a labelled sample, or one outside the pool, is an error.
func (p *Pool) TakeOut(id int, round int) error {
	if err := p.check(id); err != nil {
		return err
	}
	p.round[id], p.unreadable[id] = int32(round), true
	return nil
}

// check reports an ID outside the pool or already answered.
func (p *Pool) check(id int) error {
	switch {
	case id < 0 || id >= len(p.round):
		return fmt.Errorf("active: sample %d is not in the pool of %d", id, len(p.round))
	case p.unreadable[id]:
		return fmt.Errorf("active: sample %d was already taken out as unreadable in round %d", id, p.round[id])
	case p.round[id] >= 0:
		return fmt.Errorf("active: sample %d was already labelled in round %d", id, p.round[id])
	}
	return nil
}

// IsLabelled reports whether sample id is labelled.
func (p *Pool) IsLabelled(id int) bool { return p.round[id] >= 0 && !p.unreadable[id] }

// IsUnreadable reports whether sample id was taken out as unreadable.
func (p *Pool) IsUnreadable(id int) bool { return p.unreadable[id] }

// Round returns the round in which sample id was labelled or taken out, or -1.
func (p *Pool) Round(id int) int { return int(p.round[id]) }

// LabelOf returns the label given to sample id (meaningful only if it is labelled).
func (p *Pool) LabelOf(id int) uint8 { return p.labels[id] }

// Labelled returns the labelled IDs in labelling order. The slice belongs to the pool.
func (p *Pool) Labelled() []int { return p.labelled }

// Unlabelled returns the IDs neither labelled nor taken out, in ascending order, in a new
// slice.
func (p *Pool) Unlabelled() []int {
	ids := make([]int, 0, len(p.round)-len(p.labelled))
	for id, r := range p.round {
		if r < 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// entropy returns the Shannon entropy (nats) of a histogram of counts; 0 for an empty one.
func entropy(counts []int) float64 { return curve.LabelEntropy(counts) }
