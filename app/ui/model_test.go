package ui

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"alab/wasm/msg"
)

// memStore is a store in memory; full makes every write fail, as a full localStorage does.
type memStore struct {
	m    map[string]string
	full bool
}

func (s *memStore) get(k string) (string, bool) { v, ok := s.m[k]; return v, ok }
func (s *memStore) remove(k string)             { delete(s.m, k) }
func (s *memStore) set(k, v string) error {
	if s.full {
		return errors.New("QuotaExceededError")
	}
	s.m[k] = v
	return nil
}

// clock is a fake time.Now that moves by step at each call.
type clock struct {
	t    time.Time
	step time.Duration
}

func (c *clock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

// testLab returns a model over st whose sent messages are appended to *sent.
func testLab(st store, sent *[]msg.Msg) *labModel {
	c := &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), step: 1500 * time.Millisecond}
	return newLabModel(st, c.now, func(m msg.Msg) { *sent = append(*sent, m) })
}

// batch returns a batch of n digits with pool IDs 100, 101, … whose MNIST label is the ID mod 10.
func batch(round, n int) *msg.Batch {
	b := &msg.Batch{Round: round, Strategy: "margin"}
	for i := range n {
		b.Items = append(b.Items, msg.Item{ID: 100 + 10*round + i, Image: make([]byte, 784), Truth: (100 + i) % 10, Pred: 3})
	}
	return b
}

func TestLabRound(t *testing.T) {
	st := &memStore{m: map[string]string{}}
	var sent []msg.Msg
	m := testLab(st, &sent)
	m.starting(false)
	m.receive(msg.Msg{Kind: msg.KindReady})
	m.receive(msg.Msg{Kind: msg.KindReady}) // a second ready (a restart of the same worker) sends nothing
	if len(sent) != 1 || sent[0].Kind != msg.KindInit || sent[0].Init.Settings.Strategy != "margin" {
		t.Fatalf("on ready the model sent %+v, want one init with the default settings", sent)
	}
	b := batch(0, 4)
	b.Seeded = []msg.Label{{ID: 1, Label: 1, Seed: true}, {ID: 2, Label: 2, Seed: true}}
	m.receive(msg.Msg{Kind: msg.KindBatch, Batch: b})
	if !m.ready || m.busy || m.canSubmit() || m.s.labelled() != 2 {
		t.Fatalf("after the first batch: ready %v busy %v canSubmit %v labelled %d; want ready, not busy, nothing to submit, 2 seed labels",
			m.ready, m.busy, m.canSubmit(), m.s.labelled())
	}
	// Keys as a person types them: 0 (wrong), Backspace, 0, S, then the arrows back to the
	// first digit, which is answered again, and the last two.
	for _, k := range []string{"0", "Backspace", "0", "s", "ArrowLeft", "ArrowLeft", "7", "1", "3"} {
		c, ok := keyCommand(k)
		if !ok {
			t.Fatalf("key %q is not a command", k)
		}
		m.do(c)
	}
	if want := []int{7, msg.Skip, 1, 3}; !slices.Equal(m.s.Answers, want) {
		t.Fatalf("answers %v, want %v", m.s.Answers, want)
	}
	for i, s := range m.s.Seconds {
		if s != 1.5 {
			t.Errorf("digit %d took %v s by the fake clock, want 1.5", i, s)
		}
	}
	if !m.canSubmit() {
		t.Fatal("a complete batch cannot be submitted")
	}
	// Every answer was saved at once.
	saved, _ := st.get(sessionKey)
	var back session
	if err := json.Unmarshal([]byte(saved), &back); err != nil || !slices.Equal(back.Answers, m.s.Answers) {
		t.Fatalf("saved answers %v (%v), want %v", back.Answers, err, m.s.Answers)
	}

	m.do(command{op: opSubmit})
	last := sent[len(sent)-1]
	if last.Kind != msg.KindSubmit || len(last.Labels) != 4 || last.Labels[1].Label != msg.Skip || last.Labels[0].Round != 1 {
		t.Fatalf("submit sent %+v, want the 4 labels of round 1, the second skipped", last)
	}
	// 7 for #100 (MNIST 0), 1 for #102 (MNIST 2), 3 for #103 (MNIST 3); #101 skipped.
	if m.s.Compared != 3 || m.s.Agreed != 1 || len(m.s.Disagreements) != 2 || m.s.Disagreements[0].ID != 100 || m.s.Disagreements[1].ID != 102 {
		t.Errorf("compared %d, agreed %d, %d disagreements; want 3, 1 and #100, #102", m.s.Compared, m.s.Agreed, len(m.s.Disagreements))
	}
	if !m.busy || m.s.Batch != nil || m.s.labelled() != 5 || m.s.LastLabels[7] != 1 || m.s.LastLabels[1] != 1 {
		t.Errorf("after submit: busy %v, batch %v, labelled %d, last labels %v", m.busy, m.s.Batch, m.s.labelled(), m.s.LastLabels)
	}
	m.receive(msg.Msg{Kind: msg.KindBatch, Batch: batch(1, 4)})
	if m.wait != 1500*time.Millisecond {
		t.Errorf("the next batch came %v after submit by the fake clock, want 1.5s", m.wait)
	}
}

func TestLabSubmitIncomplete(t *testing.T) {
	var sent []msg.Msg
	m := testLab(nil, &sent)
	m.starting(true) // a fresh worker starts by itself: no init
	m.receive(msg.Msg{Kind: msg.KindReady})
	m.receive(msg.Msg{Kind: msg.KindBatch, Batch: batch(0, 3)})
	m.do(command{op: opLabel, arg: 4})
	m.do(command{op: opFocus, arg: 2})
	m.do(command{op: opSubmit})
	if len(sent) != 0 || m.focus != 1 || !strings.Contains(m.errText, "Label every digit") {
		t.Errorf("an incomplete submit sent %v, focused %d, said %q; want nothing sent, the open digit 1 focused, a message", sent, m.focus, m.errText)
	}
	m.do(command{op: opUndo})
	m.do(command{op: opUndo}) // nothing left to undo
	if !slices.Equal(m.s.Answers, []int{noAnswer, noAnswer, noAnswer}) || m.focus != 0 {
		t.Errorf("after undo the answers are %v and the focus %d, want none and 0", m.s.Answers, m.focus)
	}
	m.do(command{op: opFocus, arg: 7}) // out of range: ignored
	m.do(command{op: opPrev})
	if m.focus != 0 {
		t.Errorf("focus %d, want 0", m.focus)
	}
}

func TestLabRestored(t *testing.T) {
	// After a reload the saved batch is restored with its answers and the undo order lost:
	// undo takes back the last answered digit.
	st := &memStore{m: map[string]string{}}
	var sent []msg.Msg
	m := testLab(st, &sent)
	m.starting(false)
	m.receive(msg.Msg{Kind: msg.KindBatch, Batch: batch(0, 3)})
	m.do(command{op: opLabel, arg: 5})
	m.do(command{op: opLabel, arg: 6})

	m = testLab(st, &sent)
	m.starting(false)
	m.receive(msg.Msg{Kind: msg.KindReady})
	init := sent[len(sent)-1].Init
	if !slices.Equal(init.Pending, []int{100, 101, 102}) {
		t.Fatalf("init after a reload is pending %v, want the batch on screen", init.Pending)
	}
	restored := batch(0, 3)
	restored.Restored, restored.Accuracy = true, 0.5
	m.receive(msg.Msg{Kind: msg.KindBatch, Batch: restored})
	if !slices.Equal(m.s.Answers, []int{5, 6, noAnswer}) || m.focus != 2 {
		t.Fatalf("restored answers %v focus %d, want [5 6 none] and 2", m.s.Answers, m.focus)
	}
	m.do(command{op: opUndo})
	if !slices.Equal(m.s.Answers, []int{5, noAnswer, noAnswer}) || m.focus != 1 {
		t.Errorf("undo after a reload: answers %v focus %d, want [5 none none] and 1", m.s.Answers, m.focus)
	}
}

func TestLabCrashed(t *testing.T) {
	var sent []msg.Msg
	m := testLab(nil, &sent)
	for i, want := range []time.Duration{300 * time.Millisecond, 600 * time.Millisecond, 900 * time.Millisecond} {
		if after, ok := m.crashed("boom"); !ok || after != want || !m.busy {
			t.Fatalf("crash %d: restart after %v (%v), busy %v; want after %v", i+1, after, ok, m.busy, want)
		}
	}
	if _, ok := m.crashed("boom"); ok || m.busy || !strings.Contains(m.notice, "export them or reload") {
		t.Errorf("a fourth crash in a row restarts again (or says %q): want the person told to export", m.notice)
	}
	m = testLab(nil, &sent)
	m.crashed("boom")
	m.receive(msg.Msg{Kind: msg.KindBatch, Batch: batch(0, 2)})
	if m.restarts != 0 || !strings.Contains(m.notice, "no label was lost") {
		t.Errorf("after the restart's batch: %d restarts, notice %q", m.restarts, m.notice)
	}
}

func TestLabSettings(t *testing.T) {
	var sent []msg.Msg
	m := testLab(nil, &sent)
	m.setSetting(settingStrategy, "bald")
	m.setSetting(settingBatch, "25")
	if m.s.Settings.Strategy != "bald" || m.s.Settings.Batch != 25 || m.errText != "" {
		t.Fatalf("settings %+v, error %q", m.s.Settings, m.errText)
	}
	for _, c := range [][2]string{{settingStrategy, "oracle"}, {settingBatch, "101"}, {settingBatch, "many"}, {settingMCSamples, "101"}} {
		m.setSetting(c[0], c[1])
		if m.errText == "" || m.s.Settings.Strategy != "bald" || m.s.Settings.Batch != 25 {
			t.Errorf("%s = %q was taken (%+v) or not refused", c[0], c[1], m.s.Settings)
		}
	}
	m.reset()
	if m.s.Settings.Strategy != "bald" || len(m.s.Labels) != 0 {
		t.Errorf("reset keeps the settings, drops the labels: %+v, %d labels", m.s.Settings, len(m.s.Labels))
	}
}

func TestKeyCommand(t *testing.T) {
	for key, want := range map[string]command{
		"0": {op: opLabel, arg: 0}, "9": {op: opLabel, arg: 9}, "s": {op: opLabel, arg: msg.Skip}, "S": {op: opLabel, arg: msg.Skip},
		"Backspace": {op: opUndo}, "ArrowRight": {op: opNext}, "ArrowDown": {op: opNext},
		"ArrowLeft": {op: opPrev}, "ArrowUp": {op: opPrev}, "Enter": {op: opSubmit},
	} {
		if got, ok := keyCommand(key); !ok || got != want {
			t.Errorf("key %q: %+v (%v), want %+v", key, got, ok, want)
		}
	}
	for _, key := range []string{"", "a", "10", "Tab", "Shift", " "} {
		if c, ok := keyCommand(key); ok {
			t.Errorf("key %q is command %+v: want none", key, c)
		}
	}
}
