package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// progressPanel is where the lab stands: labels, test accuracy and batches, the learning
// curve, what the engine is doing and how long the last round took.
type progressPanel struct {
	app.Compo
	History  []msg.Accuracy
	Images   bool // the accuracy is estimated on held-out labels of the person's images
	Labelled int
	Batches  int
	Status   string // what the engine is doing, if the person is waiting on it
	Timing   string
	Notes    string
}

func (p *progressPanel) Render() app.UI {
	stat := func(testid, num, label string) app.UI {
		n := app.Span().Class("num").Text(num)
		if testid != "" {
			n = n.DataSet("testid", testid)
		}
		return app.Div().Class("stat").Body(n, app.Span().Class("lbl").Text(label))
	}
	return app.Div().Body(
		app.Section().Class("panel stats").Body(
			stat("labelled-count", strconv.Itoa(p.Labelled), "labels"),
			stat("test-accuracy", accuracyText(p.History), accuracyLabel(p.History, p.Images)),
			stat("", strconv.Itoa(p.Batches), "batches"),
		),
		app.Section().Class("panel").Body(
			app.H2().Text("Accuracy against labels"),
			&curveChart{History: p.History},
			app.If(p.Status != "", app.P().Class("status").Text(p.Status)),
			app.P().Class("timings").Text(p.Timing),
			app.If(p.Notes != "", app.P().Class("timings").DataSet("testid", "round-notes").Text(p.Notes)),
		),
	)
}

// curveChart is the learning curve: test accuracy against labels, a point a round.
type curveChart struct {
	sized
	History []msg.Accuracy
}

func (c *curveChart) Render() app.UI { return svgBox("curve", curveSVG(c.History, c.width)) }
