//go:build js && wasm

// Command worker is the engine in the browser: built to web/worker.wasm and run in a
// dedicated Web Worker (web/worker.js), off the page's thread. It answers the page's
// messages (wasm/msg) one at a time: init loads the data bundle and starts or restores the
// session, submit records a batch's labels and queries the next, model exports the network.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"syscall/js"
	"time"

	"alab/core/data"
	"alab/wasm/engine"
	"alab/wasm/msg"
	"alab/wasm/promise"
	"alab/wasm/webfiles"
)

// The data bundle, relative to worker.js, which fetches it (see wasm/webbuild): a contiguous
// run of MNIST's training set starting at index 0 as the pool, and the first test digits.
var bundle = webfiles.Bundle

// startFile is the network of round 0 trained by `make web` (engine.Start as JSON, gzip);
// raceStartFile the default race's (engine.RaceStart), fetched when a race starts.
const (
	startFile     = webfiles.FirstNet
	raceStartFile = webfiles.RaceNet
)

type worker struct {
	inbox      chan envelope
	pool, test *data.Set
	first      *engine.Start // round 0's network trained ahead of time, if it loaded
	e          *engine.Engine
}

// envelope is a message as posted: its text (msg.Encode) and, for an import, the person's
// files beside it (an array of File), else undefined.
type envelope struct {
	text  string
	files js.Value
}

// unwrap reads what the page posted: a message's text, or {text, files} for an import.
func unwrap(v js.Value) envelope {
	if v.Type() == js.TypeString {
		return envelope{text: v.String(), files: js.Undefined()}
	}
	return envelope{text: v.Get("text").String(), files: v.Get("files")}
}

func main() {
	inbox := make(chan envelope, 4096)
	self := js.Global()
	receive := js.FuncOf(func(_ js.Value, args []js.Value) any {
		s := unwrap(args[0].Get("data"))
		select {
		case inbox <- s:
		default: // never block the event loop
			go func() { inbox <- s }()
		}
		return nil
	})
	defer receive.Release() // it lives as long as the worker
	// worker.js queued what arrived while this binary was loading.
	if q := self.Get("alabQueue"); q.Truthy() {
		for i := 0; i < q.Length(); i++ {
			inbox <- unwrap(q.Index(i))
		}
	}
	self.Set("onmessage", receive)
	post(msg.Msg{Kind: msg.KindReady})
	w := &worker{inbox: inbox}
	if strings.Contains(self.Get("location").Get("search").String(), "fresh") {
		// A first visit (boot.js found nothing saved): start at once with the defaults.
		w.handle(msg.Msg{Kind: msg.KindInit, Init: &msg.Init{Settings: msg.Defaults()}}, js.Undefined())
	}
	for in := range inbox {
		m, err := msg.Decode(in.text)
		if err != nil {
			post(msg.Msg{Kind: msg.KindError, Error: "worker: " + err.Error()})
			continue
		}
		w.handle(m, in.files)
	}
}

func post(m msg.Msg) { js.Global().Call("postMessage", msg.Encode(m)) }

func progress(stage string) { post(msg.Msg{Kind: msg.KindProgress, Stage: stage}) }

// handle answers one message. A panic in the engine is reported as fatal: the page
// restarts the worker from its saved session.
func (w *worker) handle(m msg.Msg, files js.Value) {
	defer func() {
		if r := recover(); r != nil {
			post(msg.Msg{Kind: msg.KindError, Error: fmt.Sprintf("worker: %v\n%s", r, debug.Stack()), Fatal: true})
		}
	}()
	ctx := context.Background()
	var err error
	switch m.Kind {
	case msg.KindInit:
		err = w.init(ctx, m.Init)
	case msg.KindSubmit:
		err = w.submit(ctx, m)
	case msg.KindModel:
		err = w.model()
	case msg.KindRace:
		err = w.race(ctx, m.Race)
	case msg.KindProbe:
		err = w.probe(m.Probe)
	case msg.KindImport:
		err = w.importFiles(m.Import, files)
	case msg.KindImportTest:
		err = w.importTest(m.Import, files)
	case msg.KindLabel:
		// Labels count on submit; nothing to do yet.
	default:
		err = fmt.Errorf("worker: unexpected message %q", m.Kind)
	}
	if err != nil {
		post(msg.Msg{Kind: msg.KindError, Error: err.Error(), Fatal: m.Kind == msg.KindInit})
	}
}

func (w *worker) init(ctx context.Context, in *msg.Init) error {
	start := w.startImages
	if in.Images == nil {
		start = w.start
		if w.pool == nil {
			progress("loading digits")
			t := time.Now()
			if err := w.load(); err != nil {
				return err
			}
			progress(fmt.Sprintf("digits decoded in %v (pool %d, test %d)", time.Since(t).Round(time.Millisecond), w.pool.N, w.test.N))
		}
	}
	b, err := start(ctx, in)
	if err != nil {
		// The saved session (its settings, labels or images) is not one this engine can
		// rebuild: a restart would fail alike.
		post(msg.Msg{Kind: msg.KindError, Error: err.Error(), Refused: true})
		return nil
	}
	w.send(b)
	return nil
}

// start starts the session of in — a first visit's, or one restored from its saved labels —
// and returns its batch.
func (w *worker) start(ctx context.Context, in *msg.Init) (*msg.Batch, error) {
	e, err := engine.New(ctx, engine.Config{Start: w.first}, w.pool, w.test, in.Settings)
	if err != nil {
		return nil, err
	}
	w.e = e
	if len(in.Labels) > 0 {
		progress(fmt.Sprintf("restoring your %d labels", len(in.Labels)))
		return e.Restore(ctx, *in)
	}
	progress("training on a seed set of 20 digits labelled from MNIST")
	b, err := e.Query(ctx)
	if err != nil {
		return nil, err
	}
	b.Seeded = e.SeedSet()
	return b, nil
}

func (w *worker) submit(ctx context.Context, m msg.Msg) error {
	if w.e == nil {
		return fmt.Errorf("worker: submit before init")
	}
	if err := w.e.Submit(m.Labels); err != nil {
		return err
	}
	if m.Settings != nil {
		if err := w.e.SetSettings(*m.Settings); err != nil {
			return err
		}
	}
	b, err := w.e.Query(ctx)
	if err != nil {
		return err
	}
	w.send(b)
	return nil
}

// send posts the batch, then measures the accuracy of its model and posts that: the page
// shows the digits without waiting for the evaluation.
func (w *worker) send(b *msg.Batch) {
	post(msg.Msg{Kind: msg.KindBatch, Batch: b})
	a, err := w.e.Accuracy(b)
	if err != nil {
		post(msg.Msg{Kind: msg.KindError, Error: err.Error()})
		return
	}
	if a != nil {
		post(msg.Msg{Kind: msg.KindAccuracy, Accuracy: a})
	}
	// The redundancy map and the comparison with a random batch, once the digits are up.
	if len(w.inbox) == 0 && w.e.Trained() {
		in, err := w.e.Insight(context.Background())
		if err != nil {
			post(msg.Msg{Kind: msg.KindError, Error: err.Error()})
			return
		}
		post(msg.Msg{Kind: msg.KindInsight, Insight: in})
	}
	// While the person labels, train on what is labelled so far: the part of the next
	// round's training that does not need the new labels.
	if len(w.inbox) == 0 {
		if _, err := w.e.Pretrain(context.Background()); err != nil {
			post(msg.Msg{Kind: msg.KindError, Error: err.Error()})
			return
		}
	}
	post(msg.Msg{Kind: msg.KindProgress, Stage: "idle"})
}

// race runs the race's strategies side by side, posting each round's row as it finishes
// and KindRaceDone after each strategy. The page runs one race per worker and stops a race by
// terminating the worker.
func (w *worker) race(ctx context.Context, r *msg.Race) error {
	if r == nil {
		return fmt.Errorf("worker: race without settings")
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if w.pool == nil {
		progress("loading digits")
		if err := w.load(); err != nil {
			return err
		}
	}
	return engine.Race(ctx, *r, r.Strategies, w.pool, w.test, raceStart(),
		func(row msg.Row) { post(msg.Msg{Kind: msg.KindRace, Rows: []msg.Row{row}}) },
		func(s string) { post(msg.Msg{Kind: msg.KindRaceDone, Stage: s}) })
}

// probe describes a drawn digit with the network of the batch on screen.
func (w *worker) probe(p *msg.Probe) error {
	if w.e == nil {
		return fmt.Errorf("worker: no session yet")
	}
	out, err := w.e.Probe(p.Image)
	if err != nil {
		return err
	}
	post(msg.Msg{Kind: msg.KindProbe, Probe: out})
	return nil
}

func (w *worker) model() error {
	if w.e == nil {
		return fmt.Errorf("worker: no session yet")
	}
	var buf bytes.Buffer
	if err := w.e.SaveModel(&buf); err != nil {
		return err
	}
	post(msg.Msg{Kind: msg.KindModel, Model: buf.Bytes()})
	return nil
}

// load decodes the bundle worker.js fetched (raw IDX, or gzip where the browser could not
// decompress it).
func (w *worker) load() error {
	arr, err := promise.Await(js.Global().Get("alabBundle"))
	if err != nil {
		return fmt.Errorf("worker: loading the digits: %v", err)
	}
	var files [4][]byte
	for i := range files {
		u8 := arr.Index(i)
		files[i] = make([]byte, u8.Length())
		js.CopyBytesToGo(files[i], u8)
	}
	var sets [2]*data.Set
	for i := range sets {
		pix, n, rows, cols, err := data.DecodeImages(bytes.NewReader(files[2*i]))
		if err != nil {
			return fmt.Errorf("worker: %s: %w", bundle[2*i], err)
		}
		labels, err := data.DecodeLabels(bytes.NewReader(files[2*i+1]))
		if err != nil {
			return fmt.Errorf("worker: %s: %w", bundle[2*i+1], err)
		}
		sets[i] = &data.Set{N: n, Rows: rows, Cols: cols, Pix: pix, Labels: labels}
		if err := sets[i].Validate(10); err != nil {
			return fmt.Errorf("worker: %s: %w", bundle[2*i], err)
		}
	}
	w.pool, w.test = sets[0], sets[1]
	w.first = loadStart()
	return nil
}

// loadStart returns the network of round 0 that worker.js fetched, or nil if there is none;
// one that does not decode is reported, and round 0 trains in the tab instead.
func loadStart() *engine.Start {
	s, err := fetched(js.Global().Get("alabStart"), engine.ReadStart)
	if err != nil {
		post(msg.Msg{Kind: msg.KindError, Error: fmt.Sprintf("worker: %s: %v (the first network trains here instead)", startFile, err)})
	}
	return s
}

// raceStart fetches the default race's round 0, or returns nil if it cannot be had (offline:
// it is not among the files cached for that) or does not decode, and the race trains its
// round 0 itself. A file that does not decode is only logged to the console: an error
// message would stop the race (the page treats it as the worker's failure).
func raceStart() *engine.RaceStart {
	s, err := fetched(js.Global().Call("alabFetch", raceStartFile), engine.ReadRaceStart)
	if err != nil {
		js.Global().Get("console").Call("warn", fmt.Sprintf("worker: %s: %v (the race trains its first network instead)", raceStartFile, err))
	}
	return s
}

// fetched awaits a file worker.js fetches (a promise of its bytes, or of null) and decodes
// its content, un-gzipped where the browser could not, with read; nil and no error if there
// is no file.
func fetched[T any](p js.Value, read func(io.Reader) (*T, error)) (*T, error) {
	v, err := promise.Await(p)
	if err != nil || v.IsNull() || v.IsUndefined() {
		return nil, nil
	}
	b := make([]byte, v.Length())
	js.CopyBytesToGo(b, v)
	var r io.Reader = bytes.NewReader(b)
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) { // still gzip: the browser has no DecompressionStream
		if r, err = gzip.NewReader(r); err != nil {
			return nil, err
		}
	}
	return read(r)
}
