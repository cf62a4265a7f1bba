package ui

import (
	"fmt"
	"math"
	"strings"

	"alab/wasm/msg"
)

// command is what a person asks of the lab, by key, tap or click: the components post
// commands (actCommand) and the keyboard (keys_wasm.go) maps keys to them; labModel.do
// carries them out.
type command struct {
	op  op
	arg int // the label of opLabel (0–9 or msg.Skip), the digit of opFocus
}

type op int

const (
	opLabel  op = iota + 1 // label the focused digit
	opUndo                 // take back the last answer
	opNext                 // focus the next digit
	opPrev                 // focus the previous digit
	opFocus                // focus digit arg
	opSubmit               // submit the batch
)

// keyCommand maps a key (KeyboardEvent.key) to its command: 0–9 label the focused digit,
// S skips it, Backspace undoes, the arrows move, Enter submits.
func keyCommand(key string) (command, bool) {
	switch {
	case len(key) == 1 && key[0] >= '0' && key[0] <= '9':
		return command{op: opLabel, arg: int(key[0] - '0')}, true
	case key == "s" || key == "S":
		return command{op: opLabel, arg: msg.Skip}, true
	case key == "Backspace":
		return command{op: opUndo}, true
	case key == "ArrowRight" || key == "ArrowDown":
		return command{op: opNext}, true
	case key == "ArrowLeft" || key == "ArrowUp":
		return command{op: opPrev}, true
	case key == "Enter":
		return command{op: opSubmit}, true
	}
	return command{}, false
}

// do carries out c.
func (m *labModel) do(c command) {
	switch c.op {
	case opLabel:
		m.answer(c.arg)
	case opUndo:
		m.undoLast()
	case opNext:
		m.focus = min(m.focus+1, max(len(m.items())-1, 0))
	case opPrev:
		m.focus = max(m.focus-1, 0)
	case opFocus:
		if c.arg >= 0 && c.arg < len(m.items()) {
			m.focus = c.arg
		}
	case opSubmit:
		m.submit()
	}
}

// answer gives the focused digit a label (0–9 or msg.Skip) and moves to the next open one.
func (m *labModel) answer(label int) {
	i := m.focus
	if i < 0 || i >= len(m.s.Answers) {
		return
	}
	if classes := m.s.classes(); label >= len(classes) {
		m.errText = fmt.Sprintf("There is no class %d: the classes are 0 to %d (%s).", label, len(classes)-1, strings.Join(classes, ", "))
		return
	}
	now := m.now()
	if m.s.Answers[i] == noAnswer {
		m.undo = append(m.undo, i)
	}
	m.s.Answers[i] = label
	m.s.Seconds[i] = math.Round(now.Sub(m.last).Seconds()*1000) / 1000
	m.last = now
	m.persist()
	for k := 1; k <= len(m.s.Answers); k++ {
		if j := (i + k) % len(m.s.Answers); m.s.Answers[j] == noAnswer {
			m.focus = j
			return
		}
	}
	m.focus = min(i+1, len(m.s.Answers)-1)
}

// undoLast takes back the last answer of the batch and focuses its digit.
func (m *labModel) undoLast() {
	if len(m.undo) == 0 {
		// After a reload the order is not known: undo the last answered digit.
		for i := len(m.s.Answers) - 1; i >= 0; i-- {
			if m.s.Answers[i] != noAnswer {
				m.undo = append(m.undo, i)
				break
			}
		}
	}
	if len(m.undo) == 0 {
		return
	}
	i := m.undo[len(m.undo)-1]
	m.undo = m.undo[:len(m.undo)-1]
	m.s.Answers[i] = noAnswer
	m.s.Seconds[i] = 0
	m.focus = i
	m.persist()
}

// complete says whether every digit of the batch on screen has an answer.
func (m *labModel) complete() bool {
	if m.s.Batch == nil || len(m.s.Answers) == 0 {
		return false
	}
	for _, a := range m.s.Answers {
		if a == noAnswer {
			return false
		}
	}
	return true
}

// canSubmit says whether the submit button does something now.
func (m *labModel) canSubmit() bool { return m.ready && !m.busy && m.complete() }

// submit sends the batch's answers and asks for the next batch.
func (m *labModel) submit() {
	if !m.ready || m.busy {
		return
	}
	if !m.complete() {
		m.focus = m.firstUnanswered()
		m.errText = "Label every digit of the batch first (or skip it with S)."
		return
	}
	m.errText = ""
	s := m.s
	round := s.Round + 1
	labels := make([]msg.Label, len(s.Batch.Items))
	given := make([]int, len(s.Batch.Items))
	s.Disagreements = nil
	for i, it := range s.Batch.Items {
		a := s.Answers[i]
		labels[i] = msg.Label{ID: it.ID, Label: a, Round: round, Seconds: s.Seconds[i], Name: it.Name}
		given[i] = a
		if a != msg.Skip && it.Truth >= 0 { // the person's images have no truth to compare with
			s.Compared++
			if a != it.Truth {
				s.Disagreements = append(s.Disagreements, disagreement{ID: it.ID, Image: it.Image, Given: a, MNIST: it.Truth})
			}
		}
	}
	// The digits drawn since the last submit train from this round on, with the batch.
	for _, d := range s.Drawn {
		d.Round = round
		labels = append(labels, d)
	}
	s.Drawn = nil
	s.Labels = append(s.Labels, labels...)
	s.Round = round
	s.Agreed += countAgreed(s.Batch.Items, s.Answers)
	s.LastLabels = msg.Histogram(given)
	m.insight = nil
	s.Batch, s.Answers, s.Seconds = nil, nil, nil
	m.undo = m.undo[:0]
	m.persist()
	m.busy, m.stage = true, "training on your labels and querying the next batch"
	m.submitted = m.now()
	settings := s.Settings
	m.send(msg.Msg{Kind: msg.KindSubmit, Labels: labels, Settings: &settings})
}

// countAgreed counts the answers that are MNIST's label.
func countAgreed(items []msg.Item, answers []int) int {
	n := 0
	for i, it := range items {
		if i < len(answers) && it.Truth >= 0 && answers[i] == it.Truth {
			n++
		}
	}
	return n
}
