package ui

import (
	"encoding/json"
	"fmt"
	"time"

	"alab/wasm/msg"
)

// The session as saved in the browser's storage (localStorage), under sessionKey, after
// every label. web/boot.js reads the same key to tell a first visit.
const (
	sessionKey     = "alab/session"
	setAsidePrefix = "alab/set-aside/"
	sessionFormat  = "alab-session/1"
	noAnswer       = -2 // Answers[i] of a digit not answered yet (msg.Skip is -1)
)

// session is everything a person did: labels, settings, the batch on screen with the
// answers given so far, and the learning curve.
type session struct {
	Format   string         `json:"format"`
	Settings msg.Settings   `json:"settings"`
	Labels   []msg.Label    `json:"labels"` // submitted answers, seed set included
	Round    int            `json:"round"`  // batches submitted
	Batch    *msg.Batch     `json:"batch,omitempty"`
	Answers  []int          `json:"answers,omitempty"` // per item of Batch: 0–9, msg.Skip or noAnswer
	Seconds  []float64      `json:"seconds,omitempty"` // per item: how long the answer took
	History  []msg.Accuracy `json:"history,omitempty"`
	// Disagreements of the last submitted batch with MNIST's labels.
	Disagreements []disagreement `json:"disagreements,omitempty"`
	Started       time.Time      `json:"started"`
	// Agreed of Compared labels given by the person (skips excluded) were MNIST's label.
	Agreed   int `json:"agreed,omitempty"`
	Compared int `json:"compared,omitempty"`
	// LastLabels counts the classes the person gave in the last submitted batch.
	LastLabels [10]int `json:"lastLabels"`
	// Drawn are the digits the person drew and labelled since the last submit (msg.Label
	// with an Image, ID -1): they are sent with the next batch's answers, then join Labels.
	Drawn []msg.Label `json:"drawn,omitempty"`
}

type disagreement struct {
	ID    int    `json:"id"`
	Image []byte `json:"image"`
	Given int    `json:"given"`
	MNIST int    `json:"mnist"`
}

func newSession(now time.Time) *session {
	return &session{Format: sessionFormat, Settings: msg.Defaults(), Started: now}
}

// check reports what makes a decoded session unusable.
func (s *session) check() error {
	if s.Format != sessionFormat {
		return fmt.Errorf("it is in format %q, this page reads %q", s.Format, sessionFormat)
	}
	if err := s.Settings.Validate(); err != nil {
		return err
	}
	seen := map[int]bool{}
	for _, l := range s.Drawn {
		if err := checkDrawn(l, s.Round+1); err != nil {
			return err
		}
	}
	for _, l := range s.Labels {
		if l.Image != nil {
			if err := checkDrawn(l, s.Round); err != nil {
				return err
			}
			continue
		}
		if l.ID < 0 || l.Label < msg.Skip || l.Label > 9 || l.Round < 0 || l.Round > s.Round || seen[l.ID] {
			return fmt.Errorf("label %+v is invalid or repeated", l)
		}
		seen[l.ID] = true
	}
	if s.Batch != nil {
		if len(s.Answers) != len(s.Batch.Items) || len(s.Seconds) != len(s.Batch.Items) {
			return fmt.Errorf("the batch on screen has %d digits but %d answers", len(s.Batch.Items), len(s.Answers))
		}
		for i, it := range s.Batch.Items {
			if len(it.Image) != 28*28 || seen[it.ID] || s.Answers[i] < noAnswer || s.Answers[i] > 9 {
				return fmt.Errorf("digit %d of the batch on screen is invalid", i)
			}
		}
	}
	return nil
}

// checkDrawn reports what makes l, a drawn digit's label given in a round up to last,
// invalid.
func checkDrawn(l msg.Label, last int) error {
	if l.ID != drawnID || len(l.Image) != digitPixels || l.Label < 0 || l.Label > 9 || l.Round < 1 || l.Round > last {
		return fmt.Errorf("drawn digit (label %d, round %d, %d pixels) is invalid: want ID %d, label 0–9, round 1–%d, %d pixels",
			l.Label, l.Round, len(l.Image), drawnID, last, digitPixels)
	}
	return nil
}

// drawnID is the ID of a drawn digit's label: it is no pool sample.
const drawnID = -1

// store is the browser's storage as the session sees it: localStorage in the page
// (storage_wasm.go), a map in tests.
type store interface {
	get(key string) (string, bool)
	// set returns an error if the browser refused (storage full, private mode).
	set(key, value string) error
	remove(key string)
}

// loadSession returns the session saved in st and the storage to save it to from now on,
// or a new session if there is none, with a message for the person if the saved one could
// not be read: it is then kept under another key, never dropped. now names that key. If
// st is nil (the browser stores nothing), or the unreadable session cannot be set aside,
// the storage returned is nil: nothing is saved, so nothing is overwritten.
func loadSession(st store, now time.Time) (*session, store, string) {
	if st == nil {
		return newSession(now), nil, "This browser does not let the page store anything: labels will not survive a reload."
	}
	text, ok := st.get(sessionKey)
	if !ok {
		return newSession(now), st, ""
	}
	s := &session{}
	err := json.Unmarshal([]byte(text), s)
	if err == nil {
		err = s.check()
	}
	if err == nil {
		return s, st, ""
	}
	key := setAsidePrefix + now.UTC().Format("20060102T150405Z")
	if e := st.set(key, text); e != nil {
		return newSession(now), nil, fmt.Sprintf("The session saved in this browser could not be read (%v), nor set aside (%v): "+
			"it stays under the storage key %q, and this visit saves nothing over it.", err, e, sessionKey)
	}
	st.remove(sessionKey)
	return newSession(now), st, fmt.Sprintf("The session saved in this browser could not be read (%v). "+
		"It was set aside under the storage key %q (nothing was deleted) and a new session started.", err, key)
}

// save writes the session to st; it returns a message for the person if that failed.
func (s *session) save(st store) string {
	if st == nil {
		return ""
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "Could not save the session: " + err.Error()
	}
	if err := st.set(sessionKey, string(b)); err != nil {
		return fmt.Sprintf("The browser refused to save the session: %v. Export your labels.", err)
	}
	return ""
}

// labelled counts the labels that are digits (skips excluded), the drawn digits waiting
// for the next submit included.
func (s *session) labelled() int {
	n := len(s.Drawn)
	for _, l := range s.Labels {
		if l.Label != msg.Skip {
			n++
		}
	}
	return n
}

// pending returns the IDs of the batch on screen.
func (s *session) pending() []int {
	if s.Batch == nil {
		return nil
	}
	ids := make([]int, len(s.Batch.Items))
	for i, it := range s.Batch.Items {
		ids[i] = it.ID
	}
	return ids
}
