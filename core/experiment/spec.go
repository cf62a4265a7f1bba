// Package experiment runs active-learning sweeps — strategies × batch sizes × repeats — to
// learning curves, and summarises them (labels needed to reach an accuracy, area under the
// curve, final accuracy, mean ± std over repeats).
package experiment

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"alab/core/active"
	"alab/core/query"
	"alab/core/train"
)

// Spec is a sweep. Zero values mean the defaults of active.Config, except as noted.
type Spec struct {
	Strategies   []string      `json:"strategies"`              // at least one
	Batches      []int         `json:"batches"`                 // batch sizes; if empty, [10]
	Repeats      int           `json:"repeats"`                 // if 0, 1
	Seed         uint64        `json:"seed"`                    // repeat r of every strategy and batch size uses seed Seed+r
	Arch         string        `json:"arch,omitempty"`          // network architecture
	Classes      int           `json:"classes,omitempty"`       // the network's outputs (the data's classes); if 0, 10
	Init         int           `json:"init,omitempty"`          // initial labelled set size
	InitBalanced bool          `json:"init_balanced,omitempty"` // class-balanced initial set
	Rounds       int           `json:"rounds,omitempty"`        // queries per run; exclusive with Budget
	Budget       int           `json:"budget,omitempty"`        // labels at which a run stops
	PoolSubset   int           `json:"pool_subset,omitempty"`   // candidates scored per round (0: the whole pool)
	MCSamples    int           `json:"mc_samples,omitempty"`    // MC-dropout passes
	Train        train.Config  `json:"train"`                   // each round's training
	WarmStart    bool          `json:"warm_start,omitempty"`    // keep weights between rounds
	DFALAugment  bool          `json:"dfal_augment,omitempty"`  // add adversarial twins (fgsm, deepfool)
	TestLimit    int           `json:"test_limit,omitempty"`    // evaluate on the first N test images
	Options      query.Options `json:"options"`                 // strategies' knobs
}

// ReadSpec decodes a JSON spec, refusing unknown fields (a typo would otherwise be ignored).
func ReadSpec(r io.Reader) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("experiment: reading spec: %w", err)
	}
	return s, nil
}

func (s Spec) withDefaults() Spec {
	if len(s.Batches) == 0 {
		s.Batches = []int{10}
	}
	if s.Repeats == 0 {
		s.Repeats = 1
	}
	return s
}

// Run is one cell of a sweep: a strategy, a batch size and a repeat.
type Run struct {
	Strategy string
	Batch    int
	Repeat   int
}

// Runs lists the sweep's cells in a fixed order: strategy, then batch size, then repeat.
func (s Spec) Runs() []Run {
	s = s.withDefaults()
	var runs []Run
	for _, st := range s.Strategies {
		for _, b := range s.Batches {
			for r := 0; r < s.Repeats; r++ {
				runs = append(runs, Run{Strategy: st, Batch: b, Repeat: r})
			}
		}
	}
	return runs
}

// Shard returns the runs of shard i of n (0 ≤ i < n): every n-th run starting at i, so
// shards of a sweep are disjoint, cover it, and are balanced across strategies.
func Shard(runs []Run, i, n int) ([]Run, error) {
	if n < 1 || i < 0 || i >= n {
		return nil, fmt.Errorf("experiment: invalid shard %d/%d: want i/n with 0 ≤ i < n", i, n)
	}
	var out []Run
	for j := i; j < len(runs); j += n {
		out = append(out, runs[j])
	}
	return out, nil
}

// Config returns the active-learning configuration of one run.
func (s Spec) Config(r Run) active.Config {
	s = s.withDefaults()
	c := active.Config{
		Arch: s.Arch, Classes: s.Classes,
		Settings: active.Settings{
			Strategy: r.Strategy, Options: s.Options, Batch: r.Batch,
			PoolSubset: s.PoolSubset, MCSamples: s.MCSamples,
		},
		Init: s.Init, InitBalanced: s.InitBalanced, Budget: s.Budget,
		Train:       active.Schedule{Cold: s.Train, WarmStart: s.WarmStart, Warm: s.Train},
		DFALAugment: s.DFALAugment,
		TestLimit:   s.TestLimit, Seed: s.Seed + uint64(r.Repeat),
	}
	if s.Rounds > 0 {
		init := c.Init
		if init == 0 {
			init = 20 // active.Config's default
		}
		c.Budget = init + s.Rounds*r.Batch
	}
	return c
}

// Validate reports the first problem with the spec for a pool of poolSize samples.
func (s Spec) Validate(poolSize int) error {
	s = s.withDefaults()
	switch {
	case len(s.Strategies) == 0:
		return fmt.Errorf("experiment: no strategies: want at least one of %s", strings.Join(query.Names(), ", "))
	case s.Repeats < 1:
		return fmt.Errorf("experiment: invalid repeats %d: want at least 1", s.Repeats)
	case s.Rounds < 0:
		return fmt.Errorf("experiment: invalid rounds %d: want at least 1", s.Rounds)
	case s.Rounds > 0 && s.Budget > 0:
		return fmt.Errorf("experiment: both rounds (%d) and budget (%d) given: want one", s.Rounds, s.Budget)
	}
	for _, b := range s.Batches {
		if b < 1 {
			return fmt.Errorf("experiment: invalid batch size %d: want at least 1", b)
		}
	}
	seen := map[string]bool{}
	for _, st := range s.Strategies {
		if seen[st] {
			return fmt.Errorf("experiment: strategy %q listed twice", st)
		}
		seen[st] = true
	}
	for _, r := range s.Runs() {
		if err := s.Config(r).Validate(poolSize); err != nil {
			return err
		}
	}
	return nil
}
