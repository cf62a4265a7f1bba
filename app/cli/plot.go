package cli

import (
	"fmt"
	"image/color"
	"io"
	"slices"

	"alab/app/ui/chart"
	"alab/core/curve"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// plotCurves draws test accuracy against labels, one line per strategy and batch size
// (the mean over repeats) with a band of ±1 standard deviation, as SVG.
func plotCurves(w io.Writer, rows []curve.Row) error {
	p := plot.New()
	p.Title.Text = "Active learning on MNIST"
	p.X.Label.Text = "labelled samples"
	p.Y.Label.Text = "test accuracy"
	p.Legend.Top = false
	p.Legend.Left = false
	p.Add(plotter.NewGrid())

	type key struct {
		strategy string
		batch    int
	}
	var keys []key
	byLabels := map[key]map[int][]float64{}
	for _, r := range rows {
		k := key{r.Strategy, r.BatchSize}
		if byLabels[k] == nil {
			byLabels[k] = map[int][]float64{}
			keys = append(keys, k)
		}
		byLabels[k][r.Labelled] = append(byLabels[k][r.Labelled], r.TestAccuracy)
	}
	multiBatch := false
	for _, k := range keys {
		multiBatch = multiBatch || k.batch != keys[0].batch
	}
	for i, k := range keys {
		var xs []int
		for x := range byLabels[k] {
			xs = append(xs, x)
		}
		slices.Sort(xs)
		mean, band := make(plotter.XYs, len(xs)), make(plotter.XYs, 2*len(xs))
		for j, x := range xs {
			m, s := stat.MeanStdDev(byLabels[k][x], nil)
			if len(byLabels[k][x]) < 2 {
				s = 0
			}
			mean[j] = plotter.XY{X: float64(x), Y: m}
			band[j] = plotter.XY{X: float64(x), Y: m + s}
			band[2*len(xs)-1-j] = plotter.XY{X: float64(x), Y: m - s}
		}
		c := chart.Palette[i%len(chart.Palette)]
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return err
		}
		poly.Color = color.NRGBA{c.R, c.G, c.B, 40}
		poly.LineStyle.Width = 0
		line, err := plotter.NewLine(mean)
		if err != nil {
			return err
		}
		line.Color = c
		line.Width = vg.Points(1.5)
		p.Add(poly, line)
		name := k.strategy
		if multiBatch {
			name = fmt.Sprintf("%s (batch %d)", k.strategy, k.batch)
		}
		p.Legend.Add(name, line)
	}
	canvas := vgsvg.New(8*vg.Inch, 5*vg.Inch)
	p.Draw(draw.New(canvas))
	_, err := canvas.WriteTo(w)
	return err
}
