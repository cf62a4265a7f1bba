package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"alab/core/active"
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
// architecture, steps, batch and seed; the loop checks the seed set), and its batch only for
// the same settings (active.RoundZero). Any other session computes round 0 itself.
type Start struct {
	Arch      string      `json:"arch"`
	ColdSteps int         `json:"coldSteps"`
	Batch     int         `json:"batch"`
	Seed      uint64      `json:"seed"`    // Settings.Seed
	Labels    []msg.Label `json:"labels"`  // the seed set, sorted by ID
	Weights   []byte      `json:"weights"` // the trained network as .npz (nn.Net.Save)
	// Accuracy is that network's on the test set TrainStart was given, if Tested: a first
	// visit shows it without evaluating.
	Accuracy float64 `json:"accuracy"`
	Tested   bool    `json:"tested"`
	// Picks are the batch that Settings query with that network.
	Settings msg.Settings `json:"settings"`
	Picks    []query.Pick `json:"picks"`

	net *nn.Net // Weights, loaded
}

// TrainStart computes round 0 of a first visit with settings s, as a session of cfg over
// pool and test would, and returns it as a Start. The strategy must give finite scores and
// no adversarial images (the default, margin, does).
func TrainStart(ctx context.Context, cfg Config, pool, test *data.Set, s msg.Settings) (*Start, error) {
	cfg.Start = nil
	e, err := New(ctx, cfg, pool, test, s)
	if err != nil {
		return nil, err
	}
	if _, err := e.Query(ctx); err != nil {
		return nil, err
	}
	acc, _, err := e.Evaluate()
	if err != nil {
		return nil, err
	}
	picks := e.loop.Batch()
	for _, p := range picks {
		if p.Adversarial != nil || math.IsInf(p.Score, 0) || math.IsNaN(p.Score) {
			return nil, fmt.Errorf("engine: %s's first batch cannot be shipped: sample %d has score %v or an adversarial image", s.Strategy, p.ID, p.Score)
		}
	}
	var w bytes.Buffer
	if err := e.loop.Net().Save(&w); err != nil {
		return nil, err
	}
	c := e.cfg
	return &Start{Arch: c.Arch, ColdSteps: c.ColdSteps, Batch: c.Batch, Seed: e.settings.Seed, Labels: e.SeedSet(),
		Weights: w.Bytes(), Accuracy: acc, Tested: true, Settings: e.settings, Picks: slices.Clone(picks), net: e.loop.Net()}, nil
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
	s.net = net
	return &s, nil
}

// roundZero returns the Start as round 0 of a session of c with settings s, or nil where
// the session's round 0 would train another network (s may be nil).
func (st *Start) roundZero(c Config, s msg.Settings) *active.RoundZero {
	if st == nil || st.net == nil || st.Arch != c.Arch || st.ColdSteps != c.ColdSteps || st.Batch != c.Batch || st.Seed != s.Seed {
		return nil
	}
	ids := make([]int, len(st.Labels))
	for i, l := range st.Labels {
		ids[i] = l.ID
	}
	return &active.RoundZero{Net: st.net, Labelled: ids, Tested: st.Tested, Accuracy: st.Accuracy,
		Settings: settings(st.Settings.WithDefaults()), Batch: st.Picks}
}
