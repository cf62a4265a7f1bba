package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"alab/wasm/msg"
)

// validSession returns a session the page could have saved: 20 seed labels, two submitted
// rounds of 10, and a batch of 10 on screen.
func validSession() *session {
	s := newSession(now)
	for i := range 20 {
		s.Labels = append(s.Labels, msg.Label{ID: i, Label: i % 10, Seed: true})
	}
	for r := 1; r <= 2; r++ {
		for i := range 10 {
			s.Labels = append(s.Labels, msg.Label{ID: 100*r + i, Label: i, Round: r, Seconds: 1.5})
		}
	}
	s.Round = 2
	s.History = []msg.Accuracy{{Round: 0}, {Round: 1}, {Round: 2}}
	s.Batch = batch(2, 10)
	s.Answers, s.Seconds = make([]int, 10), make([]float64, 10)
	for i := range s.Answers {
		s.Answers[i] = noAnswer
	}
	s.Disagreements = []disagreement{{ID: 101, Image: make([]byte, 784), Given: 3, MNIST: 1}}
	return s
}

// TestSessionBounds damages a valid saved session one field at a time: each is refused on
// load, set aside with its text, and a new session starts.
func TestSessionBounds(t *testing.T) {
	if err := validSession().check(); err != nil {
		t.Fatalf("the valid session: %v", err)
	}
	for _, c := range []struct {
		name string
		edit func(*session)
		want string
	}{
		{"round 2^62", func(s *session) { s.Round = 1 << 62 }, "round 4611686018427387904: want 0 to 40"},
		{"round -1", func(s *session) { s.Round = -1 }, "round -1"},
		{"label ID past the pool", func(s *session) { s.Labels[3].ID = 1 << 40 }, "label 4 (sample 1099511627776"},
		{"label ID negative", func(s *session) { s.Labels[0].ID = -5 }, "label 1 (sample -5"},
		{"label seconds negative", func(s *session) { s.Labels[25].Seconds = -1 }, "label 26"},
		{"label image 785 bytes", func(s *session) { s.Labels[2].Image = make([]byte, 785) }, "drawn digit (label 2, round 0, 785 pixels) is invalid"},
		{"batch image 785 bytes", func(s *session) { s.Batch.Items[4].Image = make([]byte, 785) }, "digit 5 of the batch on screen"},
		{"batch adversarial 10 bytes", func(s *session) { s.Batch.Items[1].Adversarial = make([]byte, 10) }, "digit 2 of the batch"},
		{"batch item ID past the pool", func(s *session) { s.Batch.Items[0].ID = maxPool }, "digit 1 of the batch"},
		{"batch MNIST index negative", func(s *session) { s.Batch.Items[0].MNIST = -1 }, "digit 1 of the batch"},
		{"batch item twice", func(s *session) { s.Batch.Items[1].ID = s.Batch.Items[0].ID }, "digit 2 of the batch"},
		{"batch of 101", func(s *session) {
			for len(s.Batch.Items) < 101 {
				s.Batch.Items = append(s.Batch.Items, s.Batch.Items[0])
			}
		}, "101 digits: want at most 100"},
		{"disagreement image 785 bytes", func(s *session) { s.Disagreements[0].Image = make([]byte, 785) }, "disagreement 1"},
		{"disagreement image empty", func(s *session) { s.Disagreements[0].Image = nil }, "disagreement 1"},
		{"history longer than the rounds", func(s *session) { s.History = make([]msg.Accuracy, 10) }, "learning curve has 10 points for 2 rounds"},
		{"agreement impossible", func(s *session) { s.Agreed, s.Compared = 5, 3 }, "agreement 5 of 3"},
		{"class counts", func(s *session) { s.LastLabels[3] = -1 }, "class counts"},
		{"pool subset", func(s *session) { s.Settings.PoolSubset = 1 << 40 }, "pool subset 1099511627776"},
		{"MC samples", func(s *session) { s.Settings.MCSamples = 1000000 }, "invalid MC samples 1000000"},
	} {
		s := validSession()
		c.edit(s)
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		text := string(b)
		st := &memStore{m: map[string]string{sessionKey: text}}
		got, st2, notice, aside := loadSession(st, now)
		if st2 == nil || len(got.Labels) != 0 || aside != text || !strings.Contains(notice, c.want) {
			t.Errorf("%s: notice %q, %d labels, aside kept %v: want a new session and a notice containing %q", c.name, notice, len(got.Labels), aside == text, c.want)
		}
		if _, ok := st.m[sessionKey]; ok {
			t.Errorf("%s: still under %s", c.name, sessionKey)
		}
	}
	if _, err := decodeSession(strings.Repeat(" ", maxSessionBytes+1)); err == nil || !strings.Contains(err.Error(), "want at most") {
		t.Errorf("an oversized session: %v", err)
	}
}

// TestSessionRefusedByEngine plays the worker refusing a restored session: the model sets
// it aside (its labels offered for export), starts a new session that a reload finds, and
// does the same when the person cancels a restore — even with the storage full.
func TestSessionRefusedByEngine(t *testing.T) {
	for _, cancel := range []bool{false, true} {
		saved := validSession()
		b, _ := json.Marshal(saved)
		st := &memStore{m: map[string]string{sessionKey: string(b)}}
		var sent []msg.Msg
		m := testLab(st, &sent)
		m.starting(false)
		m.receive(msg.Msg{Kind: msg.KindReady})
		if !m.restoring() || restoringRounds(m) != 2 {
			t.Fatalf("restoring %v (%d rounds): want a restore of 2 rounds", m.restoring(), restoringRounds(m))
		}
		if cancel {
			m.cancelRestore()
		} else if !m.refused("worker: label 3 is sample 70000, past the pool of 10000") {
			t.Fatal("refused: want the worker restarted")
		}
		if len(m.s.Labels) != 0 || m.s.Round != 0 || m.aside == nil || !strings.Contains(string(m.aside.data), `"mnist_index"`) {
			t.Fatalf("after refusal: %d labels, round %d, aside %v: want a new session and the old labels to export", len(m.s.Labels), m.s.Round, m.aside)
		}
		var key string
		for k := range st.m {
			if strings.HasPrefix(k, setAsidePrefix) {
				key = k
			}
		}
		if key == "" || !strings.Contains(m.notice, key) {
			t.Errorf("cancel %v: notice %q, storage keys %v: want the session set aside and its key named", cancel, m.notice, keys(st.m))
		}
		var back session
		json.Unmarshal([]byte(st.m[key]), &back)
		if len(back.Labels) != len(saved.Labels) {
			t.Errorf("the set-aside session holds %d labels: want %d", len(back.Labels), len(saved.Labels))
		}
		// A reload finds the new session, not the refused one.
		if s, _, notice, _ := loadSession(st, now); len(s.Labels) != 0 || notice != "" {
			t.Errorf("after a reload: %d labels, notice %q: want the new, empty session", len(s.Labels), notice)
		}
	}

	// A full storage: the session cannot be set aside; it stays under its key, nothing is
	// saved over it, and its labels are still offered.
	b, _ := json.Marshal(validSession())
	st := &memStore{m: map[string]string{sessionKey: string(b)}}
	var sent []msg.Msg
	m := testLab(st, &sent)
	st.full = true
	m.refused("worker: refused")
	if st.m[sessionKey] != string(b) || m.st != nil || m.aside == nil || !strings.Contains(m.notice, "could not be set aside") {
		t.Errorf("full storage: kept %v, store %v, aside %v, notice %q", st.m[sessionKey] == string(b), m.st, m.aside != nil, m.notice)
	}

	// A new session refused: nothing to set aside, no restart.
	m = testLab(&memStore{m: map[string]string{}}, &sent)
	if m.refused("worker: cannot start") || !strings.Contains(m.errText, "cannot start") {
		t.Errorf("a new session refused: restart wanted, or error %q", m.errText)
	}
}

func keys(m map[string]string) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	return k
}
