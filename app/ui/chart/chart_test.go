package chart

import (
	"math"
	"strings"
	"testing"

	"alab/app/ui/chart/charttest"
)

// TestGolden draws one chart with every element the helper has.
func TestGolden(t *testing.T) {
	p := New(320, 200, Margin{Top: 10, Right: 10, Bottom: 40, Left: 44}, "chart demo", `a "demo" & more`)
	p.Domain(20, 120, 0.5, 1)
	p.Background("bg")
	p.GridY(Ticks(0.5, 1, 0.1, Percent))
	p.AxisX(Ticks(20, 120, 20, Whole), true)
	p.Titles("labelled samples", "test accuracy")
	pts := []Point{{20, 0.61, "20: 61%"}, {50, 0.78, ""}, {120, 0.93, "120: 93%"}}
	p.Line("line", "#1f4e79", pts)
	p.Dots("dot", "", 3, pts)
	p.Bar("hb", "#e8590c", 30, 35, 0.7, "3: 7")
	p.Label(32.5, 0.7, -2, "hv", "middle", "7")
	p.Group("pool")
	p.DotPath("", pts)
	p.End()
	p.Mark(Mark{Shape: Diamond, X: 60, Y: 0.8, R: 4.5, ID: "12", Focusable: true, Title: "random #12 <b>"})
	p.Mark(Mark{Shape: Circle, X: 90, Y: 0.85, R: 9, ID: "7", Class: "q", Text: "3", Title: "queried #7"})
	p.Legend([]LegendItem{{"#6c757d", "random"}, {"#d9480f", "margin"}}, 60)
	p.Note("a note")
	charttest.Golden(t, "demo.svg", p.String())
}

func TestMapping(t *testing.T) {
	p := New(200, 100, Margin{Top: 10, Right: 10, Bottom: 20, Left: 30}, "", "")
	p.Domain(0, 16, -1, 1)
	for _, c := range []struct{ x, y, px, py float64 }{
		{0, 1, 30, 10},    // top left of the frame
		{16, -1, 190, 80}, // bottom right
		{8, 0, 110, 45},   // the middle
	} {
		if px, py := p.X(c.x), p.Y(c.y); px != c.px || py != c.py {
			t.Errorf("(%g, %g) maps to pixel (%g, %g), want (%g, %g)", c.x, c.y, px, py, c.px, c.py)
		}
		if x, y := p.Pixel(c.px, c.py); math.Abs(x-c.x) > 1e-12 || math.Abs(y-c.y) > 1e-12 {
			t.Errorf("pixel (%g, %g) maps back to (%g, %g), want (%g, %g)", c.px, c.py, x, y, c.x, c.y)
		}
	}
	// An empty domain is widened: nothing is NaN.
	p.Domain(5, 5, 0.9, 0.9)
	if x, y := p.X(5), p.Y(0.9); math.IsNaN(x) || math.IsNaN(y) || x != 30 || y != 80 {
		t.Errorf("an empty domain maps its one point to (%g, %g), want the frame's bottom left (30, 80)", x, y)
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi, step float64
		want         string
	}{
		{0.5, 1, 0.1, "50% 60% 70% 80% 90% 100%"}, // 1 is reached despite rounding
		{0.9, 1, 0.1, "90% 100%"},
		{0.3, 0.3, 0.1, "30%"},
		{1, 0.5, 0.1, ""},     // an empty range
		{0.2, 1, 0, "20%"},    // no step: the one tick at lo, not an endless loop
		{0.2, 1, -0.1, "20%"}, // a negative step likewise
	} {
		var got []string
		for _, tk := range Ticks(c.lo, c.hi, c.step, Percent) {
			got = append(got, tk.Text)
		}
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("Ticks(%g, %g, %g) = %q, want %q", c.lo, c.hi, c.step, s, c.want)
		}
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", -0.04: "0", 3: "3", 2.25: "2.3", -1.5: "-1.5", 10.04: "10", 123.456: "123.5"} {
		if got := num(v); got != want {
			t.Errorf("num(%g) = %q, want %q", v, got, want)
		}
	}
}
