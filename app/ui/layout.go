package ui

import (
	"math"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// pageHeader is a view's title, its explanation and the tabs between the views.
type pageHeader struct {
	app.Compo
	Title, Lede string
	Current     string // the path of the view shown: "/", "/race" or "/draw"
}

func (h *pageHeader) Render() app.UI {
	tab := func(path, testid, text string) app.UI {
		cls := "tab"
		if path == h.Current {
			cls += " current"
		}
		return app.A().Href(path).Class(cls).DataSet("testid", testid).Text(text)
	}
	return app.Header().Class("top").Body(
		app.H1().Text(h.Title),
		app.P().Class("lede").Text(h.Lede),
		app.Nav().Class("tabs").Body(
			tab("/", "lab-tab", "You label, the network asks"),
			tab("/race", "race-tab", "Strategy race: why batches matter"),
			tab("/draw", "draw-tab", "Draw a digit"),
		),
	)
}

// sized is embedded (in place of app.Compo) by a component that draws a chart at the
// width it is shown: width is its root element's width in CSS pixels, measured when it
// mounts and when the window resizes (0 until then, and off the browser).
type sized struct {
	app.Compo
	width float64
}

func (s *sized) OnMount(app.Context)  { s.measure() }
func (s *sized) OnResize(app.Context) { s.measure() }

func (s *sized) measure() {
	if !app.IsClient {
		return
	}
	// Whole pixels, rounded down: the chart never overflows its box and is scaled by 1.
	if w := math.Floor(s.JSValue().Call("getBoundingClientRect").Get("width").Float()); w > 0 {
		s.width = w
	}
}

// svgBox is a chart's element: a block as wide as its column, holding the SVG drawn at
// that width.
func svgBox(class, svg string) app.HTMLDiv {
	return app.Div().Class("plot " + class).Body(app.Raw(svg))
}
