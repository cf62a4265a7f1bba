package ui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"alab/wasm/msg"
)

// stroke draws the polyline pts on d as one stroke.
func stroke(d interface {
	down(point)
	move(point)
}, pts ...point) {
	d.down(pts[0])
	for _, p := range pts[1:] {
		d.move(p)
	}
}

// inkBox returns the bounding box of the ink of a 28×28 input and its total ink.
func inkBox(in []byte) (x0, y0, x1, y1, sum int) {
	x0, y0, x1, y1 = digitSide, digitSide, -1, -1
	for y := range digitSide {
		for x := range digitSide {
			if v := int(in[y*digitSide+x]); v > 0 {
				x0, y0, x1, y1, sum = min(x0, x), min(y0, y), max(x1, x), max(y1, y), sum+v
			}
		}
	}
	return
}

func TestDrawingInput(t *testing.T) {
	var d drawing
	in := make([]byte, digitPixels)
	if err := d.inputTo(in); err == nil {
		t.Error("an empty drawing: no error")
	}
	// A vertical bar: a "1", 200 units tall, slightly off centre to the left.
	stroke(&d, point{100, 40}, point{100, 140}, point{100, 240})
	if err := d.inputTo(in); err != nil {
		t.Fatal(err)
	}
	x0, y0, x1, y1, sum := inkBox(in)
	// MNIST's recipe: 20 pixels tall, centred at (14, 14); the pen about 2 pixels wide.
	if h := y1 - y0 + 1; h < 19 || h > 21 || y0 < 3 || y1 > 24 {
		t.Errorf("the bar spans rows %d–%d: want 20 rows, centred", y0, y1)
	}
	if w := x1 - x0 + 1; w < 2 || w > 4 || (x0+x1)/2 < 12 || (x0+x1)/2 > 15 {
		t.Errorf("the bar spans columns %d–%d: want 2 to 4, centred", x0, x1)
	}
	if sum == 0 || slicesMax(in) < 160 {
		t.Errorf("ink %d, brightest %d: want the stroke's core near full ink", sum, slicesMax(in))
	}
	// The raster: the pen covers a disc of penWidth around each point, nothing far off.
	r := d.raster()
	if r.GrayAt(100, 140).Y != 255 || r.GrayAt(100+penWidth, 140).Y != 0 || r.GrayAt(100, 40-penWidth).Y != 0 {
		t.Errorf("raster: on the stroke %d, beside it %d, above it %d", r.GrayAt(100, 140).Y, r.GrayAt(100+penWidth, 140).Y, r.GrayAt(100, 40-penWidth).Y)
	}
	// Points outside the area are clamped to it, not dropped or wrapped.
	d.clear()
	stroke(&d, point{-50, -50}, point{1e9, 20})
	if err := d.inputTo(in); err != nil {
		t.Errorf("a stroke leaving the area: %v", err)
	}
	if d.clear(); !d.empty() {
		t.Error("clear leaves strokes")
	}
}

func slicesMax(b []byte) byte {
	m := byte(0)
	for _, v := range b {
		m = max(m, v)
	}
	return m
}

func TestDrawProbeAndLabel(t *testing.T) {
	st := &memStore{m: map[string]string{}}
	var sent []msg.Msg
	lab := testLab(st, &sent)
	lab.starting(false)
	lab.receive(msg.Msg{Kind: msg.KindReady})
	lab.receive(msg.Msg{Kind: msg.KindBatch, Batch: batch(0, 3)})
	d := newDrawModel(lab)
	sent = nil

	// Drawn before the worker is idle: probed at once all the same.
	stroke(d, point{140, 40}, point{140, 240})
	d.up()
	if len(sent) != 1 || sent[0].Kind != msg.KindProbe || len(sent[0].Probe.Image) != digitPixels || d.idle() {
		t.Fatalf("after a stroke: sent %v, idle %v", sent, d.idle())
	}
	// A second stroke while the first is in flight waits, the latest input only.
	stroke(d, point{100, 140}, point{180, 140})
	d.up()
	d.ready() // the round is done while the probe is in flight: nothing more to send now
	if len(sent) != 1 {
		t.Fatalf("a second stroke while a probe is in flight sent %d messages", len(sent)-1)
	}
	d.receive(&msg.Probe{Pred: 1})
	if d.probe == nil || d.probe.Pred != 1 || len(sent) != 2 || string(sent[1].Probe.Image) != string(d.input) {
		t.Fatalf("the first answer: probe %v, %d sent", d.probe, len(sent))
	}
	d.receive(&msg.Probe{Pred: 4})
	if d.probe.Pred != 4 || string(d.shownInput) != string(d.input) {
		t.Errorf("the second answer is not the one shown: %v", d.probe)
	}
	// Primed with a digit of the batch once idle; its answer is not shown.
	d.ready()
	if len(sent) != 3 || string(sent[2].Probe.Image) != string(lab.items()[0].Image) {
		t.Fatalf("priming: %d sent", len(sent))
	}
	d.receive(&msg.Probe{Pred: 9})
	if !d.idle() || d.probe.Pred != 4 {
		t.Errorf("after priming: idle %v, shown %v", d.idle(), d.probe)
	}

	// Label it: saved in the session, kept over a reload, sent with the next submit.
	input := string(d.input)
	d.label(7)
	if d.input != nil || d.probe != nil || !d.d.empty() || !strings.Contains(d.added, "7") {
		t.Errorf("after labelling: input %v, probe %v, note %q", d.input != nil, d.probe, d.added)
	}
	d.label(3) // nothing drawn
	back, _, notice, _ := loadSession(st, lab.now())
	if notice != "" || len(back.Drawn) != 1 || back.Drawn[0].Label != 7 || string(back.Drawn[0].Image) != input || back.Drawn[0].ID != drawnID || back.labelled() != 1 {
		t.Fatalf("the reloaded session (%q): drawn %+v", notice, back.Drawn)
	}
	lab2 := testLab(st, &sent)
	lab2.starting(false)
	lab2.receive(msg.Msg{Kind: msg.KindReady})
	if in := sent[len(sent)-1].Init; len(in.Labels) != 0 {
		t.Errorf("init replays %d labels: the drawing waits for the submit", len(in.Labels))
	}
	lab2.receive(msg.Msg{Kind: msg.KindBatch, Batch: batch(0, 3)})
	for range 3 {
		lab2.answer(5)
	}
	lab2.submit()
	sub := sent[len(sent)-1]
	last := sub.Labels[len(sub.Labels)-1]
	if sub.Kind != msg.KindSubmit || len(sub.Labels) != 4 || last.Image == nil || last.Label != 7 || last.Round != 1 {
		t.Fatalf("the submit: %d labels, the last %+v", len(sub.Labels), last)
	}
	if len(lab2.s.Drawn) != 0 || len(lab2.s.Labels) != 4 || lab2.s.check() != nil {
		t.Errorf("after the submit: %d drawn waiting, %d labels, check %v", len(lab2.s.Drawn), len(lab2.s.Labels), lab2.s.check())
	}
}

func TestDrawnExportAndCheck(t *testing.T) {
	img := make([]byte, digitPixels)
	img[0], img[783] = 9, 255
	s := newSession(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	s.Round = 1
	s.Labels = []msg.Label{{ID: 3, Label: 1, Round: 0, Seed: true}, {ID: drawnID, Label: 2, Round: 1, Image: img}}
	s.Drawn = []msg.Label{{ID: drawnID, Label: 8, Round: 2, Image: img, Seconds: 4.5}}
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
	csv := strings.Split(strings.TrimSpace(string(labelsCSV(s).data)), "\n")
	if len(csv) != 4 || csv[0] != "mnist_index,label,round,seconds,source,pixels" || csv[1] != "3,1,0,0,mnist-seed," ||
		!strings.HasPrefix(csv[3], "-1,8,2,4.5,drawn,9 0 0 ") || !strings.HasSuffix(csv[3], " 0 255") || len(strings.Fields(strings.SplitN(csv[3], ",", 6)[5])) != 784 {
		t.Errorf("CSV:\n%s", strings.Join(csv, "\n")[:min(300, len(strings.Join(csv, "\n")))])
	}
	var out struct {
		Labels []exportRow `json:"labels"`
	}
	if err := json.Unmarshal(labelsJSON(s).data, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Labels) != 3 || out.Labels[2].Source != "drawn" || len(out.Labels[2].Pixels) != 784 || out.Labels[2].Pixels[783] != 255 || out.Labels[0].Pixels != nil {
		t.Errorf("JSON rows: %+v", out.Labels)
	}
	for _, bad := range []msg.Label{
		{ID: drawnID, Label: 8, Round: 2, Image: img[:700]},
		{ID: 4, Label: 8, Round: 2, Image: img},
		{ID: drawnID, Label: msg.Skip, Round: 2, Image: img},
		{ID: drawnID, Label: 8, Round: 3, Image: img},
	} {
		s.Drawn = []msg.Label{bad}
		if err := s.check(); err == nil {
			t.Errorf("drawn label %+v: no error", bad)
		}
	}
}

func TestProbeView(t *testing.T) {
	input := make([]byte, digitPixels)
	twin := make([]byte, digitPixels)
	input[10], twin[10] = 200, 100 // ink taken away
	twin[20] = 50                  // ink added
	p := &msg.Probe{Pred: 1, Passes: [][]float64{ten(0, 0.8, 0.2), ten(0, 0.6, 0.4)}, Mean: ten(0, 0.7, 0.3), Std: ten(0, 0.1, 0.1),
		Softmax: ten(0.01, 0.9, 0.09),
		Scores:  []msg.ProbeScore{{Name: "margin", Value: -0.81, Rank: 3, Of: 500, Asks: true}, {Name: "bald", Value: 0.02, Rank: 400, Of: 500}},
		FGSM:    msg.Twin{To: -1}, Deep: msg.Twin{Image: twin, Distance: 0.25, To: 7}}
	v := probeToView(p, input)
	if v.Pred != "1" || !strings.Contains(v.Sentence, "90% by softmax, 70% ± 10%") || v.T != 2 {
		t.Errorf("prediction %q: %q", v.Pred, v.Sentence)
	}
	if f := strings.Fields(v.SoftmaxData); len(f) != 10 || f[1] != "0.9" || strings.Fields(v.StdData)[2] != "0.1" {
		t.Errorf("softmax data %q, std %q", v.SoftmaxData, v.StdData)
	}
	if len(v.Scores) != 2 || v.Scores[0].Data != "-0.81 3 500" || !v.Scores[0].Asks || v.Scores[1].Asks || v.Scores[1].Rank != "rank 400 of 500" {
		t.Errorf("scores %+v", v.Scores)
	}
	if len(v.Twins) != 2 || v.Twins[0].Image != "" || !strings.Contains(v.Twins[0].Caption, "no twin") ||
		v.Twins[1].To != 7 || v.Twins[1].Distance != "0.25" || v.Twins[1].Image == "" {
		t.Errorf("twins %+v", v.Twins)
	}
	if n := strings.Count(v.Passes, "<rect"); n != 20 {
		t.Errorf("the passes' strip has %d cells, want 2×10", n)
	}
	// The perturbation: mid-grey unchanged, the largest change at full range either way.
	d := perturbation(input, twin)
	if d[0] != 127 || d[10] != 254 || d[20] != 127-64 {
		t.Errorf("perturbation: unchanged %d, −100 %d, +50 %d: want 127, 254, 63", d[0], d[10], d[20])
	}
}

// ten returns the probabilities of the ten digits, v first and the rest 0.
func ten(v ...float64) []float64 { return append(v, make([]float64, 10-len(v))...) }
