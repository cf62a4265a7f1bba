package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"alab/core/data"
	"alab/core/nn"
	"alab/wasm/msg"
)

// A Start is the network of round 0 trained ahead of time — by `make web`, natively, with
// this same engine — so that a first visit goes straight to its first query instead of
// training in the tab. It records everything that training depended on, and a session uses
// it only where its own round 0 would train on exactly that: the same architecture, steps,
// batch, seed and seed set. Any other session trains round 0 itself, as without a Start.
type Start struct {
	Arch      string      `json:"arch"`
	ColdSteps int         `json:"coldSteps"`
	Batch     int         `json:"batch"`
	Seed      uint64      `json:"seed"`    // Settings.Seed
	Labels    []msg.Label `json:"labels"`  // the seed set, sorted by ID
	Weights   []byte      `json:"weights"` // the trained network as .npz (nn.Net.Save)
}

// TrainStart trains the network of round 0 of a first visit with Settings.Seed seed, as a
// session of cfg over pool and test would, and returns it as a Start.
func TrainStart(ctx context.Context, cfg Config, pool, test *data.Set, seed uint64) (*Start, error) {
	e, err := New(cfg, pool, test)
	if err != nil {
		return nil, err
	}
	labels, err := e.SeedSet(seed)
	if err != nil {
		return nil, err
	}
	if _, err := e.train(ctx, seed); err != nil {
		return nil, err
	}
	var w bytes.Buffer
	if err := e.net.Save(&w); err != nil {
		return nil, err
	}
	c := e.cfg
	return &Start{Arch: c.Arch, ColdSteps: c.ColdSteps, Batch: c.Batch, Seed: seed, Labels: labels, Weights: w.Bytes()}, nil
}

// WriteStart writes s as JSON, the form ReadStart reads.
func WriteStart(w io.Writer, s *Start) error { return json.NewEncoder(w).Encode(s) }

// ReadStart decodes a Start written by WriteStart and checks that its weights load.
func ReadStart(r io.Reader) (*Start, error) {
	var s Start
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("engine: the first network: %w", err)
	}
	net, err := nn.Load(bytes.NewReader(s.Weights), int64(len(s.Weights)))
	if err != nil {
		return nil, fmt.Errorf("engine: the first network: %w", err)
	}
	if net.Arch != s.Arch {
		return nil, fmt.Errorf("engine: the first network's weights are %s, its record says %q", net.Arch, s.Arch)
	}
	return &s, nil
}

// startNet returns the Start's network if it is the one round 0 of this session, with
// Settings.Seed seed, would train; else nil.
func (e *Engine) startNet(seed uint64) *nn.Net {
	s := e.cfg.Start
	if s == nil || e.round != 0 || s.Arch != e.cfg.Arch || s.ColdSteps != e.cfg.ColdSteps ||
		s.Batch != e.cfg.Batch || s.Seed != seed {
		return nil
	}
	var labels []msg.Label
	for _, id := range e.pool.Labelled() {
		if e.pool.Round(id) == 0 {
			labels = append(labels, msg.Label{ID: id, Label: int(e.pool.LabelOf(id))})
		}
	}
	slices.SortFunc(labels, func(a, b msg.Label) int { return a.ID - b.ID })
	same := slices.EqualFunc(labels, s.Labels, func(a, b msg.Label) bool { return a.ID == b.ID && a.Label == b.Label })
	if !same {
		return nil
	}
	net, err := nn.Load(bytes.NewReader(s.Weights), int64(len(s.Weights)))
	if err != nil { // ReadStart checked it
		return nil
	}
	return net
}
