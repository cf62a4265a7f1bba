//go:build !wasm

package team

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"alab/core/active"
)

// loadQueue reads a project's batches, items, judgements and leases. It starts advancing:
// the trainer restores the loop before anything is submitted.
func loadQueue(db *sql.DB, s Settings) (*queue, error) {
	q := &queue{db: db, s: s, clock: time.Now, items: map[int]*item{}, agreed: map[int]*item{}, given: map[int64]int{}, advancing: true, kick: make(chan struct{}, 1)}
	rows, err := db.Query(`SELECT round, labelled, accuracy, held, submitted IS NOT NULL, kept_out FROM rounds ORDER BY round`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		rd := &round{}
		var acc sql.NullFloat64
		var kept sql.NullString
		if err := rows.Scan(&rd.round, &rd.labelled, &acc, &rd.held, &rd.submitted, &kept); err != nil {
			rows.Close()
			return nil, err
		}
		rd.accuracy = math.NaN()
		if acc.Valid {
			rd.accuracy = acc.Float64
		}
		if kept.Valid {
			if err := json.Unmarshal([]byte(kept.String), &rd.keptOut); err != nil {
				rows.Close()
				return nil, fmt.Errorf("team: round %d's kept-out items: %w", rd.round, err)
			}
		}
		if rd.round != len(q.rounds) {
			rows.Close()
			return nil, fmt.Errorf("team: the project's rounds skip from %d to %d", len(q.rounds)-1, rd.round)
		}
		q.rounds = append(q.rounds, rd)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if rows, err = db.Query(`SELECT id, round, pos, needs, final, fed FROM items ORDER BY round, pos`); err != nil {
		return nil, err
	}
	for rows.Next() {
		it := &item{leases: map[int64]time.Time{}}
		var final, fed sql.NullInt64
		if err := rows.Scan(&it.id, &it.round, &it.pos, &it.base, &final, &fed); err != nil {
			rows.Close()
			return nil, err
		}
		if it.round < 0 || it.round >= len(q.rounds) {
			rows.Close()
			return nil, fmt.Errorf("team: item %d is in round %d, which has no batch", it.id, it.round)
		}
		it.fed = int(fed.Int64)
		q.items[it.id] = it
		q.rounds[it.round].items = append(q.rounds[it.round].items, it)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if rows, err = db.Query(`SELECT item, label, annotator, seconds, at FROM labels ORDER BY id`); err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int
		var j judgement
		var at string
		if err := rows.Scan(&id, &j.label, &j.annotator, &j.seconds, &at); err != nil {
			rows.Close()
			return nil, err
		}
		j.at, _ = time.Parse(time.RFC3339Nano, at)
		if it := q.items[id]; it != nil {
			it.judgements = append(it.judgements, j)
			q.given[j.annotator]++
			q.recent = append(q.recent, j)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if rows, err = db.Query(`SELECT item, annotator, expires FROM leases`); err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int
		var a, exp int64
		if err := rows.Scan(&id, &a, &exp); err != nil {
			rows.Close()
			return nil, err
		}
		if it := q.items[id]; it != nil {
			it.leases[a] = time.UnixMilli(exp)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	for _, it := range q.items {
		it.resolve()
		switch {
		case !it.resolved:
			q.open = append(q.open, it)
		case it.fed == 0:
			q.agreed[it.id] = it
		}
	}
	q.sortOpen()
	slices.SortFunc(q.recent, func(a, b judgement) int { return a.at.Compare(b.at) })
	q.trimRecent(time.Now().Add(-time.Minute))
	q.c = newCommitter(db)
	return q, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	rows.Close()
	return err
}

// submitted returns the number of submitted rounds, the answers they gave the loop (in the
// order they were given) and the items the last submit kept out of the next batch.
func (q *queue) submitted() (n int, answers []active.Answer, keptOut []int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, rd := range q.rounds {
		if rd.submitted {
			n, keptOut = rd.round+1, rd.keptOut
		}
	}
	var fed []*item
	for _, it := range q.items {
		if it.fed > 0 {
			fed = append(fed, it)
		}
	}
	slices.SortStableFunc(fed, func(a, b *item) int { return a.fed - b.fed })
	// Within a submit, batch order (byBatchOrder sorted them so before they were fed).
	for i := 0; i < len(fed); {
		j := i
		for j < len(fed) && fed[j].fed == fed[i].fed {
			j++
		}
		byBatchOrder(fed[i:j])
		i = j
	}
	for _, it := range fed {
		answers = append(answers, active.Answer{ID: it.id, Label: it.final, Round: it.fed})
	}
	return n, answers, keptOut
}
