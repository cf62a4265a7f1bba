package data

import (
	"bytes"
	"image"
	"image/color"
	"math/rand/v2"
	"strings"
	"testing"
)

// paint returns a w×h grey image of paper with the rectangles rs filled with ink.
func paint(w, h int, paper, ink uint8, rs ...image.Rectangle) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = paper
	}
	for _, r := range rs {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				m.SetGray(x, y, color.Gray{ink})
			}
		}
	}
	return m
}

// field returns a Side×Side image: 255 in rectangle r, 0 elsewhere, with the columns in
// edge (if any) set to v.
func field(r image.Rectangle, edge map[int]uint8) []uint8 {
	want := make([]uint8, Side*Side)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			want[y*Side+x] = 255
		}
		for x, v := range edge {
			want[y*Side+x] = v
		}
	}
	return want
}

func fit(t *testing.T, img image.Image, bg Background) []uint8 {
	t.Helper()
	dst := make([]uint8, Side*Side)
	if err := FitDigitTo(dst, img, bg); err != nil {
		t.Fatalf("FitDigitTo: %v", err)
	}
	return dst
}

// sameImage reports the first pixel where got and want differ.
func sameImage(t *testing.T, name string, got, want []uint8) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: pixel (%d, %d) = %d: want %d\n%s", name, i/Side, i%Side, got[i], want[i], show(got))
			return
		}
	}
}

// show draws a Side×Side image in text, for failure messages.
func show(p []uint8) string {
	var b strings.Builder
	for r := range Side {
		for _, v := range p[r*Side : (r+1)*Side] {
			b.WriteByte(" .:-=+*#%@"[int(v)*10/256])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func centreOfMass(p []uint8) (x, y float64) {
	var m float64
	for i, v := range p {
		m += float64(v)
		x += float64(v) * (float64(i%Side) + 0.5)
		y += float64(v) * (float64(i/Side) + 0.5)
	}
	return x / m, y / m
}

// A centred 40×40 square scales by 1/2 to 20×20 and stays centred: rows and columns 4–23.
func TestFitCentredSquare(t *testing.T) {
	got := fit(t, paint(100, 100, 0, 255, image.Rect(30, 30, 70, 70)), AutoBackground)
	sameImage(t, "square", got, field(image.Rect(4, 4, 24, 24), nil))
}

// A 10×40 bar scales to 5×20, keeping its aspect ratio; centred, its 5 columns span 11.5 to
// 16.5, so columns 11 and 16 are half covered. Lying down, it gives the transpose.
func TestFitAspectRatio(t *testing.T) {
	got := fit(t, paint(60, 80, 0, 255, image.Rect(5, 7, 15, 47)), AutoBackground)
	sameImage(t, "standing bar", got, field(image.Rect(12, 4, 16, 24), map[int]uint8{11: 128, 16: 128}))

	lying := fit(t, paint(80, 60, 0, 255, image.Rect(7, 5, 47, 15)), AutoBackground)
	transposed := make([]uint8, len(got))
	for r := range Side {
		for c := range Side {
			transposed[c*Side+r] = got[r*Side+c]
		}
	}
	sameImage(t, "lying bar", lying, transposed)
}

// A small digit is enlarged: a 2×2 square in a 4×4 image fills 20×20.
func TestFitEnlarges(t *testing.T) {
	got := fit(t, paint(4, 4, 0, 255, image.Rect(0, 0, 2, 2)), AutoBackground)
	sameImage(t, "enlarged", got, field(image.Rect(4, 4, 24, 24), nil))
}

// An L (a heavy foot under a thin stem) is placed by its centre of mass, not by its
// bounding box.
func TestFitCentreOfMass(t *testing.T) {
	img := paint(90, 90, 0, 255, image.Rect(10, 5, 16, 45), image.Rect(10, 41, 30, 45))
	got := fit(t, img, AutoBackground)
	x, y := centreOfMass(got)
	if abs(x-14) > 0.2 || abs(y-14) > 0.2 {
		t.Errorf("centre of mass (%.3f, %.3f): want (14, 14)\n%s", x, y, show(got))
	}
	// Its box, 10×20, would span columns 9–19 and rows 4–24 if centred; the mass low in the
	// stem shifts it up, and to the right.
	x0, y0 := Side, Side
	for i, v := range got {
		if v > 0 {
			x0, y0 = min(x0, i%Side), min(y0, i/Side)
		}
	}
	if x0 < 11 || y0 > 2 {
		t.Errorf("ink starts at column %d, row %d: want column 11 or more, row 2 or less\n%s", x0, y0, show(got))
	}
}

// The box stays inside the field even when the centre of mass is near one end.
func TestFitKeepsInkInside(t *testing.T) {
	// A long thin stem with a heavy blob at its top: centring the mass would push the stem
	// out of the bottom.
	img := paint(100, 100, 0, 255, image.Rect(45, 10, 47, 90), image.Rect(30, 10, 62, 30))
	got := fit(t, img, AutoBackground)
	var sum int
	for _, v := range got {
		sum += int(v)
	}
	// The ink's area scales by (20/80)²; each unit of area is 255.
	area := float64(2*60+32*20) * (20.0 / 80) * (20.0 / 80)
	if want := area * 255; abs(float64(sum)-want) > 0.01*want {
		t.Errorf("total ink %d: want %.0f (none cut off)\n%s", sum, want, show(got))
	}
	// The mass would sit at row 14 only with the stem's end at row 29.9: the box is shifted
	// up to end at the field's bottom row instead.
	var last int
	for _, v := range got[(Side-1)*Side:] {
		last += int(v)
	}
	if _, y := centreOfMass(got); last == 0 || y > 13.5 {
		t.Errorf("bottom row's ink %d, centre of mass at row %.2f: want the stem reaching the bottom row, the mass above the centre\n%s", last, y, show(got))
	}
}

// Dark ink on light paper, in any colour model, is inverted: it gives what light ink on a
// dark background gives. So does grey paper, with noise, once levelled.
func TestFitLightBackground(t *testing.T) {
	sq := image.Rect(30, 20, 70, 80)
	want := fit(t, paint(100, 100, 0, 255, sq), AutoBackground)

	paper := paint(100, 100, 255, 0, sq)
	sameImage(t, "white paper, auto", fit(t, paper, AutoBackground), want)
	sameImage(t, "white paper, light", fit(t, paper, LightBackground), want)

	rgba := image.NewNRGBA(paper.Rect)
	transparent := image.NewNRGBA(paper.Rect)
	ycc := image.NewYCbCr(paper.Rect, image.YCbCrSubsampleRatio420)
	for y := range 100 {
		for x := range 100 {
			ink := image.Pt(x, y).In(sq)
			c := color.NRGBA{250, 255, 240, 255} // cream paper
			if ink {
				c = color.NRGBA{0, 0, 40, 255} // dark blue ink
			}
			rgba.SetNRGBA(x, y, c)
			if ink {
				transparent.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 255})
			}
			ycc.Y[ycc.YOffset(x, y)] = 230
			if ink {
				ycc.Y[ycc.YOffset(x, y)] = 20
			}
		}
	}
	sameImage(t, "colour", fit(t, rgba, AutoBackground), want)
	sameImage(t, "ink on transparent", fit(t, transparent, AutoBackground), want)
	sameImage(t, "YCbCr", fit(t, ycc, AutoBackground), want)

	grey := paint(100, 100, 200, 40, sq)
	rng := rand.New(rand.NewPCG(1, 2))
	for i, v := range grey.Pix {
		if v == 200 {
			grey.Pix[i] = uint8(195 + rng.IntN(11))
		}
	}
	sameImage(t, "grey paper with noise", fit(t, grey, AutoBackground), want)
}

// A Side×Side grey image on a dark background is MNIST's own format: copied pixel for
// pixel, however its ink lies. The same pixels in colour, or chosen as light-background, are
// fitted.
func TestFitMNISTImageUnchanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	img := image.NewGray(image.Rect(0, 0, Side, Side))
	for y := 2; y < 12; y++ {
		for x := 3; x < 9; x++ {
			img.SetGray(x, y, color.Gray{uint8(rng.IntN(256))})
		}
	}
	got := fit(t, img, AutoBackground)
	if !bytes.Equal(got, img.Pix) {
		t.Errorf("a %d×%d grey image changed:\n%s\nwant\n%s", Side, Side, show(got), show(img.Pix))
	}
	sameImage(t, "chosen dark", fit(t, img, DarkBackground), img.Pix)

	pal := image.NewPaletted(img.Rect, nil)
	for v := range 256 {
		pal.Palette = append(pal.Palette, color.Gray{uint8(v)})
	}
	copy(pal.Pix, img.Pix)
	sameImage(t, "grey palette", fit(t, pal, AutoBackground), img.Pix)

	square := paint(Side, Side, 0, 255, image.Rect(2, 2, 7, 7))
	sameImage(t, "small square, grey", fit(t, square, AutoBackground), square.Pix)
	red := image.NewRGBA(square.Rect)
	for i, v := range square.Pix {
		red.Pix[4*i], red.Pix[4*i+3] = v, 255
	}
	// Red's luminance is 76: levelled to 255, then fitted to 20×20.
	sameImage(t, "small square, red", fit(t, red, AutoBackground), field(image.Rect(4, 4, 24, 24), nil))
}

func TestFitErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		img  image.Image
		bg   Background
		want string
	}{
		{"empty", image.NewGray(image.Rect(0, 0, 0, 5)), AutoBackground, "empty image (0×5 pixels)"},
		{"too wide", &image.Gray{Rect: image.Rect(0, 0, MaxImageSide+1, 1)}, AutoBackground, "image of 4097×1 pixels: want at most 4096×4096"},
		{"uniform", image.NewUniform(color.White), AutoBackground, "want at most 4096×4096"},
		{"blank", paint(50, 50, 0, 0), AutoBackground, "blank image: its ink stands 0 grey levels"},
		{"faint", paint(50, 50, 100, 120, image.Rect(10, 10, 20, 20)), AutoBackground, "blank image: its ink stands 20 grey levels out from its background: want at least 32"},
		{"paper taken as dark", paint(50, 50, 255, 0, image.Rect(10, 10, 20, 20)), DarkBackground, "blank image"},
	} {
		err := FitDigitTo(make([]uint8, Side*Side), c.img, c.bg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v: want one containing %q", c.name, err, c.want)
		}
	}
}

func TestParseBackground(t *testing.T) {
	for _, b := range []Background{AutoBackground, DarkBackground, LightBackground} {
		if got, err := ParseBackground(b.String()); got != b || err != nil {
			t.Errorf("ParseBackground(%q) = %v, %v: want %v", b.String(), got, err, b)
		}
	}
	if _, err := ParseBackground("white"); err == nil || !strings.Contains(err.Error(), `unknown background "white": want auto, dark or light`) {
		t.Errorf("ParseBackground(white): error %v", err)
	}
}

func abs(x float64) float64 { return max(x, -x) }
