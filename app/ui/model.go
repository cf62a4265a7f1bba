package ui

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"alab/wasm/msg"
)

// labModel is what the lab knows and does, apart from the browser: the session, the batch
// on screen with its answers, what the engine's worker is doing, and what to tell the
// person. Its methods are the lab's business logic; the components only show it (as
// props), and lab_wasm.go feeds it the person's commands and the worker's messages.
type labModel struct {
	s    *session
	st   store         // where s is saved; nil saves nothing
	send func(msg.Msg) // to the engine's worker
	now  func() time.Time

	ready     bool // the worker answered init and holds the session
	busy      bool // a round is running in the worker
	idle      bool // the worker has nothing left to do until the next submit
	sentInit  bool // init was sent to this worker (or the worker started the session itself)
	stage     string
	notice    string // a message that stays (set-aside session, worker restarted)
	errText   string
	focus     int
	last      time.Time // when the previous answer was given (or the batch shown)
	undo      []int     // items answered in this batch, in order
	timings   msg.Timings
	wait      time.Duration // submit → next batch on screen, last round
	submitted time.Time
	restarts  int
	stopped   string       // why the worker stopped, until its restart answers
	insight   *msg.Insight // the redundancy map of the batch on screen (nil until computed)
	speed     deviceSpeed  // what the strategies cost here
	importing bool         // the worker is converting the person's files
	// aside is the saved labels last set aside (unreadable, refused by the engine, or their
	// restore cancelled), offered for export with the notice; nil if none.
	aside *file
}

// newLabModel loads the session saved in st; send posts to the worker, now is the clock.
func newLabModel(st store, now func() time.Time, send func(msg.Msg)) *labModel {
	m := &labModel{send: send, now: now}
	var aside string
	m.s, m.st, m.notice, aside = loadSession(st, now())
	if aside != "" {
		f := asideFile(aside)
		m.aside = &f
	}
	m.speed = loadDeviceSpeed(st)
	m.last = now()
	m.focus = m.firstUnanswered()
	return m
}

// starting notes that a worker is (re)starting: it holds no session until it answers init.
// sentInit says whether it starts the session by itself (a first visit's worker).
func (m *labModel) starting(sentInit bool) {
	m.ready, m.busy, m.idle, m.sentInit = false, true, false, sentInit
	m.stage = "starting the engine"
}

// crashed notes that the worker stopped (what says why) and returns after how long to
// restart it from the saved session — no label is lost — or false after three failures
// in a row, when the person is told to export and reload.
func (m *labModel) crashed(what string) (time.Duration, bool) {
	m.restarts++
	m.stopped = what
	m.ready, m.busy, m.idle, m.stage = false, true, false, "restarting the engine"
	m.notice = fmt.Sprintf("The engine stopped (%s). Restarting it from your saved session…", what)
	if m.restarts > 3 {
		m.notice = fmt.Sprintf("The engine stopped again (%s). Your labels are saved in this browser; export them or reload the page.", what)
		m.busy, m.stage = false, ""
		return 0, false
	}
	return time.Duration(m.restarts) * 300 * time.Millisecond, true
}

// restoring reports whether the worker is rebuilding a saved session (replaying its rounds)
// and has not answered yet: the person may cancel that (cancelRestore).
func (m *labModel) restoring() bool { return !m.ready && m.s.Round > 0 }

// restoringRounds is the rounds being restored, for the notice: 0 if none.
func restoringRounds(m *labModel) int {
	if m.restoring() {
		return m.s.Round
	}
	return 0
}

// refused sets aside the saved session the engine could not rebuild (why says why) and
// starts a new one with default settings, telling the person and offering the set-aside
// labels for export, and reports whether the caller should restart the worker: not when the
// refused session was a new one already (restarting would fail alike), which is an error
// shown instead. A reload finds the new session: the refused one never comes back by itself.
func (m *labModel) refused(why string) bool {
	if len(m.s.Labels) == 0 && m.s.Batch == nil && m.s.Settings == msg.Defaults() {
		m.errText, m.busy = "The engine could not start: "+why, false
		return false
	}
	m.setAsideSession(fmt.Sprintf("The engine could not restore the session saved in this browser (%s).", why))
	return true
}

// cancelRestore stops restoring the saved session: it is set aside, as refused does, and a
// new session starts. The caller restarts the worker, which ends the replay.
func (m *labModel) cancelRestore() {
	m.setAsideSession("Restoring the saved session was cancelled.")
}

func (m *labModel) setAsideSession(why string) {
	old := m.s
	text, err := json.Marshal(old)
	if err != nil {
		text = nil // only numbers, strings and slices: cannot happen
	}
	m.s = newSession(m.now())
	m.undo, m.restarts, m.stopped, m.insight, m.errText = nil, 0, "", nil, ""
	f := asideFile(string(text))
	m.aside = &f
	if m.st == nil {
		m.notice = why + " A new session started; this browser stores nothing, so export the old labels now."
		return
	}
	key, err := setAside(m.st, string(text), m.now())
	if err != nil {
		// The old session stays under its key; saving the new one would overwrite it.
		m.st = nil
		m.notice = fmt.Sprintf("%s It could not be set aside (%v), so it stays saved and this visit saves nothing: export its labels now.", why, err)
		return
	}
	m.notice = fmt.Sprintf("%s It is set aside under the storage key %q — export its labels below — and a new session started.", why, key)
	m.persist()
}

// receive takes one of the worker's messages other than a model (a download) or a fatal
// error (crashed).
func (m *labModel) receive(in msg.Msg) {
	switch in.Kind {
	case msg.KindReady:
		if !m.sentInit {
			m.sentInit = true
			m.send(msg.Msg{Kind: msg.KindInit, Init: &msg.Init{
				Settings: m.s.Settings, Labels: m.s.Labels, Pending: m.s.pending(), Round: m.s.Round, Images: m.s.Images,
			}})
		}
	case msg.KindProgress:
		if in.Stage == "idle" {
			m.idle = true
			return
		}
		m.stage = in.Stage
	case msg.KindBatch:
		m.onBatch(in.Batch)
	case msg.KindAccuracy:
		m.onAccuracy(*in.Accuracy)
	case msg.KindInsight:
		if m.s.Batch != nil && in.Insight.Round == m.s.Round {
			m.insight = in.Insight
		}
	case msg.KindError:
		m.errText = in.Error
		m.busy = false
		m.importing = false
	}
}

// importStarted notes that the worker is converting the person's files.
func (m *labModel) importStarted() {
	m.importing, m.errText, m.stage = true, "", "reading your files"
}

// useImages starts a session on the import im — stored by the worker — with the current
// settings (the pool subset at most the images), saved under the images' keys in base (the
// browser's storage), and makes it the one the lab shows (datasetKey): the caller reloads
// the page. MNIST's session stays saved under its own keys; a session on the images
// the import replaces, is set aside (setAside) with its labels and file names,
// never dropped. It returns false, with a message, if the storage refused.
func (m *labModel) useImages(base store, im *msg.Imported) bool {
	m.importing = false
	if base == nil {
		m.errText = "This browser does not let the page store anything, so it cannot keep your images."
		return false
	}
	st := prefixed{base, imagesPrefix}
	if text, ok := st.get(sessionKey); ok {
		if _, err := setAside(st, text, m.now()); err != nil {
			m.errText = fmt.Sprintf("The session on the images this import replaces could not be set aside (%v): export its labels first.", err)
			return false
		}
	}
	s := newSession(m.now())
	s.Settings = m.s.Settings
	s.Settings.PoolSubset = max(100, min(s.Settings.WithDefaults().PoolSubset, im.Images))
	s.Images = im
	if e := s.save(st); e != "" {
		m.errText = e
		return false
	}
	return m.useDataset(base, true)
}

// useTest makes test, a labelled folder the worker stored, the test set of the session on
// images: the accuracy is measured on it from the next round on, instead of estimated on held-out
// labels, so the curve starts again. It reports whether the caller should restart the
// worker (which restores the session with the test set): not if the test set is not this
// session's.
func (m *labModel) useTest(test *msg.Imported) bool {
	m.importing = false
	im := m.s.Images
	if im == nil || test.ID != im.ID || test.Images < 1 {
		m.errText = "The test folder is not for the images on screen: import it again."
		return false
	}
	test.Preview, test.Test = nil, nil
	im.Test = test
	m.s.History = nil
	m.persist()
	return true
}

// leaveImages goes back to MNIST's session after a session on images was set aside
// (refused): the new session setAsideSession saved in its place is dropped, the lab shows
// MNIST's, and the notice says why.
func (m *labModel) leaveImages(base store) {
	if m.st != nil {
		m.st.remove(sessionKey)
	}
	notice, aside := m.notice, m.aside
	if !m.useDataset(base, false) {
		return // the message says why; the session stays the new one
	}
	var text string
	m.s, m.st, m.notice, text = loadSession(base, m.now())
	m.notice = strings.TrimSpace(notice + " " + m.notice + " Back on MNIST's session.")
	m.aside = aside
	if text != "" {
		f := asideFile(text)
		m.aside = &f
	}
	m.focus = m.firstUnanswered()
}

// useDataset makes the session on the person's images (images) or MNIST's the one the lab
// shows from the next load on; false, with a message, if the storage refused.
func (m *labModel) useDataset(base store, images bool) bool {
	v := "mnist"
	if images {
		v = datasetImages
	}
	if base == nil {
		return false
	}
	if err := base.set(datasetKey, v); err != nil {
		m.errText = fmt.Sprintf("The browser refused to switch the session: %v.", err)
		return false
	}
	return true
}

func (m *labModel) onBatch(b *msg.Batch) {
	if m.stopped != "" {
		m.notice = fmt.Sprintf("The engine stopped (%s) and was restarted from your saved session; no label was lost.", m.stopped)
	}
	m.ready, m.busy, m.stage, m.restarts, m.idle, m.stopped = true, false, "", 0, false, ""
	m.timings = b.Timings
	if !m.submitted.IsZero() {
		m.wait = m.now().Sub(m.submitted)
		m.submitted = time.Time{}
	}
	if len(b.Seeded) > 0 && len(m.s.Labels) == 0 {
		m.s.Labels = append(m.s.Labels, b.Seeded...)
	}
	if b.Restored && m.s.Batch != nil {
		// The batch on screen was saved; keep it and its answers (scores included).
		m.s.Batch.Accuracy = b.Accuracy
	} else {
		m.s.Batch = b
		m.s.Answers = make([]int, len(b.Items))
		m.s.Seconds = make([]float64, len(b.Items))
		for i := range m.s.Answers {
			m.s.Answers[i] = noAnswer
		}
		m.undo = m.undo[:0]
	}
	m.focus = m.firstUnanswered()
	m.last = m.now()
	m.persist()
}

func (m *labModel) onAccuracy(a msg.Accuracy) {
	m.speed = m.speed.measured(a.PassMs, m.st)
	for _, h := range m.s.History {
		if h.Round == a.Round && h.Labelled == a.Labelled {
			return
		}
	}
	m.s.History = append(m.s.History, a)
	m.persist()
}

func (m *labModel) persist() {
	if e := m.s.save(m.st); e != "" {
		m.errText = e
	}
}

func (m *labModel) firstUnanswered() int {
	for i, a := range m.s.Answers {
		if a == noAnswer {
			return i
		}
	}
	return 0
}

// items returns the batch on screen.
func (m *labModel) items() []msg.Item {
	if m.s.Batch == nil {
		return nil
	}
	return m.s.Batch.Items
}

// setSetting applies a control's value from the next round: field is one of the settings
// controls' names, value what the control holds. An invalid value is refused with a message.
func (m *labModel) setSetting(field, value string) {
	next := m.s.Settings
	n := atoi(value)
	switch field {
	case settingStrategy:
		next.Strategy = value
	case settingBatch:
		next.Batch = n
	case settingMCSamples:
		next.MCSamples = n
	case settingPoolSubset:
		next.PoolSubset = n
	default:
		return
	}
	if err := next.Validate(); err != nil {
		m.errText = err.Error()
		return
	}
	m.errText = ""
	m.s.Settings = next
	m.persist()
}

// The settings controls, by name.
const (
	settingStrategy   = "strategy"
	settingBatch      = "batch"
	settingMCSamples  = "mcSamples"
	settingPoolSubset = "poolSubset"
)

// reset starts a new session with the same settings (the person has confirmed).
func (m *labModel) reset() {
	settings := m.s.Settings
	m.s = newSession(m.now())
	m.s.Settings = settings
	m.notice, m.errText, m.aside = "", "", nil
	m.undo, m.restarts, m.stopped = nil, 0, ""
	m.insight = nil
	m.persist()
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}
