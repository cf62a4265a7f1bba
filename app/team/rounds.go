//go:build !wasm

package team

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"math"
	"slices"
	"time"

	"alab/core/active"
)

// A submit closes a round for the loop: the agreed labels not yet trained on, in the order
// they are answered, and the items of open batches still being labelled, which the next
// batch leaves out.
type submit struct {
	round   int
	answers []active.Answer // each of Round round+1
	keptOut []int           // ascending
}

// due reports whether the current batch is to be submitted: some agreed label awaits
// training, and nothing of the batch can be handed out any more (its last items are leased
// or labelled) or someone asking for work got nothing (idle: what is left of the batch
// waits for people who have not judged it, a third judge say, and need not hold the team
// up). The caller holds q.mu.
func (q *queue) due(idle bool) bool {
	cur := q.current()
	if cur == nil || cur.submitted || q.advancing || q.done || len(q.agreed) == 0 {
		return false
	}
	if idle {
		return true
	}
	now := q.clock()
	for _, it := range cur.items {
		if !it.resolved && it.free(now) > 0 {
			return false
		}
	}
	return true
}

// submitIfDue commits the submit of the current batch if it is due (idle: the request
// found no work for its caller): its agreed labels are
// marked as trained on from the next round, and the submit waits in q.ready for the trainer;
// the queue is advancing until publish. The request whose change made it due runs it, so
// which labels a round trains on follows from the order of the requests alone. The caller
// holds q.mu.
func (q *queue) submitIfDue(idle bool) {
	if !q.due(idle) {
		return
	}
	cur := q.current()
	sub := &submit{round: cur.round, keptOut: []int{}}
	var fed []*item
	for _, it := range q.agreed {
		fed = append(fed, it)
	}
	for _, it := range q.open {
		sub.keptOut = append(sub.keptOut, it.id)
	}
	byBatchOrder(fed)
	slices.Sort(sub.keptOut)
	kept, _ := json.Marshal(sub.keptOut)
	ids := make([]int, len(fed))
	for i, it := range fed {
		ids[i] = it.id
	}
	r, at := cur.round, now()
	q.c.enqueue(func(tx *sql.Tx) error { // a failure breaks the committer: every later write fails
		for _, id := range ids {
			if _, err := tx.Exec(`UPDATE items SET fed = ? WHERE id = ?`, r+1, id); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`UPDATE rounds SET submitted = ?, kept_out = ? WHERE round = ?`, at, string(kept), r)
		return err
	})
	clear(q.agreed)
	for _, it := range fed {
		it.fed = cur.round + 1
		sub.answers = append(sub.answers, active.Answer{ID: it.id, Label: it.final, Round: it.fed})
	}
	cur.submitted, cur.keptOut, q.advancing, q.ready = true, sub.keptOut, true, sub
	q.notify()
}

// takeSubmit returns the submit awaiting the trainer, or nil.
func (q *queue) takeSubmit() *submit {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.submitIfDue(false) // due already when the loop was restored
	sub := q.ready
	q.ready = nil
	return sub
}

// byBatchOrder sorts items by batch, then by place in it: the order answers reach the loop.
func byBatchOrder(items []*item) {
	slices.SortFunc(items, func(a, b *item) int { return cmp.Or(cmp.Compare(a.round, b.round), cmp.Compare(a.pos, b.pos)) })
}

// publish commits batch r (ids in the query's order, the first overlapped of them for two
// people) and the weights that queried it; the queue stops advancing, and done says the
// budget is spent.
func (q *queue) publish(r, labelled int, ids []int, model []byte, done bool) error {
	q.mu.Lock()
	two := q.s.overlapped(len(ids))
	rd := &round{round: r, labelled: labelled, accuracy: math.NaN()}
	bases := make([]int, len(ids))
	for pos, id := range ids {
		bases[pos] = 1
		if pos < two {
			bases[pos] = 2
		}
		it := &item{id: id, round: r, pos: pos, base: bases[pos], leases: map[int64]time.Time{}}
		rd.items = append(rd.items, it)
		q.items[id] = it
		q.open = append(q.open, it)
	}
	q.rounds = append(q.rounds, rd)
	q.advancing, q.done = false, done
	at := now()
	committed := q.c.enqueue(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO rounds (round, labelled, model, queried) VALUES (?, ?, ?, ?)`, r, labelled, model, at); err != nil {
			return err
		}
		for pos, id := range ids {
			if _, err := tx.Exec(`INSERT INTO items (id, round, pos, needs) VALUES (?, ?, ?, ?)`, id, r, pos, bases[pos]); err != nil {
				return err
			}
		}
		return nil
	})
	q.mu.Unlock()
	return <-committed
}

// setAccuracy records the accuracy of round r's network: on the test set (held 0), or on
// held labels held out of training.
func (q *queue) setAccuracy(r int, acc float64, held int) error {
	q.mu.Lock()
	q.rounds[r].accuracy, q.rounds[r].held = acc, held
	done := q.c.enqueue(func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE rounds SET accuracy = ?, held = ? WHERE round = ?`, acc, held, r)
		return err
	})
	q.mu.Unlock()
	return <-done
}

// model returns the weights (.npz) of the latest batch's network, or nil.
func (q *queue) model() ([]byte, error) {
	q.mu.Lock()
	cur := q.current()
	q.mu.Unlock()
	if cur == nil {
		return nil, nil
	}
	var npz []byte
	err := q.db.QueryRow(`SELECT model FROM rounds WHERE round = ?`, cur.round).Scan(&npz)
	return npz, err
}

// Settled reports whether round r's batch is published and every item of it has its agreed
// label.
func (p *Project) Settled(r int) bool {
	q := p.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if r < 0 || r >= len(q.rounds) {
		return false
	}
	for _, it := range q.rounds[r].items {
		if !it.resolved {
			return false
		}
	}
	return true
}
