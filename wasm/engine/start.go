package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"alab/core/data"
	"alab/core/nn"
	"alab/core/query"
	"alab/wasm/msg"
)

// A Start is round 0 of a first visit computed ahead of time — by `make web`, natively,
// with this same engine: the network trained on the seed set, and the batch it queries with
// the default settings. Every first visit would compute exactly that, so the tab goes
// straight to showing the batch. A Start records everything its network depended on, and a
// session uses it only where its own round 0 would train exactly that network (the same
// architecture, steps, batch, seed and seed set), and its batch only for the same settings.
// Any other session computes round 0 itself, as without a Start.
type Start struct {
	Arch      string      `json:"arch"`
	ColdSteps int         `json:"coldSteps"`
	Batch     int         `json:"batch"`
	Seed      uint64      `json:"seed"`    // Settings.Seed
	Labels    []msg.Label `json:"labels"`  // the seed set, sorted by ID
	Weights   []byte      `json:"weights"` // the trained network as .npz (nn.Net.Save)
	// Picks are the batch that Settings query with that network.
	Settings msg.Settings `json:"settings"`
	Picks    []query.Pick `json:"picks"`
}

// TrainStart computes round 0 of a first visit with settings s, as a session of cfg over
// pool and test would, and returns it as a Start. The strategy must give finite scores and
// no adversarial images (the default, margin, does).
func TrainStart(ctx context.Context, cfg Config, pool, test *data.Set, s msg.Settings) (*Start, error) {
	e, err := New(cfg, pool, test)
	if err != nil {
		return nil, err
	}
	s = s.WithDefaults()
	labels, err := e.SeedSet(s.Seed)
	if err != nil {
		return nil, err
	}
	if _, err := e.Query(ctx, s); err != nil {
		return nil, err
	}
	for _, p := range e.picks {
		if p.Adversarial != nil || math.IsInf(p.Score, 0) || math.IsNaN(p.Score) {
			return nil, fmt.Errorf("engine: %s's first batch cannot be shipped: sample %d has score %v or an adversarial image", s.Strategy, p.ID, p.Score)
		}
	}
	var w bytes.Buffer
	if err := e.net.Save(&w); err != nil {
		return nil, err
	}
	c := e.cfg
	return &Start{Arch: c.Arch, ColdSteps: c.ColdSteps, Batch: c.Batch, Seed: s.Seed, Labels: labels,
		Weights: w.Bytes(), Settings: s, Picks: e.picks}, nil
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

// startPicks returns the Start's batch if round 0's network is the Start's and s are the
// settings it was queried with; else nil.
func (e *Engine) startPicks(s msg.Settings) []query.Pick {
	if e.round != 0 || !e.started || e.cfg.Start.Settings != s.WithDefaults() {
		return nil
	}
	return slices.Clone(e.cfg.Start.Picks)
}
