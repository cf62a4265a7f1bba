// Package experiment runs active-learning sweeps — strategies × batch sizes × repeats — to
// learning curves, and summarises them (labels needed to reach an accuracy, area under the
// curve, final accuracy, mean ± std over repeats).
package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"alab/core/active"
	"alab/core/query"
	"alab/core/train"
)

// The ranges Check accepts beyond those of active.Config and train.Config: repeats per
// cell, query rounds per run, and cells per sweep (strategies × batch sizes × repeats).
const (
	MaxRepeats = 1000
	MaxRounds  = 10_000
	MaxRuns    = 100_000
)

// Spec is a sweep. Zero values mean the defaults of active.Config, except as noted. The
// ranges are those of active.Config and train.Config, and the constants above.
type Spec struct {
	Strategies   []string      `json:"strategies"`              // at least one, each once
	Batches      []int         `json:"batches"`                 // batch sizes, each once; if empty, [10]
	Repeats      int           `json:"repeats"`                 // 1 to MaxRepeats; if 0, 1
	Seed         uint64        `json:"seed"`                    // repeat r of every strategy and batch size uses seed Seed+r
	Arch         string        `json:"arch,omitempty"`          // network architecture
	Classes      int           `json:"classes,omitempty"`       // the network's outputs (the data's classes); if 0, 10
	Init         int           `json:"init,omitempty"`          // initial labelled set size
	InitBalanced bool          `json:"init_balanced,omitempty"` // class-balanced initial set
	Rounds       int           `json:"rounds,omitempty"`        // queries per run, 0 to MaxRounds; exclusive with Budget
	Budget       int           `json:"budget,omitempty"`        // labels at which a run stops
	PoolSubset   int           `json:"pool_subset,omitempty"`   // candidates scored per round (0: the whole pool)
	MCSamples    int           `json:"mc_samples,omitempty"`    // MC-dropout passes
	Train        train.Config  `json:"train"`                   // each round's training
	WarmStart    bool          `json:"warm_start,omitempty"`    // keep weights between rounds
	DFALAugment  bool          `json:"dfal_augment,omitempty"`  // add adversarial twins (fgsm, deepfool)
	TestLimit    int           `json:"test_limit,omitempty"`    // evaluate on the first N test images
	Options      query.Options `json:"options"`                 // strategies' knobs
}

// ReadSpec decodes a JSON spec: one object with the keys Spec's tags name, exactly as
// written (lower case), and nothing after it. It refuses unknown or differently cased keys
// (a typo would otherwise be ignored) and trailing data (a second object would be ignored).
func ReadSpec(r io.Reader) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return Spec{}, fmt.Errorf("experiment: reading spec: %w", err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return Spec{}, fmt.Errorf("experiment: reading spec: after the object: %w", err)
		}
		return Spec{}, fmt.Errorf("experiment: reading spec: data after the object (%v): want one JSON object", tok)
	}
	if err := checkKeys(raw, reflect.TypeOf(s), "spec"); err != nil {
		return Spec{}, err
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(&s); err != nil {
		return Spec{}, fmt.Errorf("experiment: reading spec: %w", err)
	}
	return s, nil
}

// checkKeys refuses a key of the JSON object raw that is not spelled exactly as a json tag
// (or, untagged, a field name) of the struct t: encoding/json matches keys without regard
// to case, so "Repeats" would otherwise set repeats. Nested structs are checked likewise.
func checkKeys(raw json.RawMessage, t reflect.Type, where string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("experiment: reading spec: %s: %w", where, err)
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
		names = append(names, name)
	}
	for k, v := range obj {
		ft, ok := fields[k]
		if !ok {
			return fmt.Errorf("experiment: reading spec: unknown key %q in %s: want one of %s", k, where, strings.Join(names, ", "))
		}
		if ft.Kind() == reflect.Struct && len(v) > 0 && v[0] == '{' {
			if err := checkKeys(v, ft, where+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
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

// Check reports the first field of the spec outside its range that needs no pool to see:
// counts, lists and their products. Runs allocates a cell per run, so callers check first.
func (s Spec) Check() error {
	s = s.withDefaults()
	switch {
	case len(s.Strategies) == 0:
		return fmt.Errorf("experiment: no strategies: want at least one of %s", strings.Join(query.Names(), ", "))
	case s.Repeats < 1 || s.Repeats > MaxRepeats:
		return fmt.Errorf("experiment: invalid repeats %d: want 1 to %d", s.Repeats, MaxRepeats)
	case s.Rounds < 0 || s.Rounds > MaxRounds:
		return fmt.Errorf("experiment: invalid rounds %d: want 0 (use the budget) to %d", s.Rounds, MaxRounds)
	case s.Rounds > 0 && s.Budget > 0:
		return fmt.Errorf("experiment: both rounds (%d) and budget (%d) given: want one", s.Rounds, s.Budget)
	}
	seenBatch := map[int]bool{}
	for _, b := range s.Batches {
		if b < 1 || b > active.MaxBatch {
			return fmt.Errorf("experiment: invalid batch size %d: want 1 to %d", b, active.MaxBatch)
		}
		if seenBatch[b] {
			return fmt.Errorf("experiment: batch size %d listed twice", b)
		}
		seenBatch[b] = true
	}
	seen := map[string]bool{}
	for _, st := range s.Strategies {
		if strings.TrimSpace(st) == "" {
			return fmt.Errorf("experiment: an empty strategy name: want one of %s", strings.Join(query.Names(), ", "))
		}
		if seen[st] {
			return fmt.Errorf("experiment: strategy %q listed twice", st)
		}
		seen[st] = true
	}
	// Each factor is bounded above, so the product cannot overflow.
	if n := len(s.Strategies) * len(s.Batches) * s.Repeats; n > MaxRuns {
		return fmt.Errorf("experiment: %d strategies × %d batch sizes × %d repeats = %d runs: want at most %d",
			len(s.Strategies), len(s.Batches), s.Repeats, n, MaxRuns)
	}
	return nil
}

// Validate reports the first problem with the spec for a pool of poolSize samples.
func (s Spec) Validate(poolSize int) error {
	if err := s.Check(); err != nil {
		return err
	}
	s = s.withDefaults()
	for _, r := range s.Runs() {
		if err := s.Config(r).Validate(poolSize); err != nil {
			return err
		}
	}
	return nil
}
