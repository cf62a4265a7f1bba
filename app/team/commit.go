//go:build !wasm

package team

import (
	"database/sql"
	"fmt"
	"sync"
)

// A committer writes the queue's changes to the project file in groups: every change
// pending when a commit starts goes into one transaction (group commit), so the commits a
// second — each a sync to disk — stay few however many people label at once, and each
// caller waits for the commit that holds its change. Changes are made in memory first, under
// the queue's lock, and queued in that order, so they commit in the order they were made.
type committer struct {
	db      *sql.DB
	mu      sync.Mutex
	pending []write
	broken  error // a failed commit: memory is ahead of the file, and nothing more is written
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// A write is one change, applied in the group's transaction; done gets the commit's outcome.
type write struct {
	apply func(*sql.Tx) error
	done  chan error
}

func newCommitter(db *sql.DB) *committer {
	c := &committer{db: db, wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	return c
}

// enqueue queues a change and returns where the outcome of its commit arrives.
func (c *committer) enqueue(apply func(*sql.Tx) error) <-chan error {
	done := make(chan error, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		done <- c.broken
		return done
	}
	c.pending = append(c.pending, write{apply, done})
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return done
}

func (c *committer) run() {
	defer close(c.stopped)
	for {
		select {
		case <-c.wake:
		case <-c.stop:
			c.commit() // what is queued still commits
			return
		}
		c.commit()
	}
}

// commit commits every pending change in one transaction.
func (c *committer) commit() {
	c.mu.Lock()
	group := c.pending
	c.pending = nil
	c.mu.Unlock()
	if len(group) == 0 {
		return
	}
	err := inTx(c.db, func(tx *sql.Tx) error {
		for _, w := range group {
			if err := w.apply(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("team: writing the project file failed, nothing more is written (restart the server): %w", err)
		c.mu.Lock()
		c.broken = err
		c.mu.Unlock()
	}
	for _, w := range group {
		w.done <- err
	}
}

// close commits what is pending and stops.
func (c *committer) close() {
	close(c.stop)
	<-c.stopped
}
