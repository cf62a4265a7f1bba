//go:build !wasm

package team

import (
	"cmp"
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	"alab/core/active"
)

// Unreadable is the label of a judgement that finds an item unreadable (key S).
const Unreadable = active.Unreadable

// A judgement is one annotator's label of an item.
type judgement struct {
	annotator int64
	label     int // a class (0 to the classes less one) or Unreadable
	seconds   float64
	at        time.Time
}

// An item is one sample of a batch and the judgements it has.
type item struct {
	id, round, pos int
	base           int // judgements it needs: 1, or 2 in the overlap share
	judgements     []judgement
	final          int  // the agreed label, once resolved
	resolved       bool //
	fed            int  // the round whose training first uses it (active.Answer.Round), 0 until then
	leases         map[int64]time.Time
}

// needs is how many judgements the item needs: its base, or three when two disagree.
func (it *item) needs() int {
	if it.base == 2 && len(it.judgements) >= 2 && it.judgements[0].label != it.judgements[1].label {
		return 3
	}
	return it.base
}

// resolve sets the item's agreed label from its judgements: the one label of a single
// judgement, the label two agree on, the majority of three; three different labels agree on
// nothing and the item is taken out as Unreadable.
func (it *item) resolve() {
	j := it.judgements
	it.resolved = len(j) >= it.needs()
	switch {
	case !it.resolved:
	case len(j) < 3:
		it.final = j[0].label
	case j[2].label == j[0].label || j[2].label == j[1].label:
		it.final = j[2].label
	default:
		it.final = Unreadable
	}
}

// free is how many more people may take the item now: what it needs less the judgements
// given and the leases running.
func (it *item) free(now time.Time) int {
	n := it.needs() - len(it.judgements)
	for _, exp := range it.leases {
		if exp.After(now) {
			n--
		}
	}
	return n
}

// labelledBy reports whether annotator a has judged the item.
func (it *item) labelledBy(a int64) bool {
	return slices.ContainsFunc(it.judgements, func(j judgement) bool { return j.annotator == a })
}

// A round is one published batch.
type round struct {
	round, labelled int
	accuracy        float64 // NaN until measured
	held            int     // the held-out labels accuracy is measured on; 0 for the test set
	items           []*item // in the query's order
	submitted       bool
	keptOut         []int // items of earlier batches still being labelled when it was submitted
}

// apiError is a refusal: an HTTP status and a reason the client is shown.
type apiError struct {
	status int
	reason string
}

func (e *apiError) Error() string { return e.reason }

func refuse(status int, format string, args ...any) error {
	return &apiError{status, fmt.Sprintf(format, args...)}
}

// queue is the project's work: the batches, their items and judgements, the leases. Every
// change is made here, under mu, and queued to the committer in the same order; the request
// that made it is answered once it is committed. It is safe for concurrent use.
type queue struct {
	mu     sync.Mutex
	db     *sql.DB
	c      *committer
	s      Settings
	clock  func() time.Time
	items  map[int]*item
	rounds []*round
	open   []*item       // unresolved items, oldest batch first, in each batch's order
	agreed map[int]*item // resolved items the loop does not train on yet
	given  map[int64]int // judgements standing, by annotator
	recent []judgement   // the judgements of about the last minute, oldest first (status)
	// advancing: a submit is being trained on; done: the budget is spent.
	advancing, done bool
	ready           *submit       // committed, for the trainer to train on
	kick            chan struct{} // told when ready is set
}

// sortOpen puts the unresolved items in the order work is handed out.
func (q *queue) sortOpen() {
	slices.SortFunc(q.open, func(a, b *item) int { return cmp.Or(cmp.Compare(a.round, b.round), cmp.Compare(a.pos, b.pos)) })
}

func (q *queue) notify() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// current returns the latest batch, or nil before the first.
func (q *queue) current() *round {
	if len(q.rounds) == 0 {
		return nil
	}
	return q.rounds[len(q.rounds)-1]
}

// lease hands annotator a up to max items to label: theirs still leased first, then items
// of the oldest batches that need another judgement and that a has not judged. Each lease
// runs for the project's lease time from now; it returns once the leases are committed.
func (q *queue) lease(a int64, max int) ([]*item, error) {
	q.mu.Lock()
	now := q.clock()
	exp := now.Add(q.s.lease())
	var got []*item
	for _, it := range q.open {
		if len(got) == max {
			break
		}
		if e, ok := it.leases[a]; ok && e.After(now) {
			got = append(got, it)
		}
	}
	for _, it := range q.open {
		if len(got) == max {
			break
		}
		if e, mine := it.leases[a]; (mine && e.After(now)) || it.labelledBy(a) || it.free(now) <= 0 {
			continue
		}
		got = append(got, it)
	}
	ids := make([]int, len(got))
	for i, it := range got {
		ids[i] = it.id
		for b, e := range it.leases {
			if !e.After(now) { // an expired lease is reclaimed with the slot
				delete(it.leases, b)
			}
		}
		it.leases[a] = exp
	}
	var done <-chan error = closedNil
	if len(ids) > 0 {
		done = q.c.enqueue(func(tx *sql.Tx) error {
			for _, id := range ids {
				if _, err := tx.Exec(`DELETE FROM leases WHERE item = ? AND expires <= ?`, id, now.UnixMilli()); err != nil {
					return err
				}
				if _, err := tx.Exec(`INSERT OR REPLACE INTO leases (item, annotator, expires) VALUES (?, ?, ?)`, id, a, exp.UnixMilli()); err != nil {
					return err
				}
			}
			return nil
		})
	}
	q.submitIfDue(len(got) == 0)
	q.mu.Unlock()
	if err := <-done; err != nil {
		return nil, err
	}
	return got, nil
}

// closedNil is the outcome of writing nothing: closed, it gives nil at once, to anyone.
var closedNil = func() <-chan error { c := make(chan error); close(c); return c }()

// label records annotator a's judgement of item id; it returns once it is committed.
func (q *queue) label(a int64, id, label int, seconds float64) error {
	switch {
	case label != Unreadable && (label < 0 || label >= len(q.s.classes())):
		return refuse(http.StatusBadRequest, "label %d: want 0 to %d, or %d for unreadable", label, len(q.s.classes())-1, Unreadable)
	case math.IsNaN(seconds) || seconds < 0 || seconds > 86400:
		return refuse(http.StatusBadRequest, "seconds %v: want 0 to 86400", seconds)
	}
	q.mu.Lock()
	now := q.clock()
	it, ok := q.items[id]
	var err error
	switch {
	case !ok:
		err = refuse(http.StatusNotFound, "item %d is in no batch", id)
	case it.labelledBy(a):
		err = refuse(http.StatusConflict, "item %d: you labelled it already (undo with DELETE /api/labels/%d)", id, id)
	case it.leases[a].IsZero():
		err = refuse(http.StatusForbidden, "item %d is not leased to you: ask for work first", id)
	case !it.leases[a].After(now):
		err = refuse(http.StatusGone, "item %d: your lease expired at %s: ask for work again", id, it.leases[a].UTC().Format(time.RFC3339))
	case it.resolved:
		err = refuse(http.StatusConflict, "item %d is settled already", id)
	}
	if err != nil {
		q.mu.Unlock()
		return err
	}
	j := judgement{annotator: a, label: label, seconds: seconds, at: now}
	it.judgements = append(it.judgements, j)
	it.resolve()
	q.given[a]++
	q.recent = append(q.recent, j)
	delete(it.leases, a)
	if it.resolved {
		q.open = slices.DeleteFunc(q.open, func(o *item) bool { return o == it })
		q.agreed[id] = it
	}
	round, final := it.round, finalOf(it)
	done := q.c.enqueue(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO labels (item, label, annotator, round, seconds, at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, label, a, round, seconds, now.UTC().Format(time.RFC3339Nano)); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM leases WHERE item = ? AND annotator = ?`, id, a); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE items SET final = ? WHERE id = ?`, final, id)
		return err
	})
	q.submitIfDue(false)
	q.mu.Unlock()
	return <-done
}

// undo withdraws annotator a's judgement of item id while the item is not yet trained on;
// the item is leased to a again, to be labelled anew.
func (q *queue) undo(a int64, id int) error {
	q.mu.Lock()
	it, ok := q.items[id]
	switch {
	case !ok || !it.labelledBy(a):
		q.mu.Unlock()
		return refuse(http.StatusNotFound, "item %d has no label of yours", id)
	case it.fed > 0:
		q.mu.Unlock()
		return refuse(http.StatusConflict, "item %d: its batch is closed (the network trains on it)", id)
	}
	wasResolved := it.resolved
	for _, j := range it.judgements {
		if j.annotator == a {
			q.recent = slices.DeleteFunc(q.recent, func(r judgement) bool { return r == j })
		}
	}
	q.given[a]--
	it.judgements = slices.DeleteFunc(slices.Clone(it.judgements), func(j judgement) bool { return j.annotator == a })
	it.resolve()
	exp := q.clock().Add(q.s.lease())
	it.leases[a] = exp
	if wasResolved && !it.resolved {
		q.open = append(q.open, it)
		q.sortOpen()
		delete(q.agreed, id)
	}
	final := finalOf(it)
	done := q.c.enqueue(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM labels WHERE item = ? AND annotator = ?`, id, a); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT OR REPLACE INTO leases (item, annotator, expires) VALUES (?, ?, ?)`, id, a, exp.UnixMilli()); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE items SET final = ? WHERE id = ?`, final, id)
		return err
	})
	q.mu.Unlock()
	return <-done
}

// trimRecent forgets the recent judgements given before since. The caller holds q.mu.
func (q *queue) trimRecent(since time.Time) {
	i := 0
	for i < len(q.recent) && !q.recent[i].at.After(since) {
		i++
	}
	q.recent = q.recent[i:]
}

// finalOf is an item's agreed label as stored: NULL while unresolved.
func finalOf(it *item) any {
	if it.resolved {
		return it.final
	}
	return nil
}
