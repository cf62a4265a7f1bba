package ui

import (
	"syscall/js"

	"alab/wasm/msg"
	"alab/wasm/webfiles"
)

// engineWorker is a Web Worker running the engine (web/worker.js, web/worker.wasm): it
// posts the page's messages to the worker and hands the worker's messages and errors to the
// UI goroutine. close terminates the worker and releases its callbacks.
type engineWorker struct {
	w     js.Value
	funcs []js.Func
}

// newWorker starts a worker, or adopts w if it is valid (the worker boot.js started), and
// delivers what it sends to receive and how it fails (or fallback, when the error carries no
// message) to fail, both through dispatch, which runs a function on the UI goroutine.
func newWorker(w js.Value, dispatch func(func()), fallback string, receive, fail func(string)) *engineWorker {
	if !w.Truthy() {
		w = js.Global().Get("Worker").New(webfiles.URL(webfiles.WorkerJS))
	}
	onmessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
		text := args[0].Get("data").String()
		dispatch(func() { receive(text) })
		return nil
	})
	onerror := js.FuncOf(func(_ js.Value, args []js.Value) any {
		what := fallback
		if m := args[0].Get("message"); m.Truthy() {
			what = m.String()
		}
		dispatch(func() { fail(what) })
		return nil
	})
	w.Set("onmessage", onmessage)
	w.Set("onerror", onerror)
	return &engineWorker{w: w, funcs: []js.Func{onmessage, onerror}}
}

func (e *engineWorker) post(m msg.Msg) { e.w.Call("postMessage", msg.Encode(m)) }

// postFiles posts m with files (an array of File) beside it, as {text, files}: the browser
// hands the worker the files themselves, which it reads one by one.
func (e *engineWorker) postFiles(m msg.Msg, files js.Value) {
	v := js.Global().Get("Object").New()
	v.Set("text", msg.Encode(m))
	v.Set("files", files)
	e.w.Call("postMessage", v)
}

// close terminates the worker; nothing it sent after is delivered.
func (e *engineWorker) close() {
	if e == nil {
		return
	}
	e.w.Call("terminate")
	e.w.Set("onmessage", js.Null())
	e.w.Set("onerror", js.Null())
	for _, f := range e.funcs {
		f.Release()
	}
	e.funcs = nil
}

// bootWorker takes over the worker web/boot.js started with the page (window.alabWorker),
// once: the worker, what it sent before the page was ready (window.alabInbox), and whether
// it started a session by itself (window.alabWorkerFresh, a first visit). It returns an
// undefined worker if there is none, or if it is gone already.
func bootWorker() (w js.Value, inbox []string, fresh bool) {
	g := js.Global()
	w = g.Get("alabWorker")
	if !w.Truthy() {
		return js.Undefined(), nil, false
	}
	g.Set("alabWorker", js.Undefined())
	box := g.Get("alabInbox")
	for i := 0; i < box.Length(); i++ {
		inbox = append(inbox, box.Index(i).String())
	}
	return w, inbox, g.Get("alabWorkerFresh").Truthy()
}

// startEngine starts the worker of m's session — adopting the one boot.js started with the
// page — and tells m it is starting; the model sends init once the worker is ready. It
// returns what the worker sent before the page was ready: the caller hands that to receive
// once it holds the worker.
func startEngine(m *labModel, dispatch func(func()), receive, crashed func(string)) (*engineWorker, []string) {
	w, inbox, fresh := bootWorker()
	// A worker started fresh begins the session itself: it is ours only if this page also
	// found nothing saved.
	if fresh && (len(m.s.Labels) > 0 || m.s.Batch != nil || m.s.Images != nil) {
		w.Call("terminate")
		w, inbox, fresh = js.Undefined(), nil, false
	}
	m.starting(fresh)
	return newWorker(w, dispatch, "unknown error", receive, crashed), inbox
}

// hardwareThreads is how many threads the browser says the device has, 4 if it does not say.
func hardwareThreads() int {
	if v := js.Global().Get("navigator").Get("hardwareConcurrency"); v.Truthy() {
		return v.Int()
	}
	return 4
}

// closeView stops a view's engine worker and its listeners, as the view leaves the page.
func closeView(eng *engineWorker, stops []func()) {
	eng.close()
	for _, stop := range stops {
		stop()
	}
}
