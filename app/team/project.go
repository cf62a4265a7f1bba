//go:build !wasm

// Package team serves one labelling project to many annotators: `alab team`. A project is
// a SQLite file (settings, annotators, batches, every judgement, leases, model snapshots);
// the server drives core/active's loop over it natively and hands each batch out a few
// items at a time, the overlap share to two people blind, a disagreement to a third.
package team

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"alab/core/active"
	"alab/core/data"
	"alab/core/train"
)

// Settings are what a project is created with; they never change. Zero values mean the
// defaults given.
type Settings struct {
	Data     string  `json:"data"`     // MNIST directory (data.MNIST); "" for the original MNIST
	Strategy string  `json:"strategy"` // query strategy (core/query); if "", "margin"
	Batch    int     `json:"batch"`    // items per batch; if 0, 30
	Init     int     `json:"init"`     // class-balanced initial set labelled from the data's labels; if 0, 20
	Overlap  float64 `json:"overlap"`  // share of each batch labelled by two people, 0 to 1
	Seed     uint64  `json:"seed"`     // every random choice of the loop
	LeaseS   float64 `json:"lease_s"`  // seconds an item stays leased; if 0, 120
	// PoolSubset, if positive, scores that many random unlabelled items a round (see
	// active.Settings); 0 scores the whole pool.
	PoolSubset int `json:"pool_subset"`
	// TestLimit, if positive, evaluates on the first TestLimit test images only.
	TestLimit int `json:"test_limit"`

	// Images says the project is on images stored in its file (InitImages) rather than on
	// MNIST: Classes name its classes in label order, and Test says the file holds a test
	// set. With no test set, every active.HeldOutEvery-th agreed label is held out of training
	// to estimate the accuracy.
	Images  bool     `json:"images,omitempty"`
	Classes []string `json:"classes,omitempty"`
	Test    bool     `json:"test,omitempty"`
}

// digits are MNIST's class names.
var digits = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// classes returns the project's class names in label order.
func (s Settings) classes() []string {
	if s.Images {
		return s.Classes
	}
	return digits
}

// heldOut reports whether the project measures its accuracy on held-out labels.
func (s Settings) heldOut() bool { return s.Images && !s.Test }

func (s Settings) withDefaults() Settings {
	s.Strategy = cmp.Or(s.Strategy, "margin")
	s.Batch = cmp.Or(s.Batch, 30)
	s.Init = cmp.Or(s.Init, 20)
	s.LeaseS = cmp.Or(s.LeaseS, 120)
	return s
}

// validate reports the first setting outside what is allowed, for a pool of poolSize.
func (s Settings) validate(poolSize int) error {
	switch {
	case math.IsNaN(s.Overlap) || s.Overlap < 0 || s.Overlap > 1:
		return fmt.Errorf("team: invalid overlap %v: want a share from 0 to 1", s.Overlap)
	case math.IsNaN(s.LeaseS) || s.LeaseS < 1 || s.LeaseS > 86400:
		return fmt.Errorf("team: invalid lease of %v s: want 1 s to 24 h", s.LeaseS)
	case s.TestLimit < 0:
		return fmt.Errorf("team: invalid test limit %d: want 0 (all) or more", s.TestLimit)
	}
	if s.Images {
		if err := data.CheckClasses(s.Classes); err != nil {
			return err
		}
	}
	return s.loopConfig(poolSize).Validate(poolSize)
}

// lease is how long an item stays leased.
func (s Settings) lease() time.Duration { return time.Duration(s.LeaseS * float64(time.Second)) }

// overlapped is how many items of a batch of n are labelled by two people: the first ones in
// the query's order, the items it asked for most.
func (s Settings) overlapped(n int) int { return int(math.Round(s.Overlap * float64(n))) }

// loopConfig is the loop a project drives: the browser lab's warm-started schedule, a
// class-balanced initial set from MNIST's labels — or, on images, no initial set (the first
// batch is drawn at random) — and a budget of the whole pool.
func (s Settings) loopConfig(poolSize int) active.Config {
	if s.Images {
		c := s.mnistConfig(poolSize)
		c.Classes, c.Unseeded, c.Init, c.InitBalanced, c.TestLimit = len(s.Classes), true, 0, false, 0
		if s.heldOut() {
			c.HoldOut = active.HeldOutEvery
		}
		return c
	}
	return s.mnistConfig(poolSize)
}

func (s Settings) mnistConfig(poolSize int) active.Config {
	return active.Config{
		Settings: active.Settings{Strategy: s.Strategy, Batch: s.Batch, PoolSubset: s.PoolSubset},
		Init:     s.Init, InitBalanced: true, Budget: poolSize,
		Train: active.Schedule{
			Cold:      train.Config{Steps: 60, Batch: 32},
			WarmStart: true, Pre: 30,
			Warm: train.Config{Steps: 20, Batch: 32},
		},
		ModelCap: 300, TestLimit: s.TestLimit, Seed: s.Seed,
	}
}

// load reads the project's pool and test set: MNIST's, or the images of the project file
// db (with their file names, by pool ID).
func (s Settings) load(db *sql.DB) (pool, test *data.Set, files []string, err error) {
	if s.Images {
		return loadImages(db, len(s.Classes))
	}
	pool, test, err = data.MNIST(s.Data)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("team: %w", err)
	}
	for _, set := range []*data.Set{pool, test} {
		if err := set.Validate(10); err != nil {
			return nil, nil, nil, fmt.Errorf("team: %w", err)
		}
	}
	return pool, test, nil, nil
}

// Init creates the project file path with settings s, checking them against the data
// first. An existing file is never overwritten.
func Init(path string, s Settings) error {
	s = s.withDefaults()
	if s.Data != "" { // the server may start in another directory
		abs, err := filepath.Abs(s.Data)
		if err != nil {
			return fmt.Errorf("team: %w", err)
		}
		s.Data = abs
	}
	if s.Images {
		return fmt.Errorf("team: a project on images is created by InitImages")
	}
	pool, _, _, err := s.load(nil)
	if err != nil {
		return err
	}
	return create(path, s, pool.N, nil)
}

// create validates s for a pool of poolSize and creates the project file path with it and
// fill's rows.
func create(path string, s Settings, poolSize int, fill func(*sql.Tx) error) error {
	if err := s.validate(poolSize); err != nil {
		return err
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	db, err := createDB(path, string(raw), now(), fill)
	if err != nil {
		return err
	}
	return db.Close()
}

// now is the time a row records, in UTC (RFC 3339 with milliseconds).
func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00") }
