package ui

import (
	"fmt"
	"math"
	"slices"

	"alab/app/ui/chart"
	"alab/wasm/msg"
)

// The page's charts, each drawn by package chart at the width it is shown (w, in CSS
// pixels, measured by the component; 0 before it is measured, when a default is used).

// accuracyTicks are the ticks of an accuracy axis from lo to 1: every 10 %, or every 20 %
// over a range too tall for a short chart's labels.
func accuracyTicks(lo float64, format func(float64) string) []chart.Tick {
	step := 0.1
	if 1-lo > 0.55 {
		step = 0.2
	}
	return chart.Ticks(lo, 1, step, format)
}

// floorTenth is the accuracy axis' bottom for accuracies down to ymin: the tenth below,
// at most 0.9 so the top tenth always shows.
func floorTenth(ymin float64) float64 {
	return math.Min(0.9, math.Max(0, math.Floor(ymin*10)/10))
}

// curveSVG draws test accuracy against the number of labels.
func curveSVG(h []msg.Accuracy, w float64) string {
	if w <= 0 {
		w = 320
	}
	p := chart.New(w, 190, chart.Margin{Top: 10, Right: 12, Bottom: 24, Left: 42}, "chart", "test accuracy against labels")
	if len(h) == 0 {
		p.Note("the curve appears after the first round")
		return p.String()
	}
	xmin, xmax, ymin := float64(h[0].Labelled), float64(h[0].Labelled), 1.0
	for _, a := range h {
		xmin, xmax = math.Min(xmin, float64(a.Labelled)), math.Max(xmax, float64(a.Labelled))
		ymin = math.Min(ymin, a.Accuracy)
	}
	xmax = math.Max(xmax, xmin+10)
	ylo := floorTenth(ymin)
	p.Domain(xmin, xmax, ylo, 1)
	p.GridY(accuracyTicks(ylo, chart.Percent))
	p.AxisX([]chart.Tick{{V: xmin, Text: chart.Whole(xmin)}, {V: xmax, Text: chart.Whole(xmax) + " labels"}}, false)
	pts := make([]chart.Point, len(h))
	for i, a := range h {
		pts[i] = chart.Point{X: float64(a.Labelled), Y: a.Accuracy, Title: fmt.Sprintf("%d labels: %.1f%%", a.Labelled, 100*a.Accuracy)}
	}
	p.Line("line", "", pts)
	p.Dots("dot", "", 3, pts)
	return p.String()
}

// timeSVG draws test accuracy against the person's minutes of labelling (personStats.Curve).
func timeSVG(pts []chart.Point, w float64) string {
	if w <= 0 {
		w = 320
	}
	p := chart.New(w, 140, chart.Margin{Top: 8, Right: 12, Bottom: 24, Left: 42}, "chart", "test accuracy against minutes labelling")
	if len(pts) < 2 {
		p.Note("accuracy against your labelling time, after a batch")
		return p.String()
	}
	xmax, ymin := 0.5, 1.0
	for _, pt := range pts {
		xmax, ymin = math.Max(xmax, pt.X), math.Min(ymin, pt.Y)
	}
	ylo := floorTenth(ymin)
	p.Domain(0, xmax, ylo, 1)
	p.GridY(accuracyTicks(ylo, chart.Percent))
	p.AxisX([]chart.Tick{{V: 0, Text: "0"}, {V: xmax, Text: fmt.Sprintf("%.1f min labelling", xmax)}}, false)
	p.Line("line", "", pts)
	return p.String()
}

// histSVG draws two class histograms side by side per class: a (the batch, orange) and b
// (the random batch, blue), each bar labelled with its count, one pair per class of names
// (the ten digits if nil).
func histSVG(a, b [10]int, names []string, w float64) string {
	if w <= 0 {
		w = 300
	}
	if names == nil {
		names = digitNames
	}
	top := max(1, slices.Max(a[:]), slices.Max(b[:]))
	p := chart.New(w, 124, chart.Margin{Top: 16, Right: 4, Bottom: 18, Left: 4}, "hist", "classes in the batch")
	p.Domain(0, float64(len(names)), 0, float64(top))
	ticks := make([]chart.Tick, len(names))
	for k, name := range names {
		for j, v := range []int{a[k], b[k]} {
			x0 := float64(k) + 0.1 + 0.42*float64(j)
			p.Bar([]string{"hb", "hr"}[j], "", x0, x0+0.38, float64(v), fmt.Sprintf("%s: %d", name, v))
			if v > 0 {
				p.Label(x0+0.19, float64(v), -3, "hv", "middle", fmt.Sprint(v))
			}
		}
		ticks[k] = chart.Tick{V: float64(k) + 0.5, Text: name}
	}
	p.AxisX(ticks, false)
	return p.String()
}

// miniHistSVG draws a strategy's last batch's classes as ten bars of its colour.
func miniHistSVG(h [10]int, color string) string {
	top := max(1, slices.Max(h[:]))
	p := chart.New(110, 22, chart.Margin{Top: 2, Bottom: 2}, "mini", "classes of the last batch")
	p.Domain(0, 10, 0, float64(top))
	for k, v := range h {
		// An empty class keeps a sliver of a bar, so the ten slots show.
		p.Bar("", color, float64(k)+0.1, float64(k)+0.9, math.Max(float64(v), 0.03*float64(top)), fmt.Sprintf("%d: %d", k, v))
	}
	return p.String()
}

// raceSVG draws each strategy's test accuracy against labelled samples (the axes of alab
// run's curves.svg), strategies in order, each in its colour.
func raceSVG(rows []msg.Row, order []string, cfg msg.Race, w float64) string {
	if w <= 0 {
		w = 640
	}
	p := chart.New(w, chart.Clamp(0.56*w, 260, 360), chart.Margin{Top: 14, Right: 14, Bottom: 44, Left: 50},
		"chart race-chart", "test accuracy against labelled samples")
	xmin, xmax := float64(cfg.Init), float64(max(cfg.Budget, cfg.Init+1))
	ymin := 1.0
	for _, row := range rows {
		ymin = math.Min(ymin, row.TestAccuracy)
		xmax = math.Max(xmax, float64(row.Labelled))
	}
	ylo := math.Max(0, math.Floor(ymin*10)/10)
	if len(rows) == 0 {
		ylo = 0
	}
	p.Domain(xmin, xmax, ylo, 1)
	p.GridY(accuracyTicks(ylo, chart.Decimal))
	p.AxisX(chart.Ticks(xmin, xmax, (xmax-xmin)/5, chart.Whole), true)
	p.Titles("labelled samples", "test accuracy")
	if len(rows) == 0 {
		p.Note("the curves grow here once the race starts")
	}
	legend := make([]chart.LegendItem, len(order))
	for i, s := range order {
		color := strategyColor(s)
		var pts []chart.Point
		for _, row := range rows {
			if row.Strategy == s {
				pts = append(pts, chart.Point{X: float64(row.Labelled), Y: row.TestAccuracy,
					Title: fmt.Sprintf("%s, %d labels: %.1f%%", s, row.Labelled, 100*row.TestAccuracy)})
			}
		}
		p.Line("curve", color, pts)
		p.Dots("", color, 2.5, pts)
		legend[i] = chart.LegendItem{Color: color, Name: s}
	}
	p.Legend(legend, 112)
	return p.String()
}
