package ui

import (
	"syscall/js"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// drawCanvas is the drawing area: a canvas of drawSide×drawSide pixels, shown as wide as
// its column allows, drawn with pointer events (mouse, pen, touch). It paints each stroke as
// the pen moves and, when the pen lifts, posts the stroke's points (actStroke) in the
// drawing area's units. Label is its text alternative.
type drawCanvas struct {
	app.Compo
	Label string

	stops []func()
}

func (c *drawCanvas) Render() app.UI {
	return app.Canvas().Class("draw-canvas").DataSet("testid", "draw-canvas").Width(drawSide).Height(drawSide).
		Attr("role", "img").Aria("label", c.Label).
		Text("Drawing area (needs a browser that draws on a canvas).")
}

func (c *drawCanvas) OnMount(ctx app.Context) {
	// The page's one drawing area, as a js.Value (listen's).
	el := js.Global().Get("document").Call("querySelector", "canvas.draw-canvas")
	if !el.Truthy() {
		return
	}
	g := el.Call("getContext", "2d")
	g.Set("lineWidth", penWidth)
	g.Set("lineCap", "round")
	g.Set("lineJoin", "round")
	g.Set("strokeStyle", "#1b1b1b")
	var pts []point
	down := false
	at := func(e js.Value) point {
		r := el.Call("getBoundingClientRect")
		w, h := r.Get("width").Float(), r.Get("height").Float()
		if w <= 0 || h <= 0 {
			return point{}
		}
		return point{(e.Get("clientX").Float() - r.Get("left").Float()) * drawSide / w,
			(e.Get("clientY").Float() - r.Get("top").Float()) * drawSide / h}
	}
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		switch e.Get("type").String() {
		case "pointerdown":
			e.Call("preventDefault")
			el.Call("setPointerCapture", e.Get("pointerId"))
			down = true
			p := at(e)
			pts = append(pts[:0], p)
			g.Call("beginPath")
			g.Call("moveTo", p.X, p.Y)
			g.Call("lineTo", p.X, p.Y)
			g.Call("stroke")
		case "pointermove":
			if !down {
				return nil
			}
			p := at(e)
			last := pts[len(pts)-1]
			pts = append(pts, p)
			g.Call("beginPath")
			g.Call("moveTo", last.X, last.Y)
			g.Call("lineTo", p.X, p.Y)
			g.Call("stroke")
		case "pointerup", "pointercancel":
			if !down {
				return nil
			}
			down = false
			testMark(markStrokeEnd)
			actStroke.post(ctx, append([]point(nil), pts...))
		}
		return nil
	})
	c.stops = append(c.stops, listen(el, f, "pointerdown", "pointermove", "pointerup", "pointercancel"))
}

func (c *drawCanvas) OnDismount() {
	for _, stop := range c.stops {
		stop()
	}
	c.stops = nil
}

// clearCanvas wipes the drawing area's pixels.
func clearCanvas() {
	el := app.Window().Get("document").Call("querySelector", "canvas.draw-canvas")
	if el.Truthy() {
		el.Call("getContext", "2d").Call("clearRect", 0, 0, drawSide, drawSide)
	}
}
