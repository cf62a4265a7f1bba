package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"alab/wasm/msg"
)

func TestRace(t *testing.T) {
	c := &clock{t: now, step: time.Second}
	r := newRaceModel(c.now)
	r.picked["bald"] = false
	r.picked["entropy"] = true
	want := []string{"margin", "entropy", "random", "coreset"} // msg.Strategies' order
	if got := r.strategies(); !slices.Equal(got, want) {
		t.Fatalf("picked %v, want %v", got, want)
	}
	parts := r.begin(3)
	var all []string
	for _, p := range parts {
		all = append(all, p.Strategies...)
		if p.Batch != r.cfg.Batch || p.Init != r.cfg.Init {
			t.Errorf("a worker's share %+v has other settings than the race's %+v", p, r.cfg)
		}
	}
	slices.Sort(all)
	if len(parts) != 3 || !slices.Equal(all, []string{"coreset", "entropy", "margin", "random"}) || !r.running || r.state() != "running" {
		t.Fatalf("begin on 3 workers: %d shares of %v (running %v)", len(parts), all, r.running)
	}
	// Rows of the workers arrive interleaved; the CSV sorts them by strategy and round.
	for _, row := range []msg.Row{{Strategy: "margin", Round: 0, Labelled: 20}, {Strategy: "entropy", Round: 1, Labelled: 30}, {Strategy: "margin", Round: 1, Labelled: 30}} {
		if r.receive(msg.Msg{Kind: msg.KindRace, Rows: []msg.Row{row}}) {
			t.Fatal("the race is over after a row")
		}
	}
	if got := r.order(); !slices.Equal(got, []string{"margin", "entropy", "random", "coreset"}) {
		t.Errorf("order %v: want the strategies with rows first, then the rest as picked", got)
	}
	lines := strings.Split(strings.TrimSpace(r.csv()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "margin,") || !strings.Contains(lines[1], ",0,20,") || !strings.HasPrefix(lines[3], "entropy,") {
		t.Errorf("CSV %q: want the header, margin's rounds 0 and 1, then entropy's", lines)
	}
	for i, s := range want {
		over := r.receive(msg.Msg{Kind: msg.KindRaceDone, Stage: s})
		if over != (i == len(want)-1) {
			t.Fatalf("after %s is done the race is over: %v", s, over)
		}
	}
	if r.running || r.state() != "done" || !strings.HasPrefix(r.status(), "Finished in ") || r.elapsed <= 0 {
		t.Errorf("finished race: running %v, state %s, status %q", r.running, r.state(), r.status())
	}
	if rows := raceRows(r); len(rows) != 4 || rows[0].Labels != "30 ✓" || rows[2].Labels != "– ✓" || rows[0].Color != strategyColor("margin") {
		t.Errorf("table rows %+v", rows)
	}

	r.begin(2)
	if r.receive(msg.Msg{Kind: msg.KindError, Error: "out of memory"}) != true || r.running || r.state() != "idle" || !strings.Contains(r.errText, "out of memory") {
		t.Errorf("a worker's error: running %v, state %s, error %q", r.running, r.state(), r.errText)
	}
}

func TestRaceSettings(t *testing.T) {
	r := newRaceModel(time.Now)
	r.set(raceSetting{"init", 50})
	r.set(raceSetting{"init", 5}) // under the control's minimum: ignored
	r.set(raceSetting{"steps", 2000})
	if r.cfg.Init != 50 || r.cfg.Steps != msg.RaceDefaults().Steps {
		t.Errorf("init %d, steps %d", r.cfg.Init, r.cfg.Steps)
	}
	r.set(raceSetting{raceBatchSlider, 300})
	if r.cfg.Batch != 1000 || r.cfg.Budget < r.cfg.Init+r.cfg.Batch {
		t.Errorf("the slider at 300 sets batch %d, budget %d", r.cfg.Batch, r.cfg.Budget)
	}
	for _, b := range []int{1, 10, 100, 1000} {
		if got := batchFromSlider(sliderFromBatch(b)); got != b {
			t.Errorf("batch %d → slider → %d", b, got)
		}
	}
	r.cfg.Budget = r.cfg.Init // too small: begin raises it to one batch
	r.picked = map[string]bool{}
	if parts := r.begin(4); parts != nil || r.errText == "" {
		t.Errorf("a race of no strategy starts %v (%q)", parts, r.errText)
	}
}
