//go:build !wasm

package team

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"alab/core/active"
	"alab/core/data"
)

// A Project is an open team project: its queue of work and the loop that trains on it.
type Project struct {
	db     *sql.DB
	s      Settings
	q      *queue
	pool   *data.Set
	test   *data.Set
	files  []string     // on images, each pool item's file name, by ID
	loop   *active.Loop // owned by the trainer (Run) alone
	logf   func(format string, args ...any)
	pngs   sync.Map  // item ID → its image as a data URL
	lookup *sql.Stmt // lookupToken, prepared
}

// Open opens the project file path and loads its data and its work. Run restores the loop.
// logf (which may be nil) is told what the trainer does.
func Open(path string, logf func(format string, args ...any)) (*Project, error) {
	db, err := openDB(path)
	if err != nil {
		return nil, err
	}
	p, err := open(db, logf)
	if err != nil {
		db.Close()
		return nil, err
	}
	return p, nil
}

func open(db *sql.DB, logf func(string, ...any)) (*Project, error) {
	var raw string
	if err := db.QueryRow(`SELECT settings FROM project WHERE id = 1`).Scan(&raw); err != nil {
		return nil, fmt.Errorf("team: the project's settings: %w", err)
	}
	var s Settings
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return nil, fmt.Errorf("team: the project's settings: %w", err)
	}
	s = s.withDefaults()
	pool, test, files, err := s.load(db)
	if err != nil {
		return nil, err
	}
	if err := s.validate(pool.N); err != nil {
		return nil, err
	}
	lookup, err := db.Prepare(lookupToken)
	if err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	q, err := loadQueue(db, s)
	if err != nil {
		lookup.Close()
		return nil, err
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Project{db: db, s: s, q: q, pool: pool, test: test, files: files, logf: logf, lookup: lookup}, nil
}

// Close commits what is pending and closes the project file.
func (p *Project) Close() error {
	p.q.c.close()
	p.lookup.Close()
	return p.db.Close()
}

// Run restores the loop from the project's answers (active.Loop.Replay, so it goes on to
// the batch it would have queried without a restart), then trains and queries each next
// batch as soon as the current one is due (see queue.due), until ctx is done.
func (p *Project) Run(ctx context.Context) error {
	err := p.run(ctx)
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil // stopped while training: what is committed is whole
	}
	return err
}

func (p *Project) run(ctx context.Context) error {
	if err := p.restore(ctx); err != nil {
		return err
	}
	for {
		if sub := p.q.takeSubmit(); sub != nil {
			if err := p.advance(ctx, sub); err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.q.kick:
		}
	}
}

// restore rebuilds the loop: replays every submitted round, with the batch on screen pending,
// or queries the batch the last submit was to query.
func (p *Project) restore(ctx context.Context) error {
	start := time.Now()
	loop, err := active.New(ctx, p.s.loopConfig(p.pool.N), p.pool, p.test, active.GroundTruth{Set: p.pool})
	if err != nil {
		return fmt.Errorf("team: %w", err)
	}
	p.loop = loop
	n, answers, keptOut := p.q.submitted()
	initial := make([]active.Answer, 0, len(loop.Initial())+len(answers))
	for _, id := range loop.Initial() {
		initial = append(initial, active.Answer{ID: id, Label: int(loop.Pool().LabelOf(id))})
	}
	answers = append(initial, answers...)
	p.q.mu.Lock()
	published := len(p.q.rounds) > n
	var pending []int
	if published {
		for _, it := range p.q.rounds[n].items {
			pending = append(pending, it.id)
		}
	}
	p.q.mu.Unlock()
	if err := loop.Replay(ctx, answers, n, pending); err != nil {
		return fmt.Errorf("team: restoring round %d: %w", n, err)
	}
	if !published {
		if err := p.queryNext(ctx, keptOut); err != nil {
			return err
		}
	} else {
		if len(pending) == 0 { // an empty batch: query again to learn whether the budget is spent
			r, err := p.query(ctx, keptOut)
			if err != nil {
				return err
			}
			p.q.mu.Lock()
			p.q.done = len(r.Picks) == 0
			p.q.mu.Unlock()
		}
		if err := p.evaluate(ctx); err != nil {
			return err
		}
	}
	p.q.mu.Lock()
	if p.q.ready == nil { // a submit committed meanwhile keeps the queue advancing
		p.q.advancing = false
	}
	p.q.mu.Unlock()
	p.logf("team: round %d restored from %d answers in %v", n, len(answers), time.Since(start).Round(time.Millisecond))
	return nil
}

// advance gives the loop a submit's answers, submits the round and queries the next batch.
func (p *Project) advance(ctx context.Context, sub *submit) error {
	start := time.Now()
	for _, a := range sub.answers {
		var err error
		if a.Label == Unreadable {
			err = p.loop.TakeOut(a.ID)
		} else {
			err = p.loop.Answer(a.ID, uint8(a.Label))
		}
		if err != nil {
			return fmt.Errorf("team: %w", err)
		}
	}
	if err := p.loop.Submit(); err != nil {
		return fmt.Errorf("team: %w", err)
	}
	if err := p.queryNext(ctx, sub.keptOut); err != nil {
		return err
	}
	p.logf("team: round %d submitted with %d new labels, %d items still out; round %d queried, tested and pretrained in %v",
		sub.round, len(sub.answers), len(sub.keptOut), sub.round+1, time.Since(start).Round(time.Millisecond))
	return nil
}

// query runs the current round's query for a batch of the project's size beyond the items
// kept out (still being labelled, so never asked twice).
func (p *Project) query(ctx context.Context, keptOut []int) (*active.Round, error) {
	set := p.loop.Settings()
	set.Batch = p.s.Batch + len(keptOut)
	if err := p.loop.SetSettings(set); err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	r, err := p.loop.Query(ctx)
	if errors.Is(err, active.ErrDone) {
		return &active.Round{Round: p.loop.Round()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	return r, nil
}

// queryNext queries the current round's batch and publishes it, then measures its network's
// test accuracy and runs the part of the next round's training that needs no new labels.
func (p *Project) queryNext(ctx context.Context, keptOut []int) error {
	r, err := p.query(ctx, keptOut)
	if err != nil {
		return err
	}
	var ids []int
	for _, pick := range r.Picks {
		if len(ids) < p.s.Batch && !slices.Contains(keptOut, pick.ID) {
			ids = append(ids, pick.ID)
		}
	}
	for _, id := range ids {
		p.png(id) // encoded here, not while the first requests for the batch wait
	}
	var npz bytes.Buffer
	if net := p.loop.Net(); net != nil {
		if err := net.Save(&npz); err != nil {
			return err
		}
	}
	if err := p.q.publish(r.Round, r.Labelled, ids, npz.Bytes(), len(r.Picks) == 0); err != nil {
		return fmt.Errorf("team: publishing round %d: %w", r.Round, err)
	}
	p.logf("team: round %d's batch of %d published (trained %v, scored %v, selected %v)", r.Round, len(ids),
		r.Train.Round(time.Millisecond), r.Score.Round(time.Millisecond), r.Select.Round(time.Millisecond))
	return p.evaluate(ctx)
}

// evaluate measures the current network's accuracy once — on the test set, or on the labels
// held out of training (Settings.heldOut) — and pretrains the next round. A round without a
// network (the first on images) has no accuracy.
func (p *Project) evaluate(ctx context.Context) error {
	r := p.loop.Round()
	p.q.mu.Lock()
	known := r < len(p.q.rounds) && !math.IsNaN(p.q.rounds[r].accuracy)
	p.q.mu.Unlock()
	if !known && p.loop.Net() != nil {
		var acc float64
		held := 0
		if p.s.heldOut() {
			est, err := p.loop.HeldOut()
			if err != nil {
				return fmt.Errorf("team: %w", err)
			}
			acc, held = est.Accuracy, est.N
		} else {
			var err error
			if acc, _, err = p.loop.Evaluate(); err != nil {
				return fmt.Errorf("team: %w", err)
			}
		}
		if !p.s.heldOut() || held > 0 {
			if err := p.q.setAccuracy(r, acc, held); err != nil {
				return err
			}
		}
	}
	_, err := p.loop.Pretrain(ctx)
	return err
}
