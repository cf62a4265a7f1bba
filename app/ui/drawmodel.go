package ui

import (
	"fmt"
	"math"
	"slices"
	"time"

	"alab/wasm/msg"
)

// drawModel is what the draw view knows and does, apart from the browser: the drawing, the
// network's input made of it, the probes sent to the worker and the answer on screen, and
// the drawings the person labels. The session and the worker's other messages are the
// lab's (labModel): the view restores the same session in a worker of its own.
type drawModel struct {
	lab *labModel

	d        drawing
	input    []byte // the drawing as the network's input (digitPixels bytes), nil if none
	inputErr string // why there is no input
	started  time.Time

	// One probe is in flight at a time: inFlight holds its input (nil for the priming
	// probe), next the latest input drawn since, probed when the answer comes.
	inFlight []byte
	busy     bool
	next     []byte
	primed   bool // the round's candidates are scored: a probe now takes one digit's time

	probe      *msg.Probe // the answer on screen, for the input shownInput
	shownInput []byte
	added      string // what labelling the last drawing did
}

func newDrawModel(lab *labModel) *drawModel { return &drawModel{lab: lab} }

// down, move and up are the pen: up ends a stroke, and the drawing is probed.
func (m *drawModel) down(p point) {
	if m.d.empty() {
		m.started = m.lab.now()
		m.added = ""
	}
	m.d.down(p)
}

func (m *drawModel) move(p point) { m.d.move(p) }

func (m *drawModel) up() {
	in := make([]byte, digitPixels)
	if err := m.d.inputTo(in); err != nil {
		m.input, m.inputErr = nil, err.Error()
		return
	}
	m.input, m.inputErr = in, ""
	m.ask(in)
}

// clear wipes the drawing and what the network made of it.
func (m *drawModel) clear() {
	m.d.clear()
	m.input, m.inputErr, m.next = nil, "", nil
	m.probe, m.shownInput = nil, nil
}

// ask probes in, now if no probe is in flight, else when the one in flight is answered.
func (m *drawModel) ask(in []byte) {
	if m.busy || !m.lab.ready {
		m.next = in
		return
	}
	m.busy, m.inFlight, m.next = true, in, nil
	m.lab.send(msg.Msg{Kind: msg.KindProbe, Probe: &msg.Probe{Image: in}})
}

// ready is called when the worker has finished its round (progress "idle"): the first
// probe of a round scores the round's candidates, so a digit of the batch is probed first,
// and the person's drawings are answered in a digit's time.
func (m *drawModel) ready() {
	if m.primed || m.busy {
		return
	}
	items := m.lab.items()
	if len(items) == 0 {
		m.primed = true
		m.askNext()
		return
	}
	m.busy, m.inFlight = true, nil
	m.lab.send(msg.Msg{Kind: msg.KindProbe, Probe: &msg.Probe{Image: items[0].Image}})
}

// receive takes the worker's answer to the probe in flight (p), or its refusal (p nil).
func (m *drawModel) receive(p *msg.Probe) {
	if !m.busy {
		return
	}
	m.busy = false
	if m.inFlight == nil {
		m.primed = true
	} else if p != nil && m.input != nil {
		m.probe, m.shownInput = p, m.inFlight
	}
	m.inFlight = nil
	m.askNext()
}

func (m *drawModel) askNext() {
	if in := m.next; in != nil && m.lab.ready {
		m.ask(in)
	}
}

// idle says the worker answers a drawing at once: it is primed and nothing is in flight.
func (m *drawModel) idle() bool { return m.primed && !m.busy && m.next == nil }

// label adds the drawing on screen to the person's labelled set as label (0–9): it is
// saved with the session, sent with the next batch's answers, and trains from that round on.
func (m *drawModel) label(label int) {
	if label < 0 || label > 9 {
		return
	}
	if m.input == nil {
		m.added = "Draw a digit first."
		return
	}
	s := m.lab.s
	secs := math.Round(m.lab.now().Sub(m.started).Seconds()*1000) / 1000
	s.Drawn = append(s.Drawn, msg.Label{ID: drawnID, Label: label, Round: s.Round + 1, Seconds: secs, Image: slices.Clone(m.input)})
	m.lab.persist()
	m.clear()
	m.added = fmt.Sprintf("Added as a %d: it joins your labelled set and trains in the next round, when you submit the next batch in the lab.", label)
}
