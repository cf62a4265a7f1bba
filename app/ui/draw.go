package ui

import (
	"fmt"
	"image"
	"math"

	"alab/core/data"
)

// The drawing area: a square of drawSide×drawSide units (the canvas's own pixels, whatever
// its size on screen), drawn with a round pen penWidth units wide. At that width a digit
// as tall as the area has MNIST's stroke once fitted into 20×20 pixels: about two pixels.
const (
	drawSide = 280
	penWidth = 18
)

// point is a position on the drawing area, in its units: (0, 0) its top left corner.
type point struct{ X, Y float64 }

// drawing is what the person drew: strokes, each the points the pen passed through, in order.
type drawing struct {
	strokes [][]point
}

// down starts a stroke at p.
func (d *drawing) down(p point) { d.strokes = append(d.strokes, []point{clampPoint(p)}) }

// move extends the current stroke to p; it does nothing before the first down.
func (d *drawing) move(p point) {
	if n := len(d.strokes); n > 0 {
		d.strokes[n-1] = append(d.strokes[n-1], clampPoint(p))
	}
}

func (d *drawing) clear()      { d.strokes = nil }
func (d *drawing) empty() bool { return len(d.strokes) == 0 }

func clampPoint(p point) point {
	c := func(v float64) float64 {
		if math.IsNaN(v) {
			return 0
		}
		return min(max(v, 0), drawSide)
	}
	return point{c(p.X), c(p.Y)}
}

// raster paints the strokes as light ink on black, drawSide×drawSide pixels: a pixel's
// ink is how much of it the pen covers, the pen's edge antialiased over one pixel.
func (d *drawing) raster() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, drawSide, drawSide))
	const r = penWidth / 2.0
	for _, s := range d.strokes {
		for i := range s {
			a, b := s[i], s[max(i-1, 0)]
			x0, x1 := int(math.Floor(min(a.X, b.X)-r-1)), int(math.Ceil(max(a.X, b.X)+r+1))
			y0, y1 := int(math.Floor(min(a.Y, b.Y)-r-1)), int(math.Ceil(max(a.Y, b.Y)+r+1))
			for y := max(y0, 0); y < min(y1, drawSide); y++ {
				for x := max(x0, 0); x < min(x1, drawSide); x++ {
					// The pixel's centre, its distance to the segment a–b.
					dist := segmentDistance(point{float64(x) + 0.5, float64(y) + 0.5}, a, b)
					cover := min(max(r+0.5-dist, 0), 1)
					if v := uint8(math.Round(cover * 255)); v > img.Pix[y*img.Stride+x] {
						img.Pix[y*img.Stride+x] = v
					}
				}
			}
		}
	}
	return img
}

// segmentDistance is the distance from p to the segment a–b.
func segmentDistance(p, a, b point) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = min(max(((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l, 0), 1)
	}
	return math.Hypot(p.X-a.X-t*dx, p.Y-a.Y-t*dy)
}

// inputTo writes the network's input for the drawing into dst (digitPixels bytes, 0 the
// background): MNIST's recipe, data.FitDigitTo. It returns an error if nothing is drawn.
func (d *drawing) inputTo(dst []byte) error {
	if d.empty() {
		return fmt.Errorf("nothing is drawn")
	}
	if err := data.FitDigitTo(dst, d.raster(), data.DarkBackground); err != nil {
		return fmt.Errorf("the drawing cannot be read as a digit: %w", err)
	}
	return nil
}
