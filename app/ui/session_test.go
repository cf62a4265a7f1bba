package ui

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"alab/wasm/msg"
)

var now = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func TestSessionSaveLoad(t *testing.T) {
	st := &memStore{m: map[string]string{}}
	s := newSession(now)
	s.Labels = []msg.Label{{ID: 3, Label: 4, Round: 1, Seconds: 2.5}, {ID: 9, Label: msg.Skip, Round: 1}}
	s.Round = 1
	if e := s.save(st); e != "" {
		t.Fatal(e)
	}
	back, st2, notice, _ := loadSession(st, now)
	if notice != "" || st2 == nil || len(back.Labels) != 2 || !reflect.DeepEqual(back.Labels[0], s.Labels[0]) || back.labelled() != 1 {
		t.Fatalf("loaded %+v, %q: want the saved session, one digit label", back, notice)
	}
	st.full = true
	if e := s.save(st); !strings.Contains(e, "refused") || !strings.Contains(e, "QuotaExceededError") {
		t.Errorf("saving to a full storage says %q", e)
	}
	if _, st3, notice, _ := loadSession(nil, now); st3 != nil || !strings.Contains(notice, "does not let the page store") {
		t.Errorf("without storage: store %v, notice %q", st3, notice)
	}
	if s, st4, notice, _ := loadSession(&memStore{m: map[string]string{}}, now); st4 == nil || notice != "" || s.Format != sessionFormat {
		t.Errorf("a first visit: %+v, %q", s, notice)
	}
}

// TestSessionUnreadable checks that a saved session the page cannot read is set aside,
// never dropped, and that nothing is saved over it when it cannot be set aside.
func TestSessionUnreadable(t *testing.T) {
	for _, text := range []string{
		`{"format": "someone else`,
		`{"format": "alab-session/0"}`,
		`{"format": "alab-session/1", "round": 0, "labels": [{"id": 1, "label": 3, "round": 1}]}`, // a label from the future
		`{"format": "alab-session/1", "labels": [{"id": 1, "label": 3}, {"id": 1, "label": 4}]}`,  // twice
		`{"format": "alab-session/1", "batch": {"items": [{"id": 5}]}, "answers": [1], "seconds": [1]}`,
		`{"format": "alab-session/1", "settings": {"strategy": "oracle"}}`,
	} {
		st := &memStore{m: map[string]string{sessionKey: text}}
		s, st2, notice, asideText := loadSession(st, now)
		aside := setAsidePrefix + "20250304T050607.000Z"
		if st2 == nil || len(s.Labels) != 0 || st.m[aside] != text || !strings.Contains(notice, aside) || asideText != text {
			t.Errorf("%s: store %v, notice %q, storage %v: want it set aside under %s and a new session", text, st2, notice, st.m, aside)
		}
		if _, ok := st.m[sessionKey]; ok {
			t.Errorf("%s: still under %s", text, sessionKey)
		}
		st = &memStore{m: map[string]string{sessionKey: text}, full: true}
		if _, st3, notice, _ := loadSession(st, now); st3 != nil || st.m[sessionKey] != text || !strings.Contains(notice, "saves nothing over it") {
			t.Errorf("%s, storage full: store %v, notice %q: want it kept and nothing saved", text, st3, notice)
		}
	}
}
