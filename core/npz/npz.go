// Package npz reads and writes NumPy .npz archives of float32 arrays, the format alab saves
// model weights in, so that numpy.load (and from there PyTorch's load_state_dict) reads them
// unchanged.
//
// An .npz file is a zip archive holding one NAME.npy member per array. Each member is a .npy
// file: the magic "\x93NUMPY", a version, a header (a Python dict literal giving dtype, memory
// order and shape, padded so the data starts at a multiple of 64 bytes), then the elements.
// Write produces version 1.0 headers byte-identical to NumPy's own (numpy.save) and stores the
// members uncompressed with a fixed timestamp, so the same arrays always give the same bytes.
// Read accepts versions 1.0 and 2.0, stored or deflated members (numpy.savez and
// numpy.savez_compressed), and only little-endian float32 ('<f4') in C order.
package npz

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Array is a named n-dimensional float32 array in row-major (C) order: for Shape (N, C, H, W),
// element (n, c, h, w) sits at Data[((n*C+c)*H+h)*W+w]. A scalar has an empty Shape and one
// element.
type Array struct {
	Name  string
	Shape []int
	Data  []float32
}

// MaxDims is the largest number of dimensions Read and Write accept (NumPy 2's NPY_MAXDIMS).
const MaxDims = 64

const (
	magic    = "\x93NUMPY"
	align    = 64        // NumPy's ARRAY_ALIGN: the data starts at a multiple of this.
	maxHLen  = 1<<16 - 1 // Longest header accepted, the most a version 1.0 header can hold.
	chunkLen = 4096      // Elements encoded or decoded per buffer.
	maxElems = math.MaxInt / 4
	// maxRatio bounds how many bytes a deflated member may declare per compressed byte:
	// deflate's longest match (258 bytes) costs at least two bits, so it never expands more
	// than 1032 times.
	maxRatio = 1032
)

// modified is the timestamp of every member Write stores: the earliest a zip file can hold.
var modified = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// A FormatError reports that the input is not an .npz archive of float32 arrays this package
// reads, or that an Array given to Write is inconsistent.
type FormatError struct {
	Member string // the zip member (NAME.npy) or array name; empty for the archive as a whole
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Member == "" {
		return "npz: " + e.Msg
	}
	return "npz: " + e.Member + ": " + e.Msg
}

func formatErr(member, format string, args ...any) error {
	return &FormatError{Member: member, Msg: fmt.Sprintf(format, args...)}
}

// Write writes an .npz archive to w holding NAME.npy for each array, in the given order.
// Names must be non-empty and distinct, shapes must have at most MaxDims non-negative
// dimensions, and len(Data) must be the product of Shape.
func Write(w io.Writer, arrays []Array) error {
	seen := make(map[string]bool, len(arrays))
	for i, a := range arrays {
		switch {
		case a.Name == "":
			return formatErr("", "array %d has an empty name", i)
		case seen[a.Name]:
			return formatErr(a.Name, "duplicate name")
		}
		seen[a.Name] = true
		n, err := elems(a.Shape)
		if err != nil {
			return formatErr(a.Name, "%v", err)
		}
		if n != len(a.Data) {
			return formatErr(a.Name, "shape %s needs %d elements, Data has %d", shapeString(a.Shape), n, len(a.Data))
		}
	}
	zw := zip.NewWriter(w)
	buf := make([]byte, 4*chunkLen)
	for _, a := range arrays {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store, Modified: modified})
		if err != nil {
			return err
		}
		if _, err := io.WriteString(fw, header(a.Shape)); err != nil {
			return err
		}
		for data := a.Data; len(data) > 0; {
			n := min(len(data), chunkLen)
			for i, v := range data[:n] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := fw.Write(buf[:4*n]); err != nil {
				return err
			}
			data = data[n:]
		}
	}
	return zw.Close()
}

// header returns the version 1.0 .npy header for a float32 array of the given shape, exactly as
// numpy.lib.format writes it: keys sorted, a trailing ", ", spare spaces so the first axis can
// grow to 21 digits in place, then spaces and a newline up to a multiple of align bytes.
func header(shape []int) string {
	var b strings.Builder
	b.WriteString(magic + "\x01\x00xx") // xx: the header length, set below
	b.WriteString("{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeString(shape) + ", }")
	if len(shape) > 0 {
		b.WriteString(strings.Repeat(" ", 21-len(strconv.Itoa(shape[0]))))
	}
	pad := align - (b.Len()+1)%align // NumPy pads by align, not 0, when already aligned.
	b.WriteString(strings.Repeat(" ", pad) + "\n")
	h := []byte(b.String())
	binary.LittleEndian.PutUint16(h[8:], uint16(len(h)-10))
	return string(h)
}

// shapeString formats shape as a Python tuple: (), (3,) or (2, 3).
func shapeString(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + s[0] + ",)"
	}
	return "(" + strings.Join(s, ", ") + ")"
}

// elems returns the number of elements of shape, checking that it has at most MaxDims
// dimensions, none negative, and that its size in bytes fits in an int.
func elems(shape []int) (int, error) {
	if len(shape) > MaxDims {
		return 0, fmt.Errorf("shape has %d dimensions: want at most %d", len(shape), MaxDims)
	}
	n, zero := 1, false
	for _, d := range shape {
		switch {
		case d < 0:
			return 0, fmt.Errorf("shape %s: negative dimension %d", shapeString(shape), d)
		case d == 0:
			zero = true // The count is 0, but the other dimensions must still be sane.
		case n > maxElems/d:
			return 0, fmt.Errorf("shape %s: too many elements", shapeString(shape))
		default:
			n *= d
		}
	}
	if zero {
		return 0, nil
	}
	return n, nil
}

// Read reads an .npz archive of size bytes from r and returns its arrays in archive order.
// Every member must be a NAME.npy file of float32 ('<f4') data in C order; NAME becomes the
// Array's Name. Errors the input causes are *FormatError or come from archive/zip (such as
// zip.ErrFormat and zip.ErrChecksum), wrapped.
//
// Each header is checked against the member's size before anything is allocated for its data,
// and the data is read in chunks, so a lying archive cannot make Read allocate much more than
// the data it actually holds.
func Read(r io.ReaderAt, size int64) ([]Array, error) { return ReadChecked(r, size, nil) }

// ReadChecked is Read for a caller that knows which arrays it can use: allow, if not nil, is
// called with each member's array name and the shape its header declares, before any of the
// member's data is inflated or allocated, and an error it returns is the member's
// *FormatError. So an archive whose header declares an array the caller cannot use costs no
// more than its header.
//
// Whatever allow says, a member's declared size is checked against what its compressed bytes
// can hold (deflate expands at most maxRatio times; a stored member holds exactly its bytes),
// and the data is allocated once, at its declared size.
func ReadChecked(r io.ReaderAt, size int64, allow func(name string, shape []int) error) ([]Array, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("npz: %w", err)
	}
	arrays := make([]Array, 0, len(zr.File))
	seen := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		name, ok := strings.CutSuffix(f.Name, ".npy")
		switch {
		case !ok:
			return nil, formatErr(f.Name, "not a .npy member")
		case name == "":
			return nil, formatErr(f.Name, "empty array name")
		case seen[name]:
			return nil, formatErr(f.Name, "duplicate member")
		}
		seen[name] = true
		a, err := readMember(f, name, size, allow)
		if err != nil {
			return nil, err
		}
		a.Name = name
		arrays = append(arrays, a)
	}
	return arrays, nil
}

// readMember reads and checks one .npy member.
func readMember(f *zip.File, name string, size int64, allow func(string, []int) error) (Array, error) {
	switch {
	case f.CompressedSize64 > uint64(size):
		return Array{}, formatErr(f.Name, "compressed size %d overruns the %d-byte archive", f.CompressedSize64, size)
	case f.Method == zip.Store && f.UncompressedSize64 != f.CompressedSize64:
		return Array{}, formatErr(f.Name, "stored member declares %d bytes but holds %d", f.UncompressedSize64, f.CompressedSize64)
	case f.UncompressedSize64 > maxRatio*f.CompressedSize64+maxHLen:
		return Array{}, formatErr(f.Name, "declares %d bytes from %d compressed: more than deflate can expand", f.UncompressedSize64, f.CompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return Array{}, fmt.Errorf("npz: %s: %w", f.Name, err)
	}
	defer rc.Close()
	ioErr := func(what string, err error) error {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("npz: %s: reading %s: %w", f.Name, what, err)
	}

	pre := make([]byte, 12)
	if _, err := io.ReadFull(rc, pre[:10]); err != nil {
		return Array{}, ioErr("magic", err)
	}
	if string(pre[:6]) != magic {
		return Array{}, formatErr(f.Name, "bad magic %q: want %q", pre[:6], magic)
	}
	var hlen, off uint64
	switch major, minor := pre[6], pre[7]; {
	case major == 1 && minor == 0:
		hlen, off = uint64(binary.LittleEndian.Uint16(pre[8:])), 10
	case major == 2 && minor == 0:
		if _, err := io.ReadFull(rc, pre[10:12]); err != nil {
			return Array{}, ioErr("header length", err)
		}
		hlen, off = uint64(binary.LittleEndian.Uint32(pre[8:])), 12
	default:
		return Array{}, formatErr(f.Name, "unsupported .npy version %d.%d: want 1.0 or 2.0", major, minor)
	}
	if hlen > maxHLen {
		return Array{}, formatErr(f.Name, "header length %d: want at most %d", hlen, maxHLen)
	}
	if off+hlen > f.UncompressedSize64 {
		return Array{}, formatErr(f.Name, "header length %d overruns the %d-byte member", hlen, f.UncompressedSize64)
	}
	h := make([]byte, hlen)
	if _, err := io.ReadFull(rc, h); err != nil {
		return Array{}, ioErr("header", err)
	}
	descr, fortran, shape, err := parseHeader(string(h))
	if err != nil {
		return Array{}, formatErr(f.Name, "%v", err)
	}
	if descr != "<f4" {
		return Array{}, formatErr(f.Name, "dtype %s: want '<f4' (float32)", pyQuote(descr))
	}
	if fortran {
		return Array{}, formatErr(f.Name, "fortran_order is True: want C order")
	}
	n, err := elems(shape)
	if err != nil {
		return Array{}, formatErr(f.Name, "%v", err)
	}
	if allow != nil {
		if err := allow(name, shape); err != nil {
			return Array{}, formatErr(f.Name, "%v", err)
		}
	}
	if have := f.UncompressedSize64 - off - hlen; uint64(n)*4 != have {
		return Array{}, formatErr(f.Name, "shape %s needs %d bytes of data, member has %d", shapeString(shape), 4*n, have)
	}

	// The declared size is bounded by the compressed bytes (checked above), so data is
	// allocated once; a member that then ends early is an error, never a regrown buffer.
	data := make([]float32, 0, n)
	buf := make([]byte, 4*chunkLen)
	for len(data) < n {
		k := min(n-len(data), chunkLen)
		if _, err := io.ReadFull(rc, buf[:4*k]); err != nil {
			return Array{}, ioErr("data", err)
		}
		for i := range k {
			data = append(data, math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:])))
		}
	}
	// Reading to EOF makes archive/zip verify the checksum.
	switch m, err := io.ReadFull(rc, buf[:1]); {
	case m > 0:
		return Array{}, formatErr(f.Name, "data continues past the shape %s", shapeString(shape))
	case err != io.EOF:
		return Array{}, ioErr("data", err)
	}
	return Array{Shape: shape, Data: data}, nil
}

// parseHeader parses a .npy header: a Python dict literal with exactly the keys 'descr' (a
// string), 'fortran_order' (True or False) and 'shape' (a tuple of integers), such as
//
//	{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//
// followed by whitespace. It accepts the subset of Python literal syntax NumPy writes.
func parseHeader(h string) (descr string, fortran bool, shape []int, err error) {
	p := &parser{s: h}
	p.expect('{')
	seen := map[string]bool{}
	for p.err == nil && !p.accept('}') {
		key := p.str()
		p.expect(':')
		if p.err != nil {
			break
		}
		if seen[key] {
			return "", false, nil, fmt.Errorf("header: duplicate key %s", pyQuote(key))
		}
		seen[key] = true
		switch key {
		case "descr":
			descr = p.str()
		case "fortran_order":
			fortran = p.boolean()
		case "shape":
			shape = p.tuple()
		default:
			return "", false, nil, fmt.Errorf("header: unexpected key %s", pyQuote(key))
		}
		if !p.accept(',') {
			p.expect('}')
			break
		}
	}
	p.space()
	if p.err == nil && p.i < len(p.s) {
		p.fail("end of header")
	}
	if p.err != nil {
		return "", false, nil, p.err
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return "", false, nil, fmt.Errorf("header: missing key '%s'", k)
		}
	}
	return descr, fortran, shape, nil
}

// pyQuote quotes s roughly as Python's repr would, for error messages.
func pyQuote(s string) string { return "'" + strings.Trim(strconv.QuoteToASCII(s), `"`) + "'" }

// parser scans a .npy header. After the first error it stops and every method returns a zero
// value, so a caller checks err once at the end.
type parser struct {
	s   string
	i   int
	err error
}

func (p *parser) fail(want string) {
	if p.err != nil {
		return
	}
	got := "end of header"
	if p.i < len(p.s) {
		got = strconv.QuoteRuneToASCII(rune(p.s[p.i]))
	}
	p.err = fmt.Errorf("malformed header: want %s at byte %d, got %s", want, p.i, got)
}

func (p *parser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// accept consumes c, after any space, if it comes next.
func (p *parser) accept(c byte) bool {
	p.space()
	if p.err != nil || p.i >= len(p.s) || p.s[p.i] != c {
		return false
	}
	p.i++
	return true
}

func (p *parser) expect(c byte) {
	if !p.accept(c) {
		p.fail(strconv.QuoteRuneToASCII(rune(c)))
	}
}

// str scans a quoted string without escapes.
func (p *parser) str() string {
	p.space()
	if p.err != nil || p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		p.fail("a string")
		return ""
	}
	q := p.s[p.i]
	end := strings.IndexAny(p.s[p.i+1:], string(q)+"\\\n")
	if end < 0 || p.s[p.i+1+end] != q {
		p.fail("a string without escapes")
		return ""
	}
	s := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return s
}

func (p *parser) boolean() bool {
	p.space()
	for _, w := range []string{"False", "True"} {
		if p.err == nil && strings.HasPrefix(p.s[p.i:], w) {
			p.i += len(w)
			return w == "True"
		}
	}
	p.fail("True or False")
	return false
}

// tuple scans a tuple of integers: (), (3,) or (2, 3) with an optional trailing comma.
func (p *parser) tuple() []int {
	p.expect('(')
	shape := []int{}
	for p.err == nil && !p.accept(')') {
		if len(shape) == MaxDims {
			p.err = fmt.Errorf("shape has more than %d dimensions", MaxDims)
			return nil
		}
		shape = append(shape, p.integer())
		if !p.accept(',') {
			if len(shape) == 1 {
				p.fail("',' after the only dimension") // (3) is the integer 3 in Python.
			}
			p.expect(')')
			break
		}
	}
	return shape
}

// integer scans a decimal integer. A minus sign is accepted so that elems can report a
// negative dimension by value.
func (p *parser) integer() int {
	p.space()
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == digits || (p.s[digits] == '0' && p.i-digits > 1) {
		p.i = start
		p.fail("a dimension")
		return 0
	}
	d, err := strconv.Atoi(p.s[start:p.i])
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("shape dimension %s: out of range", p.s[start:p.i])
	}
	return d
}
