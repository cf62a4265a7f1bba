package ui

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
)

// The page's view of the data bundle's pool images (web/data/pool-images.idx.gz, written by
// wasm/webbuild): the UI does not link the engine's IDX decoder (alab/core/data), so it
// reads the one layout it needs itself.
const (
	idxImagesMagic = 0x00000803 // unsigned bytes, 3 dimensions
	idxHeader      = 16         // magic, count, rows, cols: 4 big-endian uint32s
	digitSide      = 28
	digitPixels    = digitSide * digitSide
)

// poolImages is an IDX images file of 28×28 digits: digit i (the pool ID, which is the
// MNIST training index) is the 784 bytes from offset 16 + 784·i, row by row, 0 the
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
	if size < idxHeader {
		return nil, fmt.Errorf("pool images: %d bytes: want a 16-byte IDX header and the digits", size)
	}
	var h [idxHeader]byte
	read(h[:], 0)
	magic, n := binary.BigEndian.Uint32(h[:]), binary.BigEndian.Uint32(h[4:])
	rows, cols := binary.BigEndian.Uint32(h[8:]), binary.BigEndian.Uint32(h[12:])
	switch {
	case magic != idxImagesMagic:
		return nil, fmt.Errorf("pool images: bad IDX magic 0x%08x: want 0x%08x", magic, idxImagesMagic)
	case rows != digitSide || cols != digitSide:
		return nil, fmt.Errorf("pool images: %d×%d pixels: want %d×%d", rows, cols, digitSide, digitSide)
	case uint64(size-idxHeader) != uint64(n)*digitPixels:
		return nil, fmt.Errorf("pool images: %d bytes after the header: want %d for %d digits", size-idxHeader, uint64(n)*digitPixels, n)
	}
	return &poolImages{read: read, n: int(n)}, nil
}

// digit returns a copy of the pixels of digit id, or an error if the file has no such digit.
func (p *poolImages) digit(id int) ([]byte, error) {
	if id < 0 || id >= p.n {
		return nil, fmt.Errorf("pool images: no digit %d: the file holds %d", id, p.n)
	}
	pix := make([]byte, digitPixels)
	p.read(pix, idxHeader+id*digitPixels)
	return pix, nil
}
