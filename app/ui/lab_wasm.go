package ui

import (
	"fmt"
	"strings"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// lab is the labelling view: it wires the lab's model (labModel) to the browser — the
// engine's worker, the keyboard, storage, downloads — and lays out the components.
type lab struct {
	app.Compo

	ctx     app.Context
	base    store  // the browser's storage; the session lives in labStore(base)
	other   string // the other session saved here, to switch to ("" if none)
	m       *labModel
	eng     *engineWorker
	imgs    digitImages
	preview mapPreview
	stops   []func() // the document's listeners, removed on dismount
}

const (
	labTitle = "Batch active learning: you label, the network asks"
	labLede  = "A small convolutional network is training in this tab, on your device. It started from 20 MNIST digits " +
		"with their labels. Each round it picks the digits it would most like to know — by the query strategy you " +
		"choose — and asks you to label them. Your labels retrain it, and the chart shows how its accuracy on " +
		"2,000 test digits grows with the number of labels. Nothing is sent anywhere."
)

const imagesLede = "A small convolutional network is training in this tab, on your device, on your own images: " +
	"there is no label to start from, so the first batch is drawn at random and the network trains on your answers. " +
	"Each round it picks the images it would most like to know and asks you to label them. Every fifth label is held " +
	"out of training to estimate its accuracy. Nothing is sent anywhere."

// reload reloads the page: the lab starts on the session the storage names.
func reload() { app.Window().Get("location").Call("reload") }

func (c *lab) OnMount(ctx app.Context) {
	c.ctx = ctx
	c.imgs = digitImages{}
	c.base = browserStore()
	c.m = newLabModel(labStore(c.base), time.Now, func(m msg.Msg) { c.eng.post(m) })
	c.other = otherSession(c.base, c.m.s.Images != nil)
	c.preview = mapPreview{m: c.m, imgs: c.imgs, quiet: c.quiet}
	c.stops = []func(){listenKeys(c.dispatch, c.m.do), c.preview.listen()}
	actCommand.handle(ctx, c.m.do)
	actSetting.handle(ctx, func(s setting) { c.m.setSetting(s.field, s.value) })
	actExport.handle(ctx, c.export)
	actReset.handle(ctx, func(struct{}) { c.reset() })
	actImport.handle(ctx, c.importFiles)
	actDataset.handle(ctx, func(images bool) {
		if c.m.useDataset(c.base, images) {
			reload()
		}
	})
	actCancelRestore.handle(ctx, func(struct{}) {
		if c.m.restoring() {
			c.m.cancelRestore()
			c.startWorker()
		}
	})
	c.startWorker()
}

// importFiles hands the person's files to the worker: images to label, or a labelled folder
// to test the session on images with (its classes and import are the session's).
func (c *lab) importFiles(r importRequest) {
	m := msg.Msg{Kind: msg.KindImport, Import: &msg.Import{Classes: r.classes}}
	if r.test {
		im := c.m.s.Images
		if im == nil {
			return
		}
		m = msg.Msg{Kind: msg.KindImportTest, Import: &msg.Import{Classes: strings.Join(im.Classes, ","), TestFor: im.ID}}
	}
	c.m.importStarted()
	c.eng.postFiles(m, js.Global().Get("Array").Call("from", app.JSValue(r.files)))
}

func (c *lab) OnDismount() {
	closeView(c.eng, c.stops)
	c.stops = nil
}

// dispatch runs f on the UI goroutine, then re-renders the view.
func (c *lab) dispatch(f func()) { c.ctx.Dispatch(func(app.Context) { f() }) }

// quiet runs f on the UI goroutine without re-rendering (go-app's Next mode), for what
// writes to the DOM itself.
func (c *lab) quiet(f func()) {
	c.ctx.Dispatcher().Dispatch(app.Dispatch{Mode: app.Next, Source: c, Function: func(app.Context) { f() }})
}

// startWorker (re)starts the engine's worker; the model sends init once it is ready. The
// first time, it adopts the worker web/boot.js started with the page.
func (c *lab) startWorker() {
	c.eng.close()
	var inbox []string
	c.eng, inbox = startEngine(c.m, c.dispatch, c.receive, c.crashed)
	for _, text := range inbox {
		c.receive(text)
	}
}

func (c *lab) receive(text string) {
	in, err := msg.Decode(text)
	switch {
	case err != nil:
		c.m.errText = err.Error()
	case in.Kind == msg.KindModel:
		download(modelFile(in.Model))
	case in.Kind == msg.KindImportTest && in.Imported != nil:
		if c.m.useTest(in.Imported) {
			c.startWorker() // it restores the session, measuring on the test images
		}
	case in.Kind == msg.KindImport && in.Imported != nil:
		if c.m.useImages(c.base, in.Imported) {
			reload()
		}
	case in.Kind == msg.KindError && in.Refused:
		// Restarting would fail alike: set the session aside and start afresh — on MNIST,
		// where the session is on images the browser does not hold.
		images := c.m.s.Images != nil
		if c.m.refused(in.Error) {
			if images {
				c.m.leaveImages(c.base)
				c.other = otherSession(c.base, false)
			}
			c.startWorker()
		}
	case in.Kind == msg.KindError && in.Fatal:
		c.crashed(in.Error)
	default:
		c.m.receive(in)
		switch in.Kind {
		case msg.KindBatch:
			testMark(markBatch)
		case msg.KindInsight:
			c.preview.reset()
		}
	}
}

// crashed restarts the worker from the saved session, after a pause that grows with each
// failure in a row (labModel.crashed).
func (c *lab) crashed(what string) {
	c.eng.close()
	if after, ok := c.m.crashed(what); ok {
		c.ctx.After(after, func(app.Context) { c.startWorker() })
	}
}

func (c *lab) export(what string) {
	switch what {
	case exportCSV:
		download(labelsCSV(c.m.s))
	case exportJSON:
		download(labelsJSON(c.m.s))
	case exportModel:
		c.eng.post(msg.Msg{Kind: msg.KindModel})
	case exportAside:
		if c.m.aside != nil {
			download(*c.m.aside)
		}
	}
}

func (c *lab) reset() {
	if !app.Window().Call("confirm", "Start again? Every label you gave will be deleted from this browser "+
		"(export them first if you want to keep them).").Bool() {
		return
	}
	c.m.reset()
	c.startWorker()
}

func (c *lab) Render() app.UI {
	m := c.m
	header := &pageHeader{Title: labTitle, Lede: labLede, Current: "/"}
	if m != nil && m.s.Images != nil {
		header.Lede = imagesLede
	}
	if m == nil {
		return app.Div().Class("lab").Body(header)
	}
	engine := "busy"
	if m.idle {
		engine = "idle"
	}
	status := ""
	if m.busy && (len(m.items()) > 0 || m.ready) {
		status = stageText(m.stage)
	}
	return app.Div().Class("lab").DataSet("engine", engine).Body(
		header,
		app.If(m.notice != "" || m.restoring(), &noticeBar{Text: m.notice, CanExport: m.aside != nil, Restoring: restoringRounds(m)}),
		app.Main().Class("layout").Body(
			app.Div().Class("maincol").Body(
				&batchGrid{Title: batchTitle(m), Cards: cards(m, c.imgs), Focus: m.focus, Waiting: stageText(m.stage), Error: m.errText, Bar: c.bar(), Classes: imageClasses(m.s)},
				// Shown from the first batch on, and kept while the next is computed.
				app.If(m.s.Batch != nil || m.s.Round > 0, &redundancyPanel{Insight: m.insight, Items: m.items(), LastLabels: m.s.LastLabels, Classes: imageClasses(m.s)}),
			),
			app.Aside().Class("side").Body(
				&progressPanel{History: m.s.History, Images: m.s.Images != nil, Labelled: m.s.labelled(), Batches: m.s.Round, Status: status, Timing: timingText(m), Notes: notesText(m)},
				&personPanel{Stats: person(m.s)},
				&settingsPanel{Settings: m.s.Settings.WithDefaults(), Speed: m.speed, Pool: poolText(m.s)},
				app.If(m.s.Images == nil, &disagreementsPanel{Submitted: m.s.Round > 0, Digits: disagreements(m.s, c.imgs)}),
				&sessionPanel{Ready: m.ready},
				&importPanel{Images: m.s.Images, Other: c.other, Importing: m.importing, Stage: m.stage, Preview: previews(m.s.Images)},
			),
		),
		app.Footer().Class("foot").Body(
			app.Text("alab · the model, its training and your labels stay in this browser · "),
			app.A().Href("https://github.com/dsgissin/DiscriminativeActiveLearning").Text("the blog series' code"),
		),
	)
}

// bar is what the answer bar shows: the focused digit and whether the batch can go.
func (c *lab) bar() barState {
	m := c.m
	st := barState{CanSubmit: m.canSubmit(), Busy: m.busy}
	if items := m.items(); m.focus >= 0 && m.focus < len(items) {
		it := items[m.focus]
		st.Thumb = c.imgs.url(it.ID, false, it.Image)
		st.Position = fmt.Sprintf("%d of %d", m.focus+1, len(items))
	}
	return st
}
