package data

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"io"
	"testing"

	"alab/core/internal/alloc"
)

// fuzzMaxSide bounds the images FuzzDecodeDigit decodes, so each input allocates little.
const fuzzMaxSide = 256

// FuzzDecodeDigit feeds LoadImages' per-file decoder arbitrary bytes: it must return an
// error or an image, allocate within the bound its header check allows, and give the same
// image when read again.
func FuzzDecodeDigit(f *testing.F) {
	train, _, err := MNIST(fixtureDir)
	if err != nil {
		f.Fatal(err)
	}
	digit := digitImage(train, 0)
	f.Add(encodePNG(f, digit))
	f.Add(encodePNG(f, paint(40, 30, 255, 0, image.Rect(10, 5, 20, 25))))
	var jb, gb bytes.Buffer
	jpeg.Encode(&jb, digit, nil)
	f.Add(jb.Bytes())
	pal := image.NewPaletted(digit.Rect, color.Palette{color.Black, color.White})
	for i, v := range digit.Pix {
		pal.Pix[i] = v >> 7
	}
	gif.Encode(&gb, pal, nil)
	f.Add(gb.Bytes())
	f.Add(pngHeader(100000, 100000))
	f.Add(pngHeader(fuzzMaxSide, fuzzMaxSide))
	f.Add([]byte("GIF89a"))
	f.Add([]byte("\xff\xd8\xff"))

	f.Fuzz(func(t *testing.T, in []byte) {
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(in)), nil }
		var r imageReader
		var err error
		// The decoded image (at most 8 bytes a pixel), the fitter's copy and the decoders' state.
		const bound = 8*fuzzMaxSide*fuzzMaxSide + fuzzMaxSide*fuzzMaxSide + 1<<20
		if a := alloc.Bytes(func() { err = r.decode(open, AutoBackground, fuzzMaxSide) }); a > bound {
			t.Fatalf("decode allocated %d bytes for %d input bytes: want at most %d", a, len(in), bound)
		}
		if err != nil {
			return
		}
		first := r.pix
		if err := r.decode(open, AutoBackground, fuzzMaxSide); err != nil || r.pix != first {
			t.Fatalf("decoding again: %v, or a different image", err)
		}
	})
}
