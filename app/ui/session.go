package ui

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
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
	// Images, if not nil, makes this a session on the person's images — those of this
	// import, stored in the browser by the engine's worker — instead of on MNIST: labels
	// index Images.Classes, and there is no ground truth to compare with.
	Images *msg.Imported `json:"images,omitempty"`
}

// classes returns the session's class names: the ten digits, or the person's.
func (s *session) classes() []string {
	if s.Images != nil {
		return s.Images.Classes
	}
	return digitNames
}

var digitNames = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// className is label l's name: a class's, "skip" for msg.Skip.
func (s *session) className(l int) string {
	if c := s.classes(); l >= 0 && l < len(c) {
		return c[l]
	}
	return "skip"
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
	maxImages       = 1 << 20  // the files an import takes (data.MaxImageFiles)
	maxPreview      = 12       // the images an import shows
)

// checkImages reports what makes im, a session's import, invalid.
func checkImages(im *msg.Imported) error {
	switch {
	case len(im.Classes) < 2 || len(im.Classes) > msg.LabClasses:
		return fmt.Errorf("its images have %d classes: want 2 to %d", len(im.Classes), msg.LabClasses)
	case im.Images < 1 || im.Images > maxImages || im.Files < im.Images || im.Files > maxImages:
		return fmt.Errorf("its import of %d images from %d files is impossible", im.Images, im.Files)
	case im.ID == "" || len(im.ID) > 64 || len(im.Preview) > maxPreview || len(im.Skipped) > msg.MaxSkipped:
		return fmt.Errorf("its import %.64q is invalid", im.ID)
	}
	for _, c := range im.Classes {
		if c == "" || len(c) > 64 {
			return fmt.Errorf("its class name %.64q is invalid: want 1 to 64 characters", c)
		}
	}
	if t := im.Test; t != nil && (t.Images < 1 || t.Files < t.Images || t.Files > maxImages || t.Test != nil || len(t.Preview) > 0 || len(t.Skipped) > msg.MaxSkipped) {
		return fmt.Errorf("its test folder of %d images from %d files is impossible", t.Images, t.Files)
	}
	for _, p := range im.Preview {
		if len(p) != digitPixels {
			return fmt.Errorf("its import's preview holds an image of %d pixels: want %d", len(p), digitPixels)
		}
	}
	return nil
}

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
	pool, top := maxPool, 9                                                // the bound of IDs, the largest label
	if s.Images != nil {
		if err := checkImages(s.Images); err != nil {
			return err
		}
		pool, top = s.Images.Images, len(s.Images.Classes)-1
		if len(s.Drawn) > 0 {
			return fmt.Errorf("it holds %d drawn digits: a session on images has none", len(s.Drawn))
		}
	}
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
		if l.ID < 0 || l.ID >= pool || l.Label < msg.Skip || l.Label > top || l.Round < 0 || l.Round > s.Round ||
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
			mnist := it.MNIST >= 0 && it.MNIST < maxPool
			if s.Images != nil {
				mnist = it.MNIST == -1 && it.Truth == -1 // not an MNIST digit
			}
			if it.ID < 0 || it.ID >= pool || !mnist || len(it.Image) != digitPixels ||
				(it.Adversarial != nil && len(it.Adversarial) != digitPixels) || seen[it.ID] || inBatch[it.ID] ||
				s.Answers[i] < noAnswer || s.Answers[i] > top || !seconds(s.Seconds[i]) {
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

// The lab shows one of two sessions: MNIST's, saved under sessionKey, or one on the person's
// images, whose keys (its session, its set-aside sessions, the device's speed) are the same
// with imagesPrefix for "alab/" — datasetKey says which (datasetImages for the images).
// web/boot.js reads datasetKey too.
const (
	datasetKey    = "alab/dataset"
	datasetImages = "images"
	imagesPrefix  = "alab/images/"
)

// prefixed is st with every key's "alab/" replaced by prefix.
type prefixed struct {
	st     store
	prefix string
}

func (p prefixed) key(k string) string         { return p.prefix + strings.TrimPrefix(k, "alab/") }
func (p prefixed) get(k string) (string, bool) { return p.st.get(p.key(k)) }
func (p prefixed) set(k, v string) error       { return p.st.set(p.key(k), v) }
func (p prefixed) remove(k string)             { p.st.remove(p.key(k)) }

// labStore is where the session the lab shows lives in st (datasetKey); nil if st is nil.
func labStore(st store) store {
	if st == nil {
		return nil
	}
	if v, _ := st.get(datasetKey); v == datasetImages {
		return prefixed{st, imagesPrefix}
	}
	return st
}

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
