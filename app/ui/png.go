package ui

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"strconv"
)

// digitImages turns 28×28 digits into data URLs of PNG images, ink dark on white, and keeps
// each: a digit is encoded once however often the page shows it. The key is the digit's
// pool ID and whether it is an adversarial twin.
type digitImages map[digitKey]string

type digitKey struct {
	id   int
	twin bool
}

// url returns the data URL of pixels pix (784 bytes, 0 the background) of digit id.
func (d digitImages) url(id int, twin bool, pix []byte) string {
	k := digitKey{id, twin}
	if u, ok := d[k]; ok {
		return u
	}
	u := digitURL(pix)
	d[k] = u
	return u
}

// digitURL encodes a 28×28 greyscale digit as a PNG data URL.
func digitURL(pix []byte) string {
	img := image.NewGray(image.Rect(0, 0, digitSide, digitSide))
	for i, p := range pix[:min(len(pix), digitPixels)] {
		img.Pix[i] = 255 - p
	}
	var buf bytes.Buffer
	// Stored, not deflated: the default level sets up a fresh compressor per digit, 3.4 ms
	// each under WebAssembly against 0.5 ms, for 166 bytes instead of 885.
	_ = (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, img)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// alt is a digit image's alternative text.
func alt(what string, id int) string { return what + " #" + strconv.Itoa(id) }
