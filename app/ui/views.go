package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"alab/app/ui/chart"
	"alab/wasm/msg"
)

// What the lab's components are given (their props), made from the model by plain
// functions: the components only lay them out.

// card is a digit of the batch on screen.
type card struct {
	ID          int
	Image, Twin string // data URLs; Twin is the adversarial twin, if any
	TwinCaption string
	Pred, Score string
	Answer      string // "?", "skip" or the label
	State       string // "", "done" or "skipped"
	Name        string // the file of an image of the person's
}

// cards returns the batch on screen as the grid shows it, images from imgs.
func cards(m *labModel, imgs digitImages) []card {
	items := m.items()
	out := make([]card, len(items))
	for i, it := range items {
		c := card{
			ID:     it.ID,
			Image:  imgs.url(it.ID, false, it.Image),
			Pred:   fmt.Sprintf("model: %s (%.0f%%)", m.s.className(it.Pred), 100*it.Prob),
			Score:  fmt.Sprintf("score %.3g", it.Score),
			Answer: "?",
			Name:   it.Name,
		}
		if it.Pred < 0 {
			c.Pred = "model: none yet" // round 0 on images: drawn at random
		}
		if it.Adversarial != nil {
			c.Twin = imgs.url(it.ID, true, it.Adversarial)
			c.TwinCaption = fmt.Sprintf("→ %d at L2 %.2f", it.AdvPred, it.Score)
			c.Score = fmt.Sprintf("distance %.3g", it.Score)
		}
		switch a := m.s.Answers[i]; {
		case a == msg.Skip:
			c.Answer, c.State = "skip", "skipped"
		case a >= 0:
			c.Answer, c.State = m.s.className(a), "done"
		}
		out[i] = c
	}
	return out
}

// batchTitle heads the batch panel.
func batchTitle(m *labModel) string {
	if m.s.Batch == nil {
		return "Waiting for the first batch"
	}
	what := "digits"
	if m.s.Images != nil {
		what = "images"
	}
	return fmt.Sprintf("Round %d · %d %s chosen by %s", m.s.Round+1, len(m.s.Batch.Items), what, m.s.Batch.Strategy)
}

// stageText says what the engine is doing, as a sentence.
func stageText(stage string) string {
	if stage == "" {
		return "Working…"
	}
	return sentence(stage) + "…"
}

// sentence capitalises s's first letter.
func sentence(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// notesText is what the worker noted about the batch on screen (an adjusted setting, a
// network trained ahead of time), as a sentence.
func notesText(m *labModel) string {
	if m.s.Batch == nil || len(m.s.Batch.Notes) == 0 {
		return ""
	}
	return sentence(strings.Join(m.s.Batch.Notes, "; ")) + "."
}

// timingText says how long the last round took, in the worker and as the person waited.
func timingText(m *labModel) string {
	t := m.timings
	if t.Total == 0 {
		return ""
	}
	s := fmt.Sprintf("Last round: train %.0f ms · score %.0f ms · select %.0f ms", t.Train, t.Score, t.Select)
	if m.wait > 0 {
		s += fmt.Sprintf(" · next batch %.2f s after submit", m.wait.Seconds())
	}
	if n := len(m.s.History); n > 0 && m.s.History[n-1].Ms > 0 {
		s += fmt.Sprintf(" · test %.0f ms", m.s.History[n-1].Ms)
	}
	return s
}

// accuracyText is the latest test accuracy, or a dash before the first.
func accuracyText(h []msg.Accuracy) string {
	if len(h) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*h[len(h)-1].Accuracy)
}

// accuracyLabel says what accuracyText measured: the test set, or the person's held-out
// labels with the estimate's 95 % interval.
func accuracyLabel(h []msg.Accuracy, images bool) string {
	switch {
	case !images:
		return "test accuracy"
	case len(h) > 0 && !h[len(h)-1].HeldOut:
		return fmt.Sprintf("test accuracy on %d labelled images of yours", h[len(h)-1].TestSize)
	case len(h) == 0:
		return fmt.Sprintf("accuracy: on every %dth label, held out, once there is one", heldOutEvery)
	}
	a := h[len(h)-1]
	return fmt.Sprintf("held-out accuracy (95 %%: %.0f–%.0f %%, on %d of your labels)", 100*a.Low, 100*a.High, a.TestSize)
}

// heldOutEvery is the share of the person's labels on images held out of training to
// estimate the accuracy (active.HeldOutEvery, which the UI does not link).
const heldOutEvery = 5

// personStats is the person's own score: the median time per label, the agreement with
// MNIST ("" on the person's images), the minutes spent, and the model's accuracy against those minutes.
type personStats struct {
	PerLabel, Agree, Minutes string
	Compared                 int
	Curve                    []chart.Point // minutes labelling → test accuracy, one point a round
}

func person(s *session) personStats {
	var secs []float64
	total := 0.0
	for _, l := range s.Labels {
		if !l.Seed && l.Seconds > 0 {
			secs = append(secs, l.Seconds)
			total += l.Seconds
		}
	}
	p := personStats{PerLabel: "–", Agree: "–", Minutes: fmt.Sprintf("%.1f", total/60), Compared: s.Compared}
	if len(secs) > 0 {
		slices.Sort(secs)
		p.PerLabel = fmt.Sprintf("%.1f s", secs[len(secs)/2])
	}
	switch {
	case s.Images != nil:
		p.Agree = "" // the person's images have no labels to agree with
	case s.Compared > 0:
		p.Agree = fmt.Sprintf("%.0f%%", 100*float64(s.Agreed)/float64(s.Compared))
	}
	for _, h := range s.History {
		var sec float64
		for _, l := range s.Labels {
			if l.Round <= h.Round && !l.Seed {
				sec += l.Seconds
			}
		}
		p.Curve = append(p.Curve, chart.Point{X: sec / 60, Y: h.Accuracy})
	}
	return p
}

// disagreementView is a digit of the last batch the person labelled otherwise than MNIST.
type disagreementView struct{ Image, Caption string }

func disagreements(s *session, imgs digitImages) []disagreementView {
	out := make([]disagreementView, len(s.Disagreements))
	for i, d := range s.Disagreements {
		out[i] = disagreementView{imgs.url(d.ID, false, d.Image), fmt.Sprintf("you %d · MNIST %d", d.Given, d.MNIST)}
	}
	return out
}

// raceRow is a strategy's line of the race table: its latest point and its last batch's classes.
type raceRow struct {
	Strategy, Color           string
	Labels, Accuracy, Entropy string
	Hist                      [10]int
}

func raceRows(r *raceModel) []raceRow {
	last := map[string]msg.Row{}
	hist := map[string][10]int{}
	for _, row := range r.rows {
		last[row.Strategy] = row
		if len(row.Histogram) > 0 && slices.Max(row.Histogram) > 0 {
			var h [10]int // the race is on MNIST's ten digits
			copy(h[:], row.Histogram)
			hist[row.Strategy] = h
		}
	}
	var out []raceRow
	for _, s := range r.order() {
		row := raceRow{Strategy: s, Color: strategyColor(s), Labels: "–", Accuracy: "–", Entropy: "–", Hist: hist[s]}
		if l, ok := last[s]; ok {
			row.Labels, row.Accuracy = strconv.Itoa(l.Labelled), fmt.Sprintf("%.1f%%", 100*l.TestAccuracy)
			row.Entropy = fmt.Sprintf("%.2f", l.LabelEntropy)
		}
		if r.done[s] {
			row.Labels += " ✓"
		}
		out = append(out, row)
	}
	return out
}
