// Package chart draws the page's charts as SVG text: a frame with ticks, grid lines and
// axis titles, and in it lines, points, bars, marks and labels, all placed by one mapping
// from data to pixels. It is plain Go (no syscall/js): every chart is tested natively
// against golden files.
//
// A chart is drawn at the size it is shown, in CSS pixels: the SVG's viewBox is W×H and
// the page shows it W pixels wide, so text sized in the stylesheet keeps its size on a
// phone as on a laptop — a chart never scales its text down with its viewBox.
//
//	p := chart.New(320, 190, chart.Margin{Top: 10, Right: 10, Bottom: 28, Left: 40}, "chart", "accuracy")
//	p.Domain(20, 100, 0.5, 1)
//	p.GridY(chart.Ticks(0.5, 1, 0.1, chart.Percent))
//	p.Line("line", "", pts)
//	svg := p.String()
package chart

import (
	"fmt"
	"html"
	"math"
	"strconv"
)

// Margin is the room around the frame, in CSS pixels, for ticks and titles.
type Margin struct{ Top, Right, Bottom, Left float64 }

// Plot is a chart being drawn. Data coordinates (x to the right, y up) map linearly to the
// frame, the rectangle of the SVG inside the margins; pixel coordinates have y down.
type Plot struct {
	w, h           float64
	m              Margin
	x0, x1, y0, y1 float64
	b              []byte
}

// New starts a chart of w×h CSS pixels whose svg element has the given class and
// aria-label. The domain is [0, 1] on both axes until Domain sets it.
func New(w, h float64, m Margin, class, label string) *Plot {
	p := &Plot{w: w, h: h, m: m, x1: 1, y1: 1}
	p.printf(`<svg class="%s" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="%s">`,
		attr(class), num(w), num(h), num(w), num(h), attr(label))
	return p
}

// Domain sets the data ranges the frame shows: x0 at its left edge, x1 at its right, y0 at
// its bottom and y1 at its top. An empty range (x0 == x1) is widened by 1 so nothing
// divides by zero.
func (p *Plot) Domain(x0, x1, y0, y1 float64) *Plot {
	if x1 == x0 {
		x1 = x0 + 1
	}
	if y1 == y0 {
		y1 = y0 + 1
	}
	p.x0, p.x1, p.y0, p.y1 = x0, x1, y0, y1
	return p
}

// X returns the pixel column of data x.
func (p *Plot) X(x float64) float64 {
	return p.m.Left + (x-p.x0)/(p.x1-p.x0)*(p.w-p.m.Left-p.m.Right)
}

// Y returns the pixel row of data y.
func (p *Plot) Y(y float64) float64 {
	return p.m.Top + (1-(y-p.y0)/(p.y1-p.y0))*(p.h-p.m.Top-p.m.Bottom)
}

// Pixel returns the data coordinates of pixel (px, py), the inverse of X and Y: where a
// pointer on the chart points.
func (p *Plot) Pixel(px, py float64) (x, y float64) {
	x = p.x0 + (px-p.m.Left)/(p.w-p.m.Left-p.m.Right)*(p.x1-p.x0)
	y = p.y0 + (1-(py-p.m.Top)/(p.h-p.m.Top-p.m.Bottom))*(p.y1-p.y0)
	return x, y
}

// Tick is a labelled value on an axis.
type Tick struct {
	V    float64
	Text string
}

// Ticks returns a tick every step from lo to hi (hi included to within a thousandth of a
// step), each labelled by format; a step that is not positive gives the one tick at lo.
func Ticks(lo, hi, step float64, format func(float64) string) []Tick {
	if step <= 0 {
		return []Tick{{lo, format(lo)}}
	}
	var ts []Tick
	for i := 0; ; i++ {
		v := lo + float64(i)*step
		if v > hi+step/1000 {
			return ts
		}
		ts = append(ts, Tick{v, format(v)})
	}
}

// Percent labels a fraction as a whole percentage: 0.9 is "90%".
func Percent(v float64) string { return strconv.FormatFloat(100*v, 'f', 0, 64) + "%" }

// Decimal labels a value with one decimal: 0.9 is "0.9".
func Decimal(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// Whole labels a value rounded to an integer: 20 is "20".
func Whole(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

// GridY draws a horizontal grid line across the frame at each tick, labelled left of the
// frame (class "tick").
func (p *Plot) GridY(ticks []Tick) {
	for _, t := range ticks {
		y := p.Y(t.V)
		p.printf(`<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(p.m.Left), num(p.w-p.m.Right), num(y), num(y))
		p.printf(`<text class="tick" x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`,
			num(p.m.Left-4), num(y), text(t.Text))
	}
}

// AxisX labels each tick below the frame (class "tick"), centred on it; a label at the
// frame's left or right edge is aligned with the edge so it stays inside the chart. With
// grid, a vertical grid line crosses the frame at each tick.
func (p *Plot) AxisX(ticks []Tick, grid bool) {
	bottom := p.h - p.m.Bottom
	for _, t := range ticks {
		x := p.X(t.V)
		if grid {
			p.printf(`<line class="grid" x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(x), num(x), num(p.m.Top), num(bottom))
		}
		anchor := "middle"
		switch {
		case math.Abs(x-p.m.Left) < 0.5:
			anchor = "start"
		case math.Abs(x-(p.w-p.m.Right)) < 0.5:
			anchor = "end"
		}
		p.printf(`<text class="tick" x="%s" y="%s" text-anchor="%s" dominant-baseline="hanging">%s</text>`,
			num(x), num(bottom+4), anchor, text(t.Text))
	}
}

// Titles names the axes (class "axis"): x centred under the tick labels, y turned along the
// left edge. An empty title is left out.
func (p *Plot) Titles(x, y string) {
	if x != "" {
		p.printf(`<text class="axis" x="%s" y="%s" text-anchor="middle">%s</text>`,
			num((p.m.Left+p.w-p.m.Right)/2), num(p.h-4), text(x))
	}
	if y != "" {
		p.printf(`<text class="axis" transform="rotate(-90)" x="%s" y="4" text-anchor="middle" dominant-baseline="hanging">%s</text>`,
			num(-(p.m.Top+p.h-p.m.Bottom)/2), text(y))
	}
}

// Note writes a message in the middle of the frame (class "empty"), for a chart without data.
func (p *Plot) Note(s string) {
	p.printf(`<text class="empty" x="%s" y="%s" text-anchor="middle">%s</text>`,
		num((p.m.Left+p.w-p.m.Right)/2), num((p.m.Top+p.h-p.m.Bottom)/2), text(s))
}

// Point is a data point; Title, if set, is its tooltip.
type Point struct {
	X, Y  float64
	Title string
}

// Line joins pts with a polyline of the given class and, if set, stroke colour.
func (p *Plot) Line(class, stroke string, pts []Point) {
	if len(pts) == 0 {
		return
	}
	p.printf(`<polyline class="%s"%s points="`, attr(class), optAttr("stroke", stroke))
	for i, pt := range pts {
		if i > 0 {
			p.b = append(p.b, ' ')
		}
		p.b = appendNum(p.b, p.X(pt.X))
		p.b = append(p.b, ',')
		p.b = appendNum(p.b, p.Y(pt.Y))
	}
	p.b = append(p.b, `"/>`...)
}

// Dots draws a disc of radius r at each of pts, with its title as a tooltip.
func (p *Plot) Dots(class, fill string, r float64, pts []Point) {
	for _, pt := range pts {
		p.Mark(Mark{Shape: Circle, X: pt.X, Y: pt.Y, R: r, Class: class, Fill: fill, Title: pt.Title})
	}
}

// DotPath draws pts as one path of zero-length round-capped segments, which the stylesheet
// turns into dots (stroke-width, stroke-linecap: round): one element for the page to lay
// out instead of one per point, for charts of thousands of points.
func (p *Plot) DotPath(class string, pts []Point) {
	p.printf(`<path%s d="`, optAttr("class", class))
	for _, pt := range pts {
		p.b = append(p.b, 'M')
		p.b = appendNum(p.b, p.X(pt.X))
		p.b = append(p.b, ' ')
		p.b = appendNum(p.b, p.Y(pt.Y))
		p.b = append(p.b, "h0"...)
	}
	p.b = append(p.b, `"/>`...)
}

// Bar draws a bar from the bottom of the domain (y0) up to y, between data columns x0 and
// x1, with a tooltip.
func (p *Plot) Bar(class, fill string, x0, x1, y float64, title string) {
	top, base := p.Y(y), p.Y(p.y0)
	p.printf(`<rect class="%s"%s x="%s" y="%s" width="%s" height="%s">%s</rect>`, attr(class), optAttr("fill", fill),
		num(p.X(x0)), num(top), num(p.X(x1)-p.X(x0)), num(base-top), titleEl(title))
}

// Label writes s at data (x, y), shifted by dy pixels (down), with the given class and
// text-anchor ("start", "middle" or "end").
func (p *Plot) Label(x, y, dy float64, class, anchor, s string) {
	p.printf(`<text class="%s" x="%s" y="%s" text-anchor="%s">%s</text>`,
		attr(class), num(p.X(x)), num(p.Y(y)+dy), anchor, text(s))
}

// Background fills the whole chart with a rounded rectangle of the given class.
func (p *Plot) Background(class string) {
	p.printf(`<rect class="%s" x="0" y="0" width="%s" height="%s" rx="6"/>`, attr(class), num(p.w), num(p.h))
}

// Group opens a group of the given class; End closes it.
func (p *Plot) Group(class string) { p.printf(`<g class="%s">`, attr(class)) }

// End closes the group Group opened.
func (p *Plot) End() { p.b = append(p.b, `</g>`...) }

// Shape is the shape of a Mark.
type Shape int

const (
	Circle  Shape = iota // a disc (or, styled without fill, a ring) of radius R
	Diamond              // a square of side 2R turned by 45°
)

// Mark is one point drawn as a shape the page can find and focus: ID, if set, is written
// as data-id; Focusable marks take the keyboard's focus (tabindex 0); Text is written in
// the middle of the shape.
type Mark struct {
	Shape       Shape
	X, Y, R     float64 // data coordinates; R in pixels
	Class, Fill string
	ID          string
	Focusable   bool
	Text, Title string
}

// Mark draws m.
func (p *Plot) Mark(m Mark) {
	x, y := p.X(m.X), p.Y(m.Y)
	var extra string
	if m.ID != "" {
		extra += ` data-id="` + attr(m.ID) + `"`
	}
	if m.Focusable {
		extra += ` tabindex="0"`
	}
	extra += optAttr("class", m.Class) + optAttr("fill", m.Fill)
	if m.Text != "" {
		p.b = append(p.b, `<g>`...)
	}
	switch m.Shape {
	case Diamond:
		p.printf(`<rect%s x="%s" y="%s" width="%s" height="%s" transform="rotate(45 %s %s)">`,
			extra, num(x-m.R), num(y-m.R), num(2*m.R), num(2*m.R), num(x), num(y))
	default:
		p.printf(`<circle%s cx="%s" cy="%s" r="%s">`, extra, num(x), num(y), num(m.R))
	}
	if m.Text != "" {
		// The tooltip belongs to the group, so the text in the shape shows it too.
		p.b = append(p.b, `</`...)
		p.b = append(p.b, shapeTag(m.Shape)...)
		p.printf(`><text x="%s" y="%s" text-anchor="middle" dominant-baseline="central">%s</text>%s</g>`,
			num(x), num(y), text(m.Text), titleEl(m.Title))
		return
	}
	p.b = append(p.b, titleEl(m.Title)...)
	p.b = append(p.b, `</`...)
	p.b = append(p.b, shapeTag(m.Shape)...)
	p.b = append(p.b, '>')
}

func shapeTag(s Shape) string {
	if s == Diamond {
		return "rect"
	}
	return "circle"
}

// LegendItem is one line of a legend: a swatch of Color and a name.
type LegendItem struct{ Color, Name string }

// Legend lists items in the frame's bottom right corner, one a line (class "lg"), each
// after a short line of its colour; width is the room the names need, in pixels.
func (p *Plot) Legend(items []LegendItem, width float64) {
	right, bottom := p.w-p.m.Right, p.h-p.m.Bottom
	for i, it := range items {
		y := bottom - 12 - float64(len(items)-1-i)*16
		p.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="3"/>`,
			num(right-width-26), num(right-width-6), num(y), num(y), attr(it.Color))
		p.printf(`<text class="lg" x="%s" y="%s" dominant-baseline="middle">%s</text>`, num(right-width), num(y), text(it.Name))
	}
}

// String closes the svg element and returns the chart.
func (p *Plot) String() string { return string(p.b) + `</svg>` }

func (p *Plot) printf(format string, args ...any) { p.b = fmt.Appendf(p.b, format, args...) }

// num formats a pixel coordinate: a tenth of a pixel is finer than any screen shows.
func num(v float64) string { return string(appendNum(nil, v)) }

// appendNum appends v with one decimal, without a trailing ".0" (and never "-0").
func appendNum(b []byte, v float64) []byte {
	v = math.Round(v*10) / 10
	if v == 0 {
		return append(b, '0')
	}
	if v == math.Trunc(v) {
		return strconv.AppendFloat(b, v, 'f', 0, 64)
	}
	return strconv.AppendFloat(b, v, 'f', 1, 64)
}

func attr(s string) string { return html.EscapeString(s) }
func text(s string) string { return html.EscapeString(s) }

func optAttr(name, v string) string {
	if v == "" {
		return ""
	}
	return " " + name + `="` + attr(v) + `"`
}

func titleEl(s string) string {
	if s == "" {
		return ""
	}
	return "<title>" + text(s) + "</title>"
}

// Clamp returns v bounded to [lo, hi]: the size of a chart from the width it is given.
func Clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
