package ui

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"alab/core/curve"
	"alab/wasm/msg"
)

// raceModel is what the race view knows and does, apart from the browser: its settings,
// the strategies picked, and the rows the workers sent. race_wasm.go runs the workers.
type raceModel struct {
	cfg     msg.Race
	picked  map[string]bool
	rows    []msg.Row
	done    map[string]bool // strategies whose run has finished
	running bool
	start   time.Time
	elapsed time.Duration
	errText string
	workers int // workers of the race on screen
	now     func() time.Time
	speed   deviceSpeed // what the strategies cost here
}

func newRaceModel(now func() time.Time) *raceModel {
	r := &raceModel{cfg: msg.RaceDefaults(), picked: map[string]bool{}, now: now}
	for _, s := range r.cfg.Strategies {
		r.picked[s] = true
	}
	return r
}

// raceCommand is a race control: start, stop, export, or pick (or drop) a strategy.
type raceCommand struct {
	op       raceOp
	strategy string // of racePick
	on       bool   // of racePick: picked or dropped
}

type raceOp int

const (
	raceStart raceOp = iota + 1
	raceStop
	raceExport
	racePick
)

// raceSetting is a race setting's new value from its control.
type raceSetting struct {
	field string // one of the race's numeric controls (raceControls)
	n     int
}

// set applies a race setting; a value out of the control's range is ignored.
func (r *raceModel) set(s raceSetting) {
	for _, f := range raceFields(&r.cfg) {
		if f.name == s.field && s.n >= f.lo && s.n <= f.hi {
			*f.v = s.n
		}
	}
	if s.field == raceBatchSlider {
		r.cfg.Batch = batchFromSlider(s.n)
		if r.cfg.Budget < r.cfg.Init+r.cfg.Batch {
			r.cfg.Budget = r.cfg.Init + 2*r.cfg.Batch
		}
	}
}

// raceField is one of the race's numeric settings, with its control's label and range.
type raceField struct {
	name, label string
	v           *int
	lo, hi      int
}

// raceBatchSlider is the batch size's control: a slider on a log scale (batchFromSlider).
const raceBatchSlider = "batch"

// raceFields lists the race's numeric settings of cfg, in the order the controls show them.
func raceFields(cfg *msg.Race) []raceField {
	return []raceField{
		{"init", "Initial labels", &cfg.Init, 10, 1000},
		{"budget", "Budget (labels)", &cfg.Budget, 20, 10000},
		{"poolSubset", "Candidates scored", &cfg.PoolSubset, 100, 10000},
		{"steps", "Training steps a round", &cfg.Steps, 1, 1000},
		{"mcSamples", "MC dropout passes T", &cfg.MCSamples, 1, 100},
	}
}

// strategies returns the strategies picked, in msg.Strategies' order.
func (r *raceModel) strategies() []string {
	var out []string
	for _, s := range msg.Strategies {
		if r.picked[s.Name] {
			out = append(out, s.Name)
		}
	}
	return out
}

// begin starts a race on at most workers workers and returns what each is sent, or nil
// (with errText set) if the settings are invalid.
func (r *raceModel) begin(workers int) []msg.Race {
	cfg := r.cfg
	cfg.Strategies = r.strategies()
	if cfg.Budget < cfg.Init+cfg.Batch {
		cfg.Budget = cfg.Init + cfg.Batch
	}
	if err := cfg.Validate(); err != nil {
		r.errText = err.Error()
		return nil
	}
	r.errText, r.rows, r.done = "", nil, map[string]bool{}
	r.cfg.Budget = cfg.Budget
	r.workers = max(1, min(workers, len(cfg.Strategies)))
	r.running, r.start, r.elapsed = true, r.now(), 0
	var parts []msg.Race
	for _, share := range msg.ShareOut(cfg, r.workers) {
		part := cfg
		part.Strategies = share
		parts = append(parts, part)
	}
	return parts
}

// stopped notes that the race's workers were stopped.
func (r *raceModel) stopped() {
	if r.running {
		r.running = false
		r.elapsed = r.now().Sub(r.start)
	}
}

// fail notes that the race stopped because of what.
func (r *raceModel) fail(what string) {
	r.stopped()
	r.errText = "The race stopped: " + what
}

// receive takes a worker's message and says whether the race is over (finished or
// failed): its workers are then stopped.
func (r *raceModel) receive(m msg.Msg) (over bool) {
	switch m.Kind {
	case msg.KindRace:
		r.rows = append(r.rows, m.Rows...)
		r.elapsed = r.now().Sub(r.start)
	case msg.KindRaceDone:
		r.done[m.Stage] = true
		if len(r.done) == len(r.order()) {
			r.stopped()
			return true
		}
	case msg.KindError:
		r.fail(m.Error)
		return true
	}
	return false
}

// order returns the strategies of the race on screen, in the order picked.
func (r *raceModel) order() []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, row := range r.rows {
		add(row.Strategy)
	}
	for s := range r.done {
		add(s)
	}
	if r.running || len(r.rows) > 0 {
		for _, s := range r.strategies() {
			add(s)
		}
	}
	return out
}

// state is the race's state as the page shows it (data-state): idle, running or done.
func (r *raceModel) state() string {
	switch {
	case r.running:
		return "running"
	case len(r.rows) > 0 && r.errText == "":
		return "done"
	}
	return "idle"
}

// status says how far the race is.
func (r *raceModel) status() string {
	if len(r.rows) == 0 && !r.running {
		return "Pick strategies and a batch size, then start. Random is always in the race: it is the baseline."
	}
	top := 0
	for _, row := range r.rows {
		top = max(top, row.Labelled)
	}
	s := fmt.Sprintf("%.0f s · %d strategies on %d worker(s) · up to %d of %d labels",
		r.elapsed.Seconds(), len(r.order()), r.workers, top, r.cfg.Budget)
	if r.state() == "done" {
		s = "Finished in " + s
	}
	return s
}

// csv returns the race's rows as alab run's curves.csv, strategy by strategy.
func (r *raceModel) csv() string {
	order := r.order()
	rows := slices.Clone(r.rows)
	slices.SortStableFunc(rows, func(a, b msg.Row) int {
		if d := slices.Index(order, a.Strategy) - slices.Index(order, b.Strategy); d != 0 {
			return d
		}
		return a.Round - b.Round
	})
	var b strings.Builder
	curve.WriteCSV(&b, rows) // a strings.Builder does not fail
	return b.String()
}

// batchFromSlider maps the slider's 0–300 to a batch size 1–1000 on a log scale.
func batchFromSlider(v int) int {
	return max(1, min(1000, int(math.Round(math.Pow(10, float64(v)/100)))))
}

func sliderFromBatch(b int) int { return int(math.Round(100 * math.Log10(float64(max(b, 1))))) }
