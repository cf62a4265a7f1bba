package ui

import (
	"encoding/json"
	"fmt"
	"math"
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

// Bounds of a saved session, checked before it is used: a session the page wrote never
// exceeds them, so one that does was damaged or written by something else.
const (
	maxPool         = 60000    // IDs index the bundle's pool, MNIST indices its training set: at most 60,000
	maxBatchItems   = 100      // msg.Settings allows batches of 1 to 100
	maxSessionBytes = 32 << 20 // more than any browser's localStorage holds
)

// check reports what makes a decoded session unusable: every count, index, round, label,
// time and image size is bounded, so nothing the page or the worker does with it can index
// out of range or run for ever.
func (s *session) check() error {
	if s.Format != sessionFormat {
		return fmt.Errorf("it is in format %q, this page reads %q", s.Format, sessionFormat)
	}
	if err := s.Settings.Validate(); err != nil {
		return err
	}
	seconds := func(v float64) bool { return v >= 0 && !math.IsInf(v, 1) } // false for NaN
	switch {
	case s.Settings.PoolSubset > maxPool:
		return fmt.Errorf("pool subset %d: want at most %d", s.Settings.PoolSubset, maxPool)
	case len(s.Labels) > maxPool || len(s.Drawn) > maxPool:
		return fmt.Errorf("it holds %d labels: want at most %d", len(s.Labels), maxPool)
	case s.Round < 0 || s.Round > len(s.Labels):
		// Every submitted batch adds at least one label (skips included).
		return fmt.Errorf("round %d: want 0 to %d (its labels)", s.Round, len(s.Labels))
	case len(s.History) > s.Round+1:
		return fmt.Errorf("its learning curve has %d points for %d rounds", len(s.History), s.Round)
	case len(s.Disagreements) > maxBatchItems:
		return fmt.Errorf("it lists %d disagreements: want at most %d", len(s.Disagreements), maxBatchItems)
	case s.Agreed < 0 || s.Compared < s.Agreed || s.Compared > len(s.Labels):
		return fmt.Errorf("agreement %d of %d is impossible with %d labels", s.Agreed, s.Compared, len(s.Labels))
	}
	for _, l := range s.Drawn {
		if err := checkDrawn(l, s.Round+1); err != nil {
			return err
		}
	}
	seen := make(map[int]bool, len(s.Labels))
	for _, l := range s.Labels {
		if l.Image != nil {
			if err := checkDrawn(l, s.Round); err != nil {
				return err
			}
			continue
		}
		if l.ID < 0 || l.ID >= maxPool || l.Label < msg.Skip || l.Label > 9 || l.Round < 0 || l.Round > s.Round ||
			seen[l.ID] || !seconds(l.Seconds) {
			return fmt.Errorf("label %d (sample %d, round %d) is invalid or repeated", len(seen)+1, l.ID, l.Round)
		}
		seen[l.ID] = true
	}
	for i, d := range s.Disagreements {
		if d.ID < 0 || d.ID >= maxPool || len(d.Image) != digitPixels || d.Given < msg.Skip || d.Given > 9 || d.MNIST < 0 || d.MNIST > 9 {
			return fmt.Errorf("disagreement %d is invalid", i+1)
		}
	}
	for _, n := range s.LastLabels {
		if n < 0 || n > maxBatchItems {
			return fmt.Errorf("the last batch's class counts %v are impossible", s.LastLabels)
		}
	}
	if s.Batch != nil {
		if len(s.Batch.Items) > maxBatchItems {
			return fmt.Errorf("the batch on screen has %d digits: want at most %d", len(s.Batch.Items), maxBatchItems)
		}
		if len(s.Answers) != len(s.Batch.Items) || len(s.Seconds) != len(s.Batch.Items) {
			return fmt.Errorf("the batch on screen has %d digits but %d answers", len(s.Batch.Items), len(s.Answers))
		}
		inBatch := map[int]bool{}
		for i, it := range s.Batch.Items {
			if it.ID < 0 || it.ID >= maxPool || it.MNIST < 0 || it.MNIST >= maxPool || len(it.Image) != digitPixels ||
				(it.Adversarial != nil && len(it.Adversarial) != digitPixels) || seen[it.ID] || inBatch[it.ID] ||
				s.Answers[i] < noAnswer || s.Answers[i] > 9 || !seconds(s.Seconds[i]) {
				return fmt.Errorf("digit %d of the batch on screen is invalid", i+1)
			}
			inBatch[it.ID] = true
		}
	}
	return nil
}

// decodeSession decodes and checks a saved session's text.
func decodeSession(text string) (*session, error) {
	if len(text) > maxSessionBytes {
		return nil, fmt.Errorf("it is %d bytes: want at most %d", len(text), maxSessionBytes)
	}
	s := &session{}
	if err := json.Unmarshal([]byte(text), s); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// setAside copies text, the session saved under sessionKey, to a key of its own named after
// now, then removes it from sessionKey, so that the page starts afresh without losing it;
// it returns that key. If the copy cannot be written (a full storage), the text stays under
// sessionKey and the error is returned. It never panics: the stores recover what the
// browser throws.
func setAside(st store, text string, now time.Time) (string, error) {
	key := setAsidePrefix + now.UTC().Format("20060102T150405.000Z")
	if err := st.set(key, text); err != nil {
		return "", err
	}
	st.remove(sessionKey)
	return key, nil
}

// asideFile is what the page offers to download of a session it set aside: its labels as
// labelsJSON writes them if it decodes, else the saved text itself.
func asideFile(text string) file {
	s := &session{}
	if len(text) <= maxSessionBytes && json.Unmarshal([]byte(text), s) == nil && len(s.Labels) > 0 {
		f := labelsJSON(s)
		f.name = "alab-set-aside-labels.json"
		return f
	}
	return file{"alab-set-aside-session.json", "application/json", []byte(text)}
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
// not be read: it is then set aside (setAside), never dropped, and aside is its text, for
// the person to export. now names that key. If st is nil (the browser stores nothing), or
// the unreadable session cannot be set aside, the storage returned is nil: nothing is
// saved, so nothing is overwritten.
func loadSession(st store, now time.Time) (s *session, saveTo store, notice, aside string) {
	if st == nil {
		return newSession(now), nil, "This browser does not let the page store anything: labels will not survive a reload.", ""
	}
	text, ok := st.get(sessionKey)
	if !ok {
		return newSession(now), st, "", ""
	}
	s, err := decodeSession(text)
	if err == nil {
		return s, st, "", ""
	}
	key, e := setAside(st, text, now)
	if e != nil {
		return newSession(now), nil, fmt.Sprintf("The session saved in this browser could not be read (%v), nor set aside (%v): "+
			"it stays under the storage key %q, and this visit saves nothing over it.", err, e, sessionKey), text
	}
	return newSession(now), st, fmt.Sprintf("The session saved in this browser could not be read (%v). "+
		"It was set aside under the storage key %q (nothing was deleted) and a new session started.", err, key), text
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
