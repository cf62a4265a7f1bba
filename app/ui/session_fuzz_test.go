package ui

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeSession checks that decoding and checking a saved session never panics, and that
// a session it accepts saves to text it accepts again, and loads (loadSession) without
// being set aside.
func FuzzDecodeSession(f *testing.F) {
	b, err := json.Marshal(validSession())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	fresh, _ := json.Marshal(newSession(now))
	f.Add(string(fresh))
	f.Add(`{"format": "alab-session/1", "round": 4611686018427387904}`)
	f.Add(`{"format": "alab-session/1", "labels": [{"id": 70000, "label": 3}]}`)
	f.Add(`{"format": "someone else`)
	f.Fuzz(func(t *testing.T, text string) {
		s, err := decodeSession(text)
		if err != nil {
			return
		}
		st := &memStore{m: map[string]string{}}
		if e := s.save(st); e != "" {
			t.Fatalf("save of an accepted session: %s", e)
		}
		if _, err := decodeSession(st.m[sessionKey]); err != nil {
			t.Fatalf("decode of its own save: %v", err)
		}
		if _, _, notice, _ := loadSession(st, now); notice != "" {
			t.Fatalf("an accepted session loads with the notice %q", notice)
		}
	})
}
