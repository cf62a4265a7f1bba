package ui

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"alab/core/data/idx"
)

// The page's view of the data bundle's pool images (webfiles.PoolImages, written by
// wasm/webbuild). The page does not link the engine's IDX decoder (alab/core/data, which
// reads files whole and brings in the file system): it reads the header with package idx
// and copies out only the digits it shows.
const (
	digitSide   = 28
	digitPixels = digitSide * digitSide
)

// poolImages is an IDX images file of 28×28 digits: digit i (the pool ID, which is the
// MNIST training index) is the 784 bytes from offset idx.ImagesHeaderSize + 784·i, row by row, 0 the
// background and 255 ink. The bytes stay where they are (in the browser, a JavaScript
// buffer): read copies len(dst) bytes from offset off, and only a shown digit is copied.
type poolImages struct {
	read func(dst []byte, off int)
	n    int
}

// decodePoolImages reads an IDX images file of 28×28 digits held in b, which may still be
// gzip-compressed (a browser without DecompressionStream).
func decodePoolImages(b []byte) (*poolImages, error) {
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("pool images: %w", err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("pool images: %w", err)
		}
	}
	return readPoolImages(len(b), func(dst []byte, off int) { copy(dst, b[off:]) })
}

// readPoolImages checks the header and the length of an IDX images file of 28×28 digits,
// size bytes long, that read copies from.
func readPoolImages(size int, read func(dst []byte, off int)) (*poolImages, error) {
	var b [idx.ImagesHeaderSize]byte
	if size >= len(b) {
		read(b[:], 0)
	}
	h, err := idx.ReadImagesHeader(b[:min(size, len(b))])
	switch {
	case err != nil:
		return nil, fmt.Errorf("pool images: %w", err)
	case h.Rows != digitSide || h.Cols != digitSide:
		return nil, fmt.Errorf("pool images: %d×%d pixels: want %d×%d", h.Rows, h.Cols, digitSide, digitSide)
	case uint64(size) != h.Size():
		return nil, fmt.Errorf("pool images: %d bytes after the header: want %d for %d digits", size-len(b), h.Size()-uint64(len(b)), h.N)
	}
	return &poolImages{read: read, n: int(h.N)}, nil
}

// digit returns a copy of the pixels of digit id, or an error if the file has no such digit.
func (p *poolImages) digit(id int) ([]byte, error) {
	if id < 0 || id >= p.n {
		return nil, fmt.Errorf("pool images: no digit %d: the file holds %d", id, p.n)
	}
	pix := make([]byte, digitPixels)
	p.read(pix, idx.ImagesHeaderSize+id*digitPixels)
	return pix, nil
}
