package ui

import (
	"testing"

	"alab/app/ui/chart"
	"alab/app/ui/chart/charttest"
	"alab/wasm/msg"
)

// testInsight is a small redundancy map: two pool dots, a labelled digit, a random one and
// two of the batch (one also in the random batch).
func testInsight() *msg.Insight {
	return &msg.Insight{Round: 2, Strategy: "margin", Variance: 0.384, Points: msg.Points{
		{ID: 11, X: 0, Y: 0}, {ID: 12, X: 1000, Y: 1000},
		{ID: 13, X: 500, Y: 250, Flags: msg.InLabelled, Pred: 4},
		{ID: 14, X: 250, Y: 750, Flags: msg.InRandom, Pred: 1},
		{ID: 15, X: 750, Y: 500, Flags: msg.InBatch, Pred: 2},
		{ID: 16, X: 600, Y: 600, Flags: msg.InBatch | msg.InRandom, Pred: 8},
	}}
}

// TestChartsGolden draws each of the page's charts, at a phone's width and a laptop's,
// with data and without, against the golden files in testdata/ (go test -update rewrites).
func TestChartsGolden(t *testing.T) {
	history := []msg.Accuracy{{Round: 0, Labelled: 20, Accuracy: 0.62}, {Round: 1, Labelled: 30, Accuracy: 0.655}, {Round: 2, Labelled: 39, Accuracy: 0.694}}
	rows := []msg.Row{
		{Strategy: "random", Round: 0, Labelled: 20, TestAccuracy: 0.6}, {Strategy: "random", Round: 1, Labelled: 120, TestAccuracy: 0.8},
		{Strategy: "margin", Round: 0, Labelled: 20, TestAccuracy: 0.6}, {Strategy: "margin", Round: 1, Labelled: 120, TestAccuracy: 0.86},
	}
	race := msg.RaceDefaults()
	race.Init, race.Budget = 20, 220
	pts := []chart.Point{{X: 0, Y: 0.62}, {X: 0.2, Y: 0.655}, {X: 0.41, Y: 0.694}}
	for _, c := range []struct{ name, svg string }{
		{"curve-empty.svg", curveSVG(nil, 0)},
		{"curve-300.svg", curveSVG(history, 300)},
		{"time-300.svg", timeSVG(pts, 300)},
		{"time-one.svg", timeSVG(pts[:1], 300)},
		{"hist-300.svg", histSVG([10]int{1, 3, 1, 2, 0, 1, 0, 0, 1, 1}, [10]int{2, 2, 0, 0, 0, 1, 1, 2, 1, 1}, nil, 300)},
		{"mini.svg", miniHistSVG([10]int{0, 4, 1, 0, 0, 0, 0, 0, 2, 3}, "#1f77b4")},
		{"race-empty-330.svg", raceSVG(nil, nil, race, 330)},
		{"race-640.svg", raceSVG(rows, []string{"random", "margin"}, race, 640)},
		{"map-300.svg", mapSVG(testInsight(), []msg.Item{{ID: 15, Pred: 7}}, 300)},
	} {
		charttest.Golden(t, c.name, c.svg)
	}
}

// TestNearestPoolPoint finds the pool's dots where the map draws them, at any width.
func TestNearestPoolPoint(t *testing.T) {
	in := testInsight()
	for _, w := range []float64{300, 460, 700} {
		p := mapPlot(w)
		for _, c := range []struct {
			x, y float64 // map coordinates
			dx   float64 // pixels off
			want int
		}{
			{0, 0, 0, 11}, {1000, 1000, 0, 12}, {0, 0, 3, 11}, // within a dot's reach
			{0, 0, 5, -1},     // beyond it
			{500, 250, 0, -1}, // a labelled digit is not a pool dot
		} {
			if got := nearestPoolPoint(in, w, p.X(c.x)+c.dx, p.Y(c.y)); got != c.want {
				t.Errorf("width %g: the dot at (%g, %g) + %g px is %d, want %d", w, c.x, c.y, c.dx, got, c.want)
			}
		}
	}
	if got := nearestPoolPoint(nil, 300, 10, 10); got != -1 {
		t.Errorf("no map: point %d", got)
	}
}
