package ui

import (
	"slices"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// drawView is the third view: the person draws a digit and sees what the network of their
// session makes of it. It restores the saved session in a worker of its own, as the lab
// does (labModel), and wires the drawing (drawModel) to the canvas and the keyboard.
type drawView struct {
	app.Compo

	ctx  app.Context
	lab  *labModel
	m    *drawModel
	eng  *engineWorker
	view probeView
	// The input on screen as an image and as text, made once per input, not per render.
	shownFor      []byte
	input, pixels string
	pick          int // the next digit of the batch "use a digit" takes
	stops         []func()
}

func (c *drawView) OnMount(ctx app.Context) {
	c.ctx = ctx
	c.lab = newLabModel(browserStore(), time.Now, func(m msg.Msg) { c.eng.post(m) })
	c.m = newDrawModel(c.lab)
	c.stops = []func(){listenDrawKeys(c.dispatch, c.do)}
	actDraw.handle(ctx, c.do)
	actStroke.handle(ctx, c.stroke)
	c.startWorker()
}

func (c *drawView) OnDismount() {
	closeView(c.eng, c.stops)
	c.stops = nil
}

func (c *drawView) dispatch(f func()) { c.ctx.Dispatch(func(app.Context) { f() }) }

func (c *drawView) startWorker() {
	c.eng.close()
	c.m.busy, c.m.primed, c.m.inFlight = false, false, nil
	var inbox []string
	c.eng, inbox = startEngine(c.lab, c.dispatch, c.receive, c.crashed)
	for _, text := range inbox {
		c.receive(text)
	}
}

func (c *drawView) crashed(what string) {
	c.eng.close()
	if after, ok := c.lab.crashed(what); ok {
		c.ctx.After(after, func(app.Context) { c.startWorker() })
	}
}

func (c *drawView) receive(text string) {
	in, err := msg.Decode(text)
	switch {
	case err != nil:
		c.lab.errText = err.Error()
	case in.Kind == msg.KindError && in.Fatal:
		c.crashed(in.Error)
	case in.Kind == msg.KindProbe:
		testMark(markProbeBack)
		shown := c.m.probe
		c.m.receive(in.Probe)
		if c.m.probe != shown {
			c.view = probeToView(c.m.probe, c.m.shownInput)
			c.ctx.Defer(func(app.Context) { testMark(markProbeShown) })
		}
	case in.Kind == msg.KindModel:
	default:
		c.lab.receive(in)
		switch {
		case in.Kind == msg.KindBatch:
			c.m.askNext()
		case in.Kind == msg.KindProgress && in.Stage == "idle":
			c.m.ready()
		case in.Kind == msg.KindError && c.m.busy:
			c.m.receive(nil)
		}
	}
}

// stroke is a stroke the canvas ended: its points, in the drawing area's units.
func (c *drawView) stroke(pts []point) {
	if len(pts) == 0 {
		return
	}
	c.m.down(pts[0])
	for _, p := range pts[1:] {
		c.m.move(p)
	}
	c.m.up()
	testMark(markProbeSent)
}

func (c *drawView) do(dc drawCommand) {
	switch dc.op {
	case drawClear:
		c.m.clear()
		clearCanvas()
	case drawLabel:
		c.m.label(dc.arg)
		if c.m.input == nil {
			clearCanvas()
		}
	case drawUseDigit:
		items := c.lab.items()
		if len(items) == 0 {
			return
		}
		it := items[c.pick%len(items)]
		c.pick++
		c.m.clear()
		clearCanvas()
		c.m.started, c.m.input = c.lab.now(), slices.Clone(it.Image)
		c.m.ask(c.m.input)
	}
}

func (c *drawView) Render() app.UI {
	header := &pageHeader{Current: "/draw", Title: "Draw a digit: what the network believes, and how far it is from changing its mind",
		Lede: "Draw a digit with the mouse, a pen or a finger. The network of your session — the one that chose the lab's " +
			"batch on screen — reads it as MNIST's digits were made (the ink fitted into 20×20 pixels, centred in 28×28) and " +
			"shows what the lab's strategies see: its softmax, the spread of its dropout passes, the five uncertainty scores " +
			"and the nearest adversarial twins. Label it and it joins your labelled set."}
	if c.m == nil {
		return app.Div().Class("lab draw").Body(header)
	}
	m := c.m
	engine := "busy"
	if m.idle() {
		engine = "idle"
	}
	note := m.inputErr
	if m.added != "" {
		note = m.added
	}
	if len(m.input) == 0 {
		c.shownFor, c.input, c.pixels = nil, "", ""
	} else if len(c.shownFor) == 0 || &c.shownFor[0] != &m.input[0] {
		c.shownFor, c.input, c.pixels = m.input, digitURL(m.input), pixelText(m.input)
	}
	input, pixels := c.input, c.pixels
	status := ""
	if !c.lab.ready {
		status = stageText(c.lab.stage)
	}
	return app.Div().Class("lab draw").DataSet("engine", engine).Body(
		header,
		app.If(c.lab.notice != "", app.P().Class("notice").Text(c.lab.notice)),
		app.Main().Class("layout").Body(
			app.Div().Class("maincol").Body(
				app.Section().Class("panel drawing").Body(
					app.H2().Text("Your digit"),
					app.Div().Class("draw-area").Body(
						&drawCanvas{Label: canvasLabel(m, c.view)},
						&drawTools{Input: input, Pixels: pixels, Note: note, Digits: len(c.lab.items()),
							Waiting: len(c.lab.s.Drawn), HasInput: m.input != nil},
					),
					app.If(status != "", app.P().Class("status").Text(status)),
					app.If(c.lab.errText != "", app.P().Class("error").Text(c.lab.errText)),
				),
				&beliefPanel{View: c.view, Has: m.probe != nil, Busy: m.busy && m.input != nil, T: c.lab.s.Settings.WithDefaults().MCSamples},
				app.If(m.probe != nil, &marginPanel{Twins: c.view.Twins}),
			),
			app.Aside().Class("side").Body(&tourPanel{}),
		),
	)
}

// canvasLabel is the canvas's text alternative: what it is for and what it holds.
func canvasLabel(m *drawModel, v probeView) string {
	s := "Drawing area: draw a digit with the mouse, a pen or a finger; C clears it. From the keyboard, use a digit of the batch instead."
	switch {
	case m.d.empty() && m.input == nil:
		return s + " It is empty."
	case m.probe != nil:
		return s + " The network reads your drawing as a " + v.Pred + "."
	}
	return s + " It holds your drawing."
}

// pixelText is an input's pixels as decimal numbers separated by spaces.
func pixelText(pix []byte) string {
	var b strings.Builder
	for k, p := range pix {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(int(p)))
	}
	return b.String()
}

// listenDrawKeys hands the document's keys that are draw commands (drawKey) to do.
func listenDrawKeys(dispatch func(func()), do func(drawCommand)) (stop func()) {
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		if e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() || e.Get("altKey").Bool() {
			return nil
		}
		switch strings.ToLower(e.Get("target").Get("tagName").String()) {
		case "input", "select", "textarea":
			return nil
		}
		c, ok := drawKey(e.Get("key").String())
		if !ok {
			return nil
		}
		e.Call("preventDefault")
		dispatch(func() { do(c) })
		return nil
	})
	return listen(js.Global().Get("document"), f, "keydown")
}
