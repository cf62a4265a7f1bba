package data

import (
	"fmt"
	"image"
	"image/color"
)

// Side is the width and height of an MNIST image; FitDigitTo writes Side×Side pixels.
const Side = 28

// The geometry and thresholds of FitDigitTo.
const (
	fitBox   = 20 // the ink's bounding box is scaled to fit fitBox×fitBox
	inkFloor = 32 // ink fainter than this (of 255, after levelling) is background
	// MaxImageSide bounds the width and height of an image FitDigitTo and LoadImages accept:
	// the greyscale copy of the largest is 16 MiB.
	MaxImageSide = 4096
)

// Background says which way round an image's ink is.
type Background uint8

const (
	// AutoBackground detects the background from the image's border: light if the median
	// grey level of its outermost rows and columns is above 127, dark otherwise.
	AutoBackground Background = iota
	// DarkBackground is light ink on a dark background, as MNIST stores digits.
	DarkBackground
	// LightBackground is dark ink on a light background, as on paper: the image is inverted.
	LightBackground
)

var backgroundNames = [...]string{"auto", "dark", "light"}

func (b Background) String() string {
	if int(b) < len(backgroundNames) {
		return backgroundNames[b]
	}
	return fmt.Sprintf("Background(%d)", b)
}

// ParseBackground returns the Background named s: "auto", "dark" or "light".
func ParseBackground(s string) (Background, error) {
	for i, n := range backgroundNames {
		if s == n {
			return Background(i), nil
		}
	}
	return 0, fmt.Errorf("data: unknown background %q: want auto, dark or light", s)
}

// FitDigitTo converts img, a digit (or any ink) of any size, into a Side×Side image as MNIST
// was made, and writes it to dst[:Side*Side] (pixel (r, c) at dst[r*Side+c], 0 background,
// 255 full ink, as in Set.Pix). The steps:
//
//  1. Grey level of each pixel: its luminance 0.299 R + 0.587 G + 0.114 B (color.GrayModel;
//     for JPEG's YCbCr, the luma Y), translucent pixels composited over white.
//  2. Background: bg, or for AutoBackground light if the median grey level of the border
//     (the outermost rows and columns) is above 127. Ink is 255 - grey on a light
//     background and the grey level on a dark one.
//  3. An image of Side×Side whose pixels are all opaque grey (R = G = B) on a dark
//     background is already an MNIST image: it is copied pixel for pixel, and FitDigitTo
//     stops here.
//  4. Levels: with b the median ink of the border and m the largest ink, ink becomes
//     (ink - b)·255/(m - b), rounded and clipped to [0, 255]; ink below 32 then becomes 0
//     (paper, noise). If m - b < 32 the image is blank and FitDigitTo returns an error.
//  5. The bounding box of the remaining ink (w×h pixels) is scaled by s = 20/max(w, h),
//     keeping its aspect ratio, so it fits a 20×20 box (smaller digits are enlarged).
//  6. It is placed so that the ink's centre of mass (pixels weighted by ink, each at its
//     centre) lands at the centre (14, 14) of the Side×Side field, shifted by fractions of
//     a pixel, and only as far as the scaled box stays inside the field: no ink is cut off.
//  7. Each output pixel is the mean of the placed ink over its square (area averaging:
//     the source as a piecewise-constant image, the part of the square outside the box
//     counted as 0), rounded to the nearest integer.
//
// FitDigitTo returns an error, leaving dst unspecified, if img is empty, blank, or wider or
// taller than MaxImageSide. It panics if len(dst) < Side*Side.
func FitDigitTo(dst []uint8, img image.Image, bg Background) error {
	var f fitter
	return f.fit(dst, img, bg)
}

// fitter holds FitDigitTo's buffers, so that a loader converting many images reuses them.
type fitter struct {
	grey []uint8   // the image's grey levels, then its ink; pixel (x, y) at y*w+x
	rows []float64 // the crop's rows resampled to Side columns; row j at j*Side
}

func (f *fitter) fit(dst []uint8, img image.Image, bg Background) error {
	if len(dst) < Side*Side {
		panic(fmt.Sprintf("data: FitDigitTo: len(dst) = %d: want at least %d", len(dst), Side*Side))
	}
	dst = dst[:Side*Side]
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	switch {
	case w == 0 || h == 0:
		return fmt.Errorf("empty image (%d×%d pixels)", w, h)
	case w > MaxImageSide || h > MaxImageSide:
		return fmt.Errorf("image of %d×%d pixels: want at most %d×%d", w, h, MaxImageSide, MaxImageSide)
	}
	ink, grey := f.greyLevels(img)

	light := bg == LightBackground || bg == AutoBackground && borderMedian(ink, w, h) > 127
	if light {
		for i, v := range ink {
			ink[i] = 255 - v
		}
	} else if w == Side && h == Side && grey {
		copy(dst, ink)
		return nil
	}

	// Levels, by a table.
	lo, hi := borderMedian(ink, w, h), uint8(0)
	for _, v := range ink {
		hi = max(hi, v)
	}
	if int(hi)-int(lo) < inkFloor {
		return fmt.Errorf("blank image: its ink stands %d grey levels out from its background: want at least %d", int(hi)-int(lo), inkFloor)
	}
	var level [256]uint8
	for v := int(lo) + 1; v < 256; v++ {
		l := min(255, ((v-int(lo))*255+(int(hi)-int(lo))/2)/(int(hi)-int(lo)))
		if l >= inkFloor {
			level[v] = uint8(l)
		}
	}

	// Bounding box and centre of mass (in pixels of the image, each pixel at its centre).
	x0, y0, x1, y1 := w, h, 0, 0
	var mass, mx, my float64
	for y := range h {
		row := ink[y*w : (y+1)*w]
		var rm, rmx float64
		for x, v := range row {
			v = level[v]
			row[x] = v
			if v > 0 {
				x0, x1 = min(x0, x), max(x1, x+1)
				rm += float64(v)
				rmx += float64(v) * (float64(x) + 0.5)
			}
		}
		if rm > 0 {
			y0, y1 = min(y0, y), max(y1, y+1)
			mass += rm
			mx += rmx
			my += rm * (float64(y) + 0.5)
		}
	}
	bw, bh := x1-x0, y1-y0
	s := float64(fitBox) / float64(max(bw, bh))
	// Offsets of the crop's origin in the field, keeping the scaled box inside it.
	place := func(com float64, start, n int) float64 {
		o := Side/2 - s*(com-float64(start))
		return max(0, min(o, Side-s*float64(n)))
	}
	ox, oy := place(mx/mass, x0, bw), place(my/mass, y0, bh)

	// Area averaging, separably: each crop row to Side columns, then the rows to Side rows.
	if cap(f.rows) < bh*Side {
		f.rows = make([]float64, bh*Side)
	}
	rows := f.rows[:bh*Side]
	clear(rows)
	for j := range bh {
		out := rows[j*Side : (j+1)*Side]
		for i, v := range ink[(y0+j)*w+x0 : (y0+j)*w+x1] {
			if v != 0 {
				spread(out, float64(v), ox+s*float64(i), ox+s*float64(i+1))
			}
		}
	}
	var col [Side]float64
	for X := range Side {
		clear(col[:])
		for j := range bh {
			if v := rows[j*Side+X]; v != 0 {
				spread(col[:], v, oy+s*float64(j), oy+s*float64(j+1))
			}
		}
		for Y, v := range col {
			dst[Y*Side+X] = uint8(min(255, v+0.5))
		}
	}
	return nil
}

// spread adds v times the length of [a, b] ∩ [k, k+1] to out[k] for each k.
func spread(out []float64, v, a, b float64) {
	for k := max(0, int(a)); k < len(out) && float64(k) < b; k++ {
		if ov := min(b, float64(k+1)) - max(a, float64(k)); ov > 0 {
			out[k] += v * ov
		}
	}
}

// borderMedian returns the median of the outermost rows and columns of the w×h pixels p
// (the lower median when their number is even).
func borderMedian(p []uint8, w, h int) uint8 {
	var hist [256]int
	n := 0
	add := func(v uint8) { hist[v]++; n++ }
	for x := range w {
		add(p[x])
		if h > 1 {
			add(p[(h-1)*w+x])
		}
	}
	for y := 1; y < h-1; y++ {
		add(p[y*w])
		if w > 1 {
			add(p[y*w+w-1])
		}
	}
	for v, seen := 0, 0; v < 256; v++ {
		if seen += hist[v]; 2*seen >= n {
			return uint8(v)
		}
	}
	return 255
}

// greyLevels writes the grey levels of img (step 1 of FitDigitTo) to f.grey and returns
// them, with whether every pixel is opaque and neutral (R = G = B).
func (f *fitter) greyLevels(img image.Image) (p []uint8, grey bool) {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	if cap(f.grey) < w*h {
		f.grey = make([]uint8, w*h)
	}
	p = f.grey[:w*h]
	switch m := img.(type) {
	case *image.Gray:
		for y := range h {
			o := m.PixOffset(r.Min.X, r.Min.Y+y)
			copy(p[y*w:(y+1)*w], m.Pix[o:o+w])
		}
		return p, true
	case *image.YCbCr:
		for y := range h {
			for x := range w {
				p[y*w+x] = m.Y[m.YOffset(r.Min.X+x, r.Min.Y+y)]
			}
		}
		return p, false
	case *image.Paletted:
		var lut [256]uint8
		var neutral [256]bool
		for i, c := range m.Palette {
			lut[i], neutral[i] = greyOf(c.RGBA())
		}
		grey = true
		for y := range h {
			o := m.PixOffset(r.Min.X, r.Min.Y+y)
			for x, i := range m.Pix[o : o+w] {
				p[y*w+x] = lut[i]
				grey = grey && neutral[i]
			}
		}
		return p, grey
	case *image.NRGBA:
		return p, greyFrom4[color.NRGBA](p, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h)
	case *image.RGBA:
		return p, greyFrom4[color.RGBA](p, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h)
	}
	grey = true
	for y := range h {
		for x := range w {
			var n bool
			p[y*w+x], n = greyOf(img.At(r.Min.X+x, r.Min.Y+y).RGBA())
			grey = grey && n
		}
	}
	return p, grey
}

// rgba4 are the colours of 4 bytes, as *image.RGBA and *image.NRGBA store them.
type rgba4 interface {
	color.RGBA | color.NRGBA
	RGBA() (r, g, b, a uint32)
}

// greyFrom4 is greyLevels for w×h pixels of colour C stored 4 bytes each, rows stride
// bytes apart, from pix[0].
func greyFrom4[C rgba4](p, pix []uint8, stride, w, h int) (grey bool) {
	grey = true
	for y := range h {
		row := pix[y*stride : y*stride+4*w]
		for x := range w {
			q := row[4*x : 4*x+4 : 4*x+4]
			var n bool
			p[y*w+x], n = greyOf(C{R: q[0], G: q[1], B: q[2], A: q[3]}.RGBA())
			grey = grey && n
		}
	}
	return grey
}

// greyOf returns the grey level of a colour (16-bit channels premultiplied by alpha, as
// color.Color's RGBA method returns them) composited over white, and whether it is opaque
// and neutral.
func greyOf(r, g, b, a uint32) (uint8, bool) {
	r, g, b = r+0xffff-a, g+0xffff-a, b+0xffff-a
	y := (19595*r + 38470*g + 7471*b + 1<<15) >> 24 // as color.GrayModel
	return uint8(y), a == 0xffff && r == g && g == b
}
