package ui

import (
	"fmt"
	"strconv"

	"alab/app/ui/chart"
	"alab/wasm/msg"
)

// The redundancy map: each point of an insight at (X, Y) of [0, msg.MapScale]², in a
// frame of the map's width and 330/460 of it high.
const (
	mapAspect = 330.0 / 460.0
	mapPad    = 14.0
)

// mapPlot starts the map at width w (460 if w is 0).
func mapPlot(w float64) *chart.Plot {
	if w <= 0 {
		w = 460
	}
	return chart.New(w, w*mapAspect, chart.Margin{Top: mapPad, Right: mapPad, Bottom: mapPad + 14, Left: mapPad},
		"rmap", "redundancy map").Domain(0, msg.MapScale, 0, msg.MapScale)
}

// mapSVG draws the insight's points: the pool faint, labelled digits as rings, the random
// batch as blue diamonds and the batch as orange discs with the model's prediction (as the
// batch on screen, items, says) inside. Every point but the pool's carries its pool ID
// (data-id), for the preview, and the two batches' points take the keyboard's focus. The
// pool's dots are one path: one element for the page to lay out each round instead of
// 2000 (that took the page's thread 140 ms); the pointer finds the dot nearest to it
// (nearestPoolPoint).
func mapSVG(in *msg.Insight, items []msg.Item, w float64) string {
	p := mapPlot(w)
	pred := map[int]int{}
	for _, it := range items {
		pred[it.ID] = it.Pred
	}
	p.Background("bg")
	var pool []chart.Point
	for _, pt := range in.Points {
		if pt.Flags == 0 {
			pool = append(pool, chart.Point{X: float64(pt.X), Y: float64(pt.Y)})
		}
	}
	p.Group("pool")
	p.DotPath("", pool)
	p.End()
	groups := []struct {
		class string
		flag  int
		mark  func(pt msg.Point, id string) chart.Mark
	}{
		{"labelled", msg.InLabelled, func(pt msg.Point, id string) chart.Mark {
			return chart.Mark{Shape: chart.Circle, R: 3, ID: id, Title: fmt.Sprintf("labelled #%s: %d", id, pt.Pred)}
		}},
		{"random", msg.InRandom, func(pt msg.Point, id string) chart.Mark {
			return chart.Mark{Shape: chart.Diamond, R: 4.5, ID: id, Focusable: true,
				Title: fmt.Sprintf("random batch #%s · the model says %d", id, pt.Pred)}
		}},
		{"batch", msg.InBatch, func(pt msg.Point, id string) chart.Mark {
			d, ok := pred[pt.ID]
			if !ok {
				d = pt.Pred
			}
			return chart.Mark{Shape: chart.Circle, R: 9, ID: id, Focusable: true, Text: strconv.Itoa(d),
				Title: fmt.Sprintf("queried #%s · the model says %d", id, d)}
		}},
	}
	for _, g := range groups {
		p.Group(g.class)
		for _, pt := range in.Points {
			if pt.Flags&g.flag != 0 {
				m := g.mark(pt, strconv.Itoa(pt.ID))
				m.X, m.Y = float64(pt.X), float64(pt.Y)
				p.Mark(m)
			}
		}
		p.End()
	}
	p.Titles(fmt.Sprintf("PC 1 →  (the two components explain %.0f%% of the variance)", 100*in.Variance), "")
	return p.String()
}

// nearestPoolPoint returns the ID of the pool dot of the map drawn at width w nearest to
// pixel (x, y), if one lies within a dot's reach of it, else -1.
func nearestPoolPoint(in *msg.Insight, w, x, y float64) int {
	if in == nil {
		return -1
	}
	p := mapPlot(w)
	best, bestD := -1, 4.0*4.0 // the dot's radius and a margin, squared
	for _, pt := range in.Points {
		if pt.Flags != 0 {
			continue
		}
		px, py := p.X(float64(pt.X)), p.Y(float64(pt.Y))
		if d := (px-x)*(px-x) + (py-y)*(py-y); d < bestD {
			best, bestD = pt.ID, d
		}
	}
	return best
}
