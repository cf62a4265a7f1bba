// Package idx is the header of the IDX format, MNIST's file format: its magic numbers and
// the decoding of an images file's header. It imports only the standard library's encoding/binary, fmt and math, so the
// page (web/app.wasm), which does not link the engine, reads the data bundle by the same
// constants as alab/core/data, which decodes whole files.
//
// An IDX file is a big-endian uint32 magic 0x0000TTDD, where TT is the element type and DD
// the number of dimensions, then DD big-endian uint32 sizes, then the elements in row-major
// order.
package idx

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
)

const (
	ImagesMagic = 0x00000803 // unsigned bytes in 3 dimensions: count, rows, cols
	LabelsMagic = 0x00000801 // unsigned bytes in 1 dimension: count

	// ImagesHeaderSize is the length of an images file's header: the magic, the count,
	// the rows and the columns.
	ImagesHeaderSize = 16
)

// ImagesHeader is the header of an IDX images file: N images of Rows×Cols bytes follow it.
type ImagesHeader struct{ N, Rows, Cols uint32 }

// ReadImagesHeader decodes the first ImagesHeaderSize bytes of h as an images file's header.
func ReadImagesHeader(h []byte) (ImagesHeader, error) {
	if len(h) < ImagesHeaderSize {
		return ImagesHeader{}, fmt.Errorf("idx: %d bytes: want a %d-byte images header", len(h), ImagesHeaderSize)
	}
	if m := binary.BigEndian.Uint32(h); m != ImagesMagic {
		return ImagesHeader{}, fmt.Errorf("idx: bad IDX magic 0x%08x: want 0x%08x (images)", m, ImagesMagic)
	}
	return ImagesHeader{binary.BigEndian.Uint32(h[4:]), binary.BigEndian.Uint32(h[8:]), binary.BigEndian.Uint32(h[12:])}, nil
}

// Size is the length of the whole file h describes, header included; a header claiming
// more than 2⁶⁴ bytes gives the largest uint64 (no file is that long).
func (h ImagesHeader) Size() uint64 {
	hi, body := bits.Mul64(uint64(h.N), uint64(h.Rows)*uint64(h.Cols))
	if hi != 0 || body > math.MaxUint64-ImagesHeaderSize {
		return math.MaxUint64
	}
	return ImagesHeaderSize + body
}
