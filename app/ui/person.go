package ui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/app/ui/chart"
)

// personPanel is the person's own score: time per label, agreement with MNIST, and the
// model's accuracy against the minutes spent labelling.
type personPanel struct {
	app.Compo
	Stats personStats
}

func (p *personPanel) Render() app.UI {
	st := p.Stats
	stat := func(num, label string) app.UI {
		return app.Div().Class("stat").Body(app.Span().Class("num").Text(num), app.Span().Class("lbl").Text(label))
	}
	return app.Section().Class("panel person").DataSet("testid", "person-score").Body(
		app.H2().Text("Your score: the cost of a label"),
		app.Div().Class("stats").Body(
			stat(st.PerLabel, "per label (median)"),
			app.If(st.Agree != "", stat(st.Agree, fmt.Sprintf("agree with MNIST (%d)", st.Compared))),
			stat(st.Minutes, "minutes labelling"),
		),
		&timeChart{Points: st.Curve},
	)
}

// timeChart is test accuracy against the person's minutes of labelling.
type timeChart struct {
	sized
	Points []chart.Point
}

func (c *timeChart) Render() app.UI { return svgBox("time", timeSVG(c.Points, c.width)) }

// disagreementsPanel shows the digits of the last batch the person labelled otherwise than
// MNIST, once a batch was submitted.
type disagreementsPanel struct {
	app.Compo
	Submitted bool
	Digits    []disagreementView
}

func (d *disagreementsPanel) Render() app.UI {
	if !d.Submitted {
		return app.Div().Class("none")
	}
	body := []app.UI{app.H2().Text("You and MNIST")}
	if len(d.Digits) == 0 {
		body = append(body, app.P().Class("small").Text("In the last batch you agreed with MNIST's label on every digit you labelled."))
	} else {
		body = append(body, app.P().Class("small").Text(fmt.Sprintf(
			"In the last batch you disagreed with MNIST's label %d time(s). MNIST has a few mislabelled digits; your label is the one used.", len(d.Digits))),
			app.Div().Class("dis-grid").Body(app.Range(d.Digits).Slice(func(i int) app.UI {
				return app.Figure().Class("dis").Body(
					app.Img().Class("digit small").Src(d.Digits[i].Image).Alt("digit you labelled"),
					app.FigCaption().Text(d.Digits[i].Caption),
				)
			})))
	}
	return app.Section().Class("panel").DataSet("testid", "disagreements").Body(body...)
}
