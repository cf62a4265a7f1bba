package data

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	idxfmt "alab/core/data/idx" // named apart from this package's tests' idx helper
)

// The IDX format (the MNIST distribution format): a big-endian uint32 magic 0x0000TTDD,
// where TT is the element type and DD the number of dimensions, then DD big-endian uint32
// sizes, then the elements in row-major order. Only unsigned bytes (TT = 0x08) are supported:
// images have 3 dimensions (count, rows, cols), labels 1 (count).
const (
	ImagesMagic = idxfmt.ImagesMagic
	LabelsMagic = idxfmt.LabelsMagic

	typeUint8 = 0x08

	// maxBody bounds the element data an IDX file may claim (2 GiB, 45 times full MNIST's
	// training images), so sizes fit in an int everywhere and a corrupt header is caught
	// before any arithmetic can overflow.
	maxBody = 1 << 31
	// maxDim bounds rows and cols.
	maxDim = 1 << 16
	// chunk is the size of the buffers a body of unknown length (a pipe, a gzip stream
	// that cannot seek) is read into as it arrives.
	chunk = 256 << 10

	// MaxCount bounds the images or labels an IDX file may declare: 2^20, above EMNIST
	// ByClass's 814,255 (the largest of the MNIST family), and 822 MB of 28×28 images.
	MaxCount = 1 << 20
)

// FormatError reports an input that is not a valid IDX file of the expected kind.
type FormatError struct {
	Path string // the file, if known
	Msg  string // what was wrong and what was expected
	Err  error  // the underlying cause, if any (io.ErrUnexpectedEOF, a gzip error)
}

func (e *FormatError) Error() string {
	if e.Path != "" {
		return "data: " + e.Path + ": " + e.Msg
	}
	return "data: " + e.Msg
}

func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(err error, format string, args ...any) *FormatError {
	return &FormatError{Msg: fmt.Sprintf(format, args...), Err: err}
}

// DecodeImages decodes an IDX images file (magic 0x00000803), raw or gzip-compressed
// (detected by the gzip magic bytes, not by name), and returns its n images of rows×cols
// pixels laid out as in Set.Pix. The input must end after the last image.
func DecodeImages(r io.Reader) (pix []uint8, n, rows, cols int, err error) {
	dims, body, err := decode(r, "images", ImagesMagic, 3, 0)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return body, dims[0], dims[1], dims[2], nil
}

// DecodeLabels decodes an IDX labels file (magic 0x00000801), raw or gzip-compressed
// (detected by the gzip magic bytes, not by name). The input must end after the last label.
func DecodeLabels(r io.Reader) ([]uint8, error) {
	_, body, err := decode(r, "labels", LabelsMagic, 1, 0)
	return body, err
}

// EncodeImages writes n images of rows×cols pixels (laid out as in Set.Pix) as a raw IDX
// images file. Wrap w in a gzip.Writer for a compressed file. It returns an error if the
// sizes are ones DecodeImages would reject.
func EncodeImages(w io.Writer, pix []uint8, n, rows, cols int) error {
	if err := checkDims("images", []int{n, rows, cols}); err != nil {
		return err
	}
	if len(pix) != n*rows*cols {
		return fmt.Errorf("data: EncodeImages: len(pix) = %d: want n*rows*cols = %d", len(pix), n*rows*cols)
	}
	return encode(w, ImagesMagic, []int{n, rows, cols}, pix)
}

// EncodeLabels writes labels as a raw IDX labels file. Wrap w in a gzip.Writer for a
// compressed file. It returns an error if there are no labels or too many.
func EncodeLabels(w io.Writer, labels []uint8) error {
	if err := checkDims("labels", []int{len(labels)}); err != nil {
		return err
	}
	return encode(w, LabelsMagic, []int{len(labels)}, labels)
}

func encode(w io.Writer, magic uint32, dims []int, body []uint8) error {
	hdr := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(d))
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// LoadIDX decodes an images file and a labels file (each raw or gzip) into a Set and checks
// that they hold the same number of samples. It does not check label values; see
// Set.Validate.
func LoadIDX(imagesPath, labelsPath string) (*Set, error) { return loadIDX(imagesPath, labelsPath, 0) }

// loadIDX is LoadIDX accepting, if side is not 0, only images of side×side, checked from the
// header before the images are read.
func loadIDX(imagesPath, labelsPath string, side int) (*Set, error) {
	var s Set
	err := withFile(imagesPath, func(f *os.File) (err error) {
		var dims []int
		if dims, s.Pix, err = decode(f, "images", ImagesMagic, 3, side); err == nil {
			s.N, s.Rows, s.Cols = dims[0], dims[1], dims[2]
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	err = withFile(labelsPath, func(f *os.File) (err error) {
		s.Labels, err = DecodeLabels(f)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(s.Labels) != s.N {
		return nil, formatErr(nil, "images file %s holds %d images but labels file %s holds %d labels: want equal counts",
			imagesPath, s.N, labelsPath, len(s.Labels))
	}
	return &s, nil
}

// withFile opens path, calls decode with it and puts path into a *FormatError decode returns.
func withFile(path string, decode func(*os.File) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	err = decode(f)
	if fe, ok := err.(*FormatError); ok {
		fe.Path = path
		return fe
	}
	return err // an I/O error, which names the file already
}

// decode reads an IDX file of unsigned bytes with the given magic (and so ndim dimensions)
// and returns its dimensions and elements. kind ("images" or "labels") names the file in
// errors; side, if not 0, is the only rows and cols accepted.
//
// Everything the header declares is checked before anything is allocated for the body. A
// raw input that can tell its size must hold the body, and a gzip input that can tell its
// size may declare a body of at most maxRatio times its compressed bytes (and 64 KiB): real
// image sets compress 3 to 6 times, a zip bomb thousands. A stream of unknown size is read
// in chunks, so what it costs is bounded by what it holds.
func decode(r io.Reader, kind string, magic uint32, ndim, side int) (dims []int, body []uint8, err error) {
	var limit int64
	if s, ok := r.(io.ReadSeeker); ok {
		if start, err := s.Seek(0, io.SeekCurrent); err == nil {
			if end, err := s.Seek(0, io.SeekEnd); err == nil {
				limit = maxRatio*(end-start) + 64<<10
			}
			if _, err := s.Seek(start, io.SeekStart); err != nil {
				return nil, nil, fmt.Errorf("data: reading %s file: %w", kind, err)
			}
		}
	}
	dims, body, _, err = decodeBody(r, kind, magic, ndim, side, limit)
	return dims, body, err
}

// maxRatio bounds how many times its compressed size a gzip IDX file may inflate to.
const maxRatio = 16

// decodeBody is decode once the input's size is known: limit, if not 0, bounds a gzip
// body's declared size.
func decodeBody(r io.Reader, kind string, magic uint32, ndim, side int, limit int64) (dims []int, body []uint8, compressed bool, err error) {
	var head [4]byte
	got, err := io.ReadFull(r, head[:])
	compressed = got >= 2 && head[0] == 0x1f && head[1] == 0x8b
	if err != nil && !compressed {
		return nil, nil, false, readErr(err, kind, "truncated in header: got %d bytes: want at least %d", got, 4+4*ndim)
	}
	if compressed {
		zr, err := gzip.NewReader(io.MultiReader(bytes.NewReader(head[:got]), r))
		if err != nil {
			return nil, nil, true, readErr(err, kind, "truncated in gzip header")
		}
		r = zr
		if got, err = io.ReadFull(r, head[:]); err != nil {
			return nil, nil, true, readErr(err, kind, "truncated in header: got %d bytes: want at least %d", got, 4+4*ndim)
		}
	}

	m := binary.BigEndian.Uint32(head[:])
	switch {
	case m>>16 != 0:
		return nil, nil, compressed, formatErr(nil, "bad IDX magic 0x%08x in %s file: want 0x%08x", m, kind, magic)
	case m>>8 != typeUint8:
		return nil, nil, compressed, formatErr(nil, "unsupported IDX element type 0x%02x (magic 0x%08x) in %s file: want 0x%02x (unsigned byte), magic 0x%08x",
			m>>8, m, kind, typeUint8, magic)
	case m != magic:
		return nil, nil, compressed, formatErr(nil, "bad IDX magic 0x%08x in %s file: want 0x%08x (%d dimensions, got %d)",
			m, kind, magic, ndim, m&0xff)
	}

	var hdr [12]byte // up to 3 dimensions
	if got, err := io.ReadFull(r, hdr[:4*ndim]); err != nil {
		return nil, nil, compressed, readErr(err, kind, "truncated in header: got %d bytes: want %d", 4+got, 4+4*ndim)
	}
	dims = make([]int, ndim)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(hdr[4*i:]))
	}
	if err := checkDims(kind, dims); err != nil {
		return nil, nil, compressed, err
	}
	if side != 0 && ndim == 3 && (dims[1] != side || dims[2] != side) {
		return nil, nil, compressed, formatErr(nil, "%s file holds images of %dx%d: want %dx%d", kind, dims[1], dims[2], side, side)
	}
	size := 1
	for _, d := range dims {
		size *= d // checkDims has bounded the product by maxBody
	}

	if compressed && limit > 0 && int64(size) > limit {
		return nil, nil, true, formatErr(nil, "%s file: header claims %s (%d bytes) from %d compressed bytes: want at most %d times the compressed size",
			kind, describe(kind, dims), size, (limit-64<<10)/maxRatio, maxRatio)
	}
	if !compressed {
		if left, ok := remaining(r); ok && left < int64(size) {
			return nil, nil, false, formatErr(io.ErrUnexpectedEOF, "%s file too short: header claims %s (%d bytes) but only %d bytes follow the header",
				kind, describe(kind, dims), size, left)
		}
	}
	if compressed && limit > 0 {
		body = make([]byte, size) // bounded by the compressed size: allocate once
		got, err = io.ReadFull(r, body)
	} else {
		body, got, err = readBody(r, size)
	}
	if err != nil {
		return nil, nil, compressed, readErr(err, kind, "truncated: header claims %s (%d bytes), got only %d", describe(kind, dims), size, got)
	}
	// Reading past the end verifies the gzip checksum and catches trailing data.
	var extra [1]byte
	if k, err := io.ReadFull(r, extra[:]); k > 0 {
		return nil, nil, compressed, formatErr(nil, "trailing data after %s: want end of file", describe(kind, dims))
	} else if err != io.EOF {
		return nil, nil, compressed, readErr(err, kind, "truncated after %s (end of gzip stream missing)", describe(kind, dims))
	}
	return dims, body, compressed, nil
}

// checkDims reports whether dims (count, then rows and cols for images) are allowed.
func checkDims(kind string, dims []int) error {
	names := []string{"count", "rows", "cols"}
	for i, d := range dims {
		if d < 1 {
			return formatErr(nil, "%s file has %s = %d: want at least 1", kind, names[i], d)
		}
		if i == 0 && d > MaxCount {
			return formatErr(nil, "%s file has count = %d: want at most %d", kind, d, MaxCount)
		}
		if i > 0 && d > maxDim {
			return formatErr(nil, "%s file has %s = %d: want at most %d", kind, names[i], d, maxDim)
		}
	}
	// Divide rather than multiply so nothing overflows.
	per := 1
	for _, d := range dims[1:] {
		per *= d
	}
	if dims[0] > maxBody/per {
		return formatErr(nil, "%s file claims %s (%d bytes): want at most %d bytes",
			kind, describe(kind, dims), uint64(dims[0])*uint64(per), maxBody)
	}
	return nil
}

func describe(kind string, dims []int) string {
	if kind == "images" {
		return fmt.Sprintf("%d images of %dx%d", dims[0], dims[1], dims[2])
	}
	return fmt.Sprintf("%d %s", dims[0], kind)
}

// readErr turns an error met while reading a kind file into a *FormatError if the input is
// at fault (too short, corrupt gzip), and otherwise (an I/O error) wraps it.
func readErr(err error, kind, format string, args ...any) error {
	var corrupt flate.CorruptInputError
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return formatErr(io.ErrUnexpectedEOF, "%s file %s", kind, fmt.Sprintf(format, args...))
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.As(err, &corrupt):
		return formatErr(err, "%s file: corrupt gzip stream: %v", kind, err)
	}
	return fmt.Errorf("data: reading %s file: %w", kind, err)
}

// remaining returns the number of bytes left in r, if r can tell without reading.
func remaining(r io.Reader) (int64, bool) {
	switch r := r.(type) {
	case interface{ Len() int }: // bytes.Reader, bytes.Buffer, strings.Reader
		return int64(r.Len()), true
	case *os.File:
		fi, err := r.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0, false
		}
		off, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0, false
		}
		return fi.Size() - off, true
	}
	return 0, false
}

// readBody reads exactly size bytes. If r cannot tell that it holds them, the bytes are
// read into chunks as they arrive and joined at the end, so a header that lies about the
// size cannot make it allocate what the input does not contain, and no buffer is ever
// regrown. got is the number of bytes read.
func readBody(r io.Reader, size int) (body []byte, got int, err error) {
	if left, ok := remaining(r); ok && left >= int64(size) {
		body = make([]byte, size) // the input holds it all: allocate once
		got, err = io.ReadFull(r, body)
		return body, got, err
	}
	var chunks [][]byte
	for got < size {
		c := make([]byte, min(size-got, chunk))
		k, err := io.ReadFull(r, c)
		got += k
		if err != nil {
			return nil, got, err
		}
		chunks = append(chunks, c)
	}
	if len(chunks) == 1 {
		return chunks[0], got, nil
	}
	body = make([]byte, 0, size)
	for i, c := range chunks {
		body = append(body, c...)
		chunks[i] = nil
	}
	return body, got, nil
}
