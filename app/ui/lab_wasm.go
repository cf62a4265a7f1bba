//go:build wasm

package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// lab is the whole page: the explanation, the batch to label, the controls and the curve.
type lab struct {
	app.Compo

	ctx      app.Context
	s        *session
	worker   js.Value
	funcs    []js.Func
	ready    bool // the worker answered init and holds the session
	busy     bool // a round is running in the worker
	stage    string
	notice   string // a message that stays (set-aside session, worker restarted)
	errText  string
	focus    int
	last     time.Time // when the previous answer was given (or the batch shown)
	undo     []int     // items answered in this batch, in order
	imgs     map[string]string
	timings  msg.Timings
	wait     time.Duration // submit → next batch on screen, last round
	submit   time.Time
	restart  int
	stopped  string       // why the worker stopped, until its restart answers
	sentInit bool         // init was sent to this worker (or the worker started fresh by itself)
	idle     bool         // the worker has nothing left to do until the next submit
	insight  *msg.Insight // the redundancy map of the batch on screen (nil until computed)
	mapSVG   string       // insight drawn, cached: it changes once a round
	preview  preview      // the map point whose digit is shown beside the map
}

func (c *lab) OnMount(ctx app.Context) {
	js.Global().Get("console").Call("debug", "alab page: mounted", js.Global().Get("performance").Call("now"))
	c.ctx = ctx
	c.imgs = map[string]string{}
	c.s, c.notice = loadSession()
	c.last = time.Now()
	c.focus = c.firstUnanswered()
	c.preview.id = -1
	doc := js.Global().Get("document")
	keydown, pointer := js.FuncOf(c.onKey), js.FuncOf(c.onMapPointer)
	c.funcs = append(c.funcs, keydown, pointer)
	doc.Call("addEventListener", "keydown", keydown)
	doc.Call("addEventListener", "pointerover", pointer)
	doc.Call("addEventListener", "pointermove", pointer) // within the pool's dots, one element
	doc.Call("addEventListener", "focusin", pointer)
	c.startWorker()
}

func (c *lab) OnDismount() {
	if c.worker.Truthy() {
		c.worker.Call("terminate")
	}
}

// startWorker (re)starts the engine's worker; it sends init once the worker is ready. The
// first time, it adopts the worker web/boot.js started with the page.
func (c *lab) startWorker() {
	if c.worker.Truthy() {
		c.worker.Call("terminate")
	}
	c.ready, c.busy, c.idle, c.stage, c.sentInit = false, true, false, "starting the engine", false
	var queued []string
	w := js.Global().Get("alabWorker")
	if w.Truthy() {
		js.Global().Set("alabWorker", js.Undefined())
		inbox := js.Global().Get("alabInbox")
		for i := 0; i < inbox.Length(); i++ {
			queued = append(queued, inbox.Index(i).String())
		}
		// A worker started fresh begins the session itself; it is ours only if this page
		// also found nothing saved.
		c.sentInit = js.Global().Get("alabWorkerFresh").Truthy()
		if c.sentInit && (len(c.s.Labels) > 0 || c.s.Batch != nil) {
			w.Call("terminate")
			w, queued, c.sentInit = js.Undefined(), nil, false
		}
	}
	if !w.Truthy() {
		w = js.Global().Get("Worker").New("/web/worker.js")
	}
	c.funcs = append(c.funcs, listen(&c.ctx, w, "unknown error", c.receive, c.crashed)...)
	c.worker = w
	for _, text := range queued {
		c.receive(text)
	}
}

func (c *lab) send(m msg.Msg) { c.worker.Call("postMessage", msg.Encode(m)) }

// crashed restarts the worker from the saved session: no label is lost.
func (c *lab) crashed(what string) {
	c.restart++
	c.stopped = what
	c.ready, c.busy, c.idle, c.stage = false, true, false, "restarting the engine"
	c.notice = fmt.Sprintf("The engine stopped (%s). Restarting it from your saved session…", what)
	if c.restart > 3 {
		c.notice = fmt.Sprintf("The engine stopped again (%s). Your labels are saved in this browser; export them or reload the page.", what)
		c.busy, c.stage = false, ""
		return
	}
	delay := time.Duration(c.restart) * 300 * time.Millisecond
	c.ctx.After(delay, func(app.Context) { c.startWorker() })
}

func (c *lab) receive(text string) {
	m, err := msg.Decode(text)
	if err != nil {
		c.errText = err.Error()
		return
	}
	if m.Kind != msg.KindBatch && m.Kind != msg.KindModel {
		js.Global().Get("console").Call("debug", "alab worker:", m.Kind, m.Stage, m.Error, js.Global().Get("performance").Call("now"))
	} else {
		js.Global().Get("console").Call("debug", "alab worker:", m.Kind, js.Global().Get("performance").Call("now"))
	}
	switch m.Kind {
	case msg.KindReady:
		if !c.sentInit {
			c.sentInit = true
			c.send(msg.Msg{Kind: msg.KindInit, Init: &msg.Init{
				Settings: c.s.Settings, Labels: c.s.Labels, Pending: c.s.pending(), Round: c.s.Round,
			}})
		}
	case msg.KindProgress:
		if m.Stage == "idle" {
			c.idle = true
			return
		}
		c.stage = m.Stage
	case msg.KindBatch:
		c.onBatch(m.Batch)
	case msg.KindAccuracy:
		c.onAccuracy(*m.Accuracy)
	case msg.KindInsight:
		if c.s.Batch != nil && m.Insight.Round == c.s.Round {
			c.insight, c.mapSVG, c.preview.id = m.Insight, "", -1
		}
	case msg.KindModel:
		download("alab-model.npz", "application/octet-stream", m.Model)
	case msg.KindError:
		if m.Fatal {
			c.crashed(m.Error)
			return
		}
		c.errText = m.Error
		c.busy = false
	}
}

func (c *lab) onBatch(b *msg.Batch) {
	if c.stopped != "" {
		c.notice = fmt.Sprintf("The engine stopped (%s) and was restarted from your saved session; no label was lost.", c.stopped)
	}
	c.ready, c.busy, c.stage, c.restart, c.idle, c.stopped = true, false, "", 0, false, ""
	c.timings = b.Timings
	if !c.submit.IsZero() {
		c.wait = time.Since(c.submit)
		c.submit = time.Time{}
	}
	if len(b.Seeded) > 0 && len(c.s.Labels) == 0 {
		c.s.Labels = append(c.s.Labels, b.Seeded...)
	}
	if b.Restored && c.s.Batch != nil {
		// The batch on screen was saved; keep it and its answers (scores included).
		c.s.Batch.Accuracy = b.Accuracy
	} else {
		c.s.Batch = b
		c.s.Answers = make([]int, len(b.Items))
		c.s.Seconds = make([]float64, len(b.Items))
		for i := range c.s.Answers {
			c.s.Answers[i] = noAnswer
		}
		c.undo = c.undo[:0]
		c.focus = 0
	}
	c.focus = c.firstUnanswered()
	c.last = time.Now()
	c.persist()
	js.Global().Set("alabLastBatchAt", js.Global().Get("performance").Call("now"))
}

func (c *lab) onAccuracy(a msg.Accuracy) {
	for _, h := range c.s.History {
		if h.Round == a.Round && h.Labelled == a.Labelled {
			return
		}
	}
	c.s.History = append(c.s.History, a)
	c.persist()
}

func (c *lab) persist() {
	if e := c.s.save(); e != "" {
		c.errText = e
	}
}

func (c *lab) firstUnanswered() int {
	for i, a := range c.s.Answers {
		if a == noAnswer {
			return i
		}
	}
	return 0
}

func (c *lab) items() []msg.Item {
	if c.s.Batch == nil {
		return nil
	}
	return c.s.Batch.Items
}

// answer gives the focused digit a label (0–9 or msg.Skip) and moves to the next open one.
func (c *lab) answer(i, label int) {
	if i < 0 || i >= len(c.s.Answers) {
		return
	}
	now := time.Now()
	if c.s.Answers[i] == noAnswer {
		c.undo = append(c.undo, i)
	}
	c.s.Answers[i] = label
	c.s.Seconds[i] = math.Round(now.Sub(c.last).Seconds()*1000) / 1000
	c.last = now
	c.persist()
	for k := 1; k <= len(c.s.Answers); k++ {
		if j := (i + k) % len(c.s.Answers); c.s.Answers[j] == noAnswer {
			c.focus = j
			return
		}
	}
	c.focus = min(i+1, len(c.s.Answers)-1)
}

func (c *lab) undoLast() {
	if len(c.undo) == 0 {
		// After a reload the order is not known: undo the last answered digit.
		for i := len(c.s.Answers) - 1; i >= 0; i-- {
			if c.s.Answers[i] != noAnswer {
				c.undo = append(c.undo, i)
				break
			}
		}
	}
	if len(c.undo) == 0 {
		return
	}
	i := c.undo[len(c.undo)-1]
	c.undo = c.undo[:len(c.undo)-1]
	c.s.Answers[i] = noAnswer
	c.s.Seconds[i] = 0
	c.focus = i
	c.persist()
}

func (c *lab) complete() bool {
	if c.s.Batch == nil || len(c.s.Answers) == 0 {
		return false
	}
	for _, a := range c.s.Answers {
		if a == noAnswer {
			return false
		}
	}
	return true
}

// submitBatch sends the batch's answers and asks for the next batch.
func (c *lab) submitBatch() {
	if !c.ready || c.busy {
		return
	}
	if !c.complete() {
		c.focus = c.firstUnanswered()
		c.errText = "Label every digit of the batch first (or skip it with S)."
		return
	}
	c.errText = ""
	round := c.s.Round + 1
	var labels []msg.Label
	c.s.Disagreements = nil
	for i, it := range c.s.Batch.Items {
		a := c.s.Answers[i]
		labels = append(labels, msg.Label{ID: it.ID, Label: a, Round: round, Seconds: c.s.Seconds[i]})
		if a != msg.Skip && a != it.Truth {
			c.s.Disagreements = append(c.s.Disagreements, disagreement{ID: it.ID, Image: it.Image, Given: a, MNIST: it.Truth})
		}
	}
	c.s.Labels = append(c.s.Labels, labels...)
	c.s.Round = round
	var given []int
	for _, l := range labels {
		given = append(given, l.Label)
		if l.Label != msg.Skip {
			c.s.Compared++
		}
	}
	c.s.Agreed += countAgreed(c.s.Batch.Items, c.s.Answers)
	c.s.LastLabels = msg.Histogram(given)
	c.insight, c.mapSVG = nil, ""
	c.s.Batch, c.s.Answers, c.s.Seconds = nil, nil, nil
	c.undo = c.undo[:0]
	c.persist()
	c.busy, c.stage = true, "training on your labels and querying the next batch"
	c.submit = time.Now()
	settings := c.s.Settings
	c.send(msg.Msg{Kind: msg.KindSubmit, Labels: labels, Settings: &settings})
}

// onKey is the keyboard: 0–9 label, S skips, Backspace undoes, arrows move, Enter submits.
func (c *lab) onKey(_ js.Value, args []js.Value) any {
	e := args[0]
	if e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() || e.Get("altKey").Bool() {
		return nil
	}
	switch strings.ToLower(e.Get("target").Get("tagName").String()) {
	case "input", "select", "textarea":
		return nil
	}
	key := e.Get("key").String()
	var act func()
	switch {
	case len(key) == 1 && key[0] >= '0' && key[0] <= '9':
		d := int(key[0] - '0')
		act = func() { c.answer(c.focus, d) }
	case key == "s" || key == "S":
		act = func() { c.answer(c.focus, msg.Skip) }
	case key == "Backspace":
		act = c.undoLast
	case key == "ArrowRight" || key == "ArrowDown":
		act = func() { c.focus = min(c.focus+1, max(len(c.items())-1, 0)) }
	case key == "ArrowLeft" || key == "ArrowUp":
		act = func() { c.focus = max(c.focus-1, 0) }
	case key == "Enter":
		if e.Get("target").Get("tagName").String() == "BUTTON" {
			return nil // the button's own click
		}
		act = c.submitBatch
	default:
		return nil
	}
	e.Call("preventDefault")
	c.ctx.Dispatch(func(app.Context) { act() })
	return nil
}

// setSetting applies a control's value from the next round.
func (c *lab) setSetting(f func(*msg.Settings, string)) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		next := c.s.Settings
		f(&next, ctx.JSSrc().Get("value").String())
		if err := next.Validate(); err != nil {
			c.errText = err.Error()
			return
		}
		c.errText = ""
		c.s.Settings = next
		c.persist()
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

func (c *lab) reset(ctx app.Context, e app.Event) {
	if !app.Window().Call("confirm", "Start again? Every label of this session will be deleted from this browser (export them first if you want to keep them).").Bool() {
		return
	}
	settings := c.s.Settings
	c.s = newSession()
	c.s.Settings = settings
	c.notice, c.errText = "", ""
	c.undo, c.restart, c.stopped = nil, 0, ""
	c.insight, c.mapSVG = nil, ""
	c.persist()
	c.startWorker()
}

// exportLabels downloads every answer as CSV or JSON.
func (c *lab) exportLabels(format string) {
	type row struct {
		MNISTIndex int     `json:"mnist_index"`
		Label      *int    `json:"label"` // null for a skipped digit
		Round      int     `json:"round"`
		Seconds    float64 `json:"seconds"`
		Source     string  `json:"source"`
	}
	var rows []row
	for _, l := range c.s.Labels {
		r := row{MNISTIndex: l.ID, Round: l.Round, Seconds: l.Seconds, Source: "person"}
		if l.Seed {
			r.Source = "mnist-seed"
		}
		if l.Label != msg.Skip {
			v := l.Label
			r.Label = &v
		}
		rows = append(rows, r)
	}
	if format == "json" {
		b, _ := json.MarshalIndent(struct {
			Settings msg.Settings   `json:"settings"`
			Labels   []row          `json:"labels"`
			History  []msg.Accuracy `json:"history"`
		}{c.s.Settings, rows, c.s.History}, "", "  ")
		download("alab-labels.json", "application/json", b)
		return
	}
	var b strings.Builder
	b.WriteString("mnist_index,label,round,seconds,source\n")
	for _, r := range rows {
		label := "skip"
		if r.Label != nil {
			label = strconv.Itoa(*r.Label)
		}
		fmt.Fprintf(&b, "%d,%s,%d,%g,%s\n", r.MNISTIndex, label, r.Round, r.Seconds, r.Source)
	}
	download("alab-labels.csv", "text/csv", []byte(b.String()))
}

// download hands the browser a file.
func download(name, typ string, data []byte) {
	u8 := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(u8, data)
	blob := js.Global().Get("Blob").New([]any{u8}, map[string]any{"type": typ})
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	a := js.Global().Get("document").Call("createElement", "a")
	a.Set("href", url)
	a.Set("download", name)
	js.Global().Get("document").Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	js.Global().Call("setTimeout", js.FuncOf(func(js.Value, []js.Value) any {
		js.Global().Get("URL").Call("revokeObjectURL", url)
		return nil
	}), 10000)
}

// png returns a data URL of a 28×28 greyscale digit, ink dark on white.
func (c *lab) png(key string, pix []byte) string {
	if u, ok := c.imgs[key]; ok {
		return u
	}
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for i, p := range pix {
		img.Pix[i] = 255 - p
	}
	var buf bytes.Buffer
	// Stored, not deflated: the default level set up a fresh compressor per digit, 3.4 ms
	// each under WebAssembly against 0.5 ms, for 166 bytes instead of 885.
	_ = (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, img)
	u := "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	c.imgs[key] = u
	return u
}

// listen hands a worker's messages to receive and its errors (or fallback, when the error
// carries no message) to fail, both on the UI goroutine through the component's context as
// it is when the message arrives (*ctx), and returns the two callbacks, which the caller
// releases when it drops the worker.
func listen(ctx *app.Context, w js.Value, fallback string, receive, fail func(string)) []js.Func {
	onmessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
		text := args[0].Get("data").String()
		(*ctx).Dispatch(func(app.Context) { receive(text) })
		return nil
	})
	onerror := js.FuncOf(func(_ js.Value, args []js.Value) any {
		what := fallback
		if m := args[0].Get("message"); m.Truthy() {
			what = m.String()
		}
		(*ctx).Dispatch(func(app.Context) { fail(what) })
		return nil
	})
	w.Set("onmessage", onmessage)
	w.Set("onerror", onerror)
	return []js.Func{onmessage, onerror}
}
