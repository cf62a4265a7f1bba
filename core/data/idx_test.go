package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"alab/core/internal/alloc"
)

// idx returns an IDX file: magic, dims, then body.
func idx(magic uint32, dims []uint32, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, body...)
}

func gz(b []byte) []byte {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b)
	zw.Close()
	return z.Bytes()
}

// noLen hides the Len method of a reader, as a pipe or network stream would.
type noLen struct{ r io.Reader }

func (r noLen) Read(p []byte) (int, error) { return r.r.Read(p) }

func TestDecodeImagesRoundTrip(t *testing.T) {
	pix := []uint8{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255}
	var raw bytes.Buffer
	if err := EncodeImages(&raw, pix, 2, 2, 3); err != nil {
		t.Fatal(err)
	}
	want := idx(ImagesMagic, []uint32{2, 2, 3}, pix)
	if !bytes.Equal(raw.Bytes(), want) {
		t.Fatalf("EncodeImages wrote % x: want % x", raw.Bytes(), want)
	}
	for name, in := range map[string]io.Reader{
		"raw":            bytes.NewReader(want),
		"gzip":           bytes.NewReader(gz(want)),
		"raw stream":     noLen{bytes.NewReader(want)},
		"gzip one byte":  iotest.OneByteReader(bytes.NewReader(gz(want))),
		"raw half reads": iotest.HalfReader(bytes.NewReader(want)),
	} {
		got, n, rows, cols, err := DecodeImages(in)
		if err != nil || n != 2 || rows != 2 || cols != 3 || !bytes.Equal(got, pix) {
			t.Errorf("%s: DecodeImages = %v, %d, %d, %d, %v: want %v, 2, 2, 3, nil", name, got, n, rows, cols, err, pix)
		}
	}
}

func TestDecodeLabelsRoundTrip(t *testing.T) {
	labels := []uint8{7, 2, 1, 0, 255}
	var raw bytes.Buffer
	if err := EncodeLabels(&raw, labels); err != nil {
		t.Fatal(err)
	}
	want := idx(LabelsMagic, []uint32{5}, labels)
	if !bytes.Equal(raw.Bytes(), want) {
		t.Fatalf("EncodeLabels wrote % x: want % x", raw.Bytes(), want)
	}
	for name, in := range map[string][]byte{"raw": want, "gzip": gz(want)} {
		got, err := DecodeLabels(bytes.NewReader(in))
		if err != nil || !bytes.Equal(got, labels) {
			t.Errorf("%s: DecodeLabels = %v, %v: want %v, nil", name, got, err, labels)
		}
	}
}

// A body of 1<<20 images of 28×28 (822 MB) is within the format's limits, so only the
// input's true length can stop the decoder allocating it.
const bigN = 1 << 20

func TestDecodeImagesErrors(t *testing.T) {
	ok := idx(ImagesMagic, []uint32{1, 2, 2}, []byte{1, 2, 3, 4})
	badCRC := gz(ok)
	badCRC[len(badCRC)-6] ^= 0xff // in the CRC-32 of the trailer
	corrupt := gz(ok)
	corrupt[10] = 0xff                                                      // the first deflate block header: block type 3 is reserved
	bomb := gz(idx(ImagesMagic, []uint32{bigN, 28, 28}, make([]byte, 100))) // inflates 8,000 times its size
	for _, c := range []struct {
		name string
		in   io.Reader
		want string
	}{
		{"empty", bytes.NewReader(nil), "data: images file truncated in header: got 0 bytes: want at least 16"},
		{"short magic", bytes.NewReader([]byte{0, 0, 8}), "data: images file truncated in header: got 3 bytes: want at least 16"},
		{"short dims", bytes.NewReader(ok[:11]), "data: images file truncated in header: got 11 bytes: want 16"},
		{"short gzip header", bytes.NewReader(gz(ok)[:5]), "data: images file truncated in gzip header"},
		{"labels file", bytes.NewReader(idx(LabelsMagic, []uint32{1}, []byte{1})),
			"data: bad IDX magic 0x00000801 in images file: want 0x00000803 (3 dimensions, got 1)"},
		{"not IDX", bytes.NewReader([]byte("\x89PNG\r\n\x1a\n........")),
			"data: bad IDX magic 0x89504e47 in images file: want 0x00000803"},
		{"float32", bytes.NewReader(idx(0x00000d03, []uint32{1, 1, 1}, []byte{0, 0, 0, 0})),
			"data: unsupported IDX element type 0x0d (magic 0x00000d03) in images file: want 0x08 (unsigned byte), magic 0x00000803"},
		{"int8", bytes.NewReader(idx(0x00000903, []uint32{1, 1, 1}, []byte{0})),
			"unsupported IDX element type 0x09"},
		{"zero images", bytes.NewReader(idx(ImagesMagic, []uint32{0, 28, 28}, nil)),
			"data: images file has count = 0: want at least 1"},
		{"zero rows", bytes.NewReader(idx(ImagesMagic, []uint32{1, 0, 28}, nil)),
			"data: images file has rows = 0: want at least 1"},
		{"zero cols", bytes.NewReader(idx(ImagesMagic, []uint32{1, 28, 0}, nil)),
			"data: images file has cols = 0: want at least 1"},
		{"huge rows", bytes.NewReader(idx(ImagesMagic, []uint32{1, 1 << 20, 1}, nil)),
			"data: images file has rows = 1048576: want at most 65536"},
		{"huge cols", bytes.NewReader(idx(ImagesMagic, []uint32{1, 1, 1<<32 - 1}, nil)),
			"data: images file has cols = 4294967295: want at most 65536"},
		{"2^31 images", bytes.NewReader(idx(ImagesMagic, []uint32{1 << 31, 28, 28}, nil)),
			"data: images file has count = 2147483648: want at most 1048576"},
		{"max everything", bytes.NewReader(idx(ImagesMagic, []uint32{1<<32 - 1, 1 << 16, 1 << 16}, nil)),
			"data: images file has count = 4294967295: want at most 1048576"},
		{"2^20 images of 2^16x2^16", bytes.NewReader(idx(ImagesMagic, []uint32{1 << 20, 1 << 16, 1 << 16}, nil)),
			"data: images file claims 1048576 images of 65536x65536 (4503599627370496 bytes): want at most 2147483648 bytes"},
		{"body too short for file", bytes.NewReader(idx(ImagesMagic, []uint32{bigN, 28, 28}, make([]byte, 100))),
			"data: images file too short: header claims 1048576 images of 28x28 (822083584 bytes) but only 100 bytes follow the header"},
		{"truncated stream", noLen{bytes.NewReader(idx(ImagesMagic, []uint32{bigN, 28, 28}, make([]byte, 100)))},
			"data: images file truncated: header claims 1048576 images of 28x28 (822083584 bytes), got only 100"},
		{"truncated gzip", noLen{bytes.NewReader(gz(idx(ImagesMagic, []uint32{bigN, 28, 28}, make([]byte, 100))))},
			"data: images file truncated: header claims 1048576 images of 28x28 (822083584 bytes), got only 100"},
		{"gzip bomb", bytes.NewReader(bomb),
			fmt.Sprintf("data: images file: header claims 1048576 images of 28x28 (822083584 bytes) from %d compressed bytes: want at most 16 times the compressed size", len(bomb))},
		{"gzip cut before trailer", bytes.NewReader(gz(ok)[:len(gz(ok))-8]),
			"data: images file truncated after 1 images of 2x2 (end of gzip stream missing)"},
		{"trailing data", bytes.NewReader(append(ok[:len(ok):len(ok)], 0)),
			"data: trailing data after 1 images of 2x2: want end of file"},
		{"trailing gzip data", bytes.NewReader(gz(append(ok[:len(ok):len(ok)], 0))),
			"data: trailing data after 1 images of 2x2: want end of file"},
		{"bad checksum", bytes.NewReader(badCRC), "data: images file: corrupt gzip stream: gzip: invalid checksum"},
		{"corrupt deflate", bytes.NewReader(corrupt), "data: images file: corrupt gzip stream: flate: corrupt input"},
		{"garbage after gzip", bytes.NewReader(append(gz(ok), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)),
			"data: images file: corrupt gzip stream: gzip: invalid header"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			alloc := alloc.Bytes(func() { _, _, _, _, err = DecodeImages(c.in) })
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("DecodeImages error = %v: want %q", err, c.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("DecodeImages error %v is a %T: want a *FormatError", err, err)
			}
			// The bad headers claim up to 2^64 bytes; the decoder must not believe them.
			if alloc > 1<<20 {
				t.Errorf("DecodeImages allocated %d bytes for a bad input: want at most 1 MiB", alloc)
			}
		})
	}
}

func TestDecodeLabelsErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		in   io.Reader
		want string
	}{
		{"empty", bytes.NewReader(nil), "data: labels file truncated in header: got 0 bytes: want at least 8"},
		{"short count", bytes.NewReader([]byte{0, 0, 8, 1, 0}), "data: labels file truncated in header: got 5 bytes: want 8"},
		{"images file", bytes.NewReader(idx(ImagesMagic, []uint32{1, 1, 1}, []byte{1})),
			"data: bad IDX magic 0x00000803 in labels file: want 0x00000801 (1 dimensions, got 3)"},
		{"bad magic", bytes.NewReader(idx(0x08010000, []uint32{1}, []byte{1})),
			"data: bad IDX magic 0x08010000 in labels file: want 0x00000801"},
		{"int32 labels", bytes.NewReader(idx(0x00000c01, []uint32{1}, []byte{0, 0, 0, 1})),
			"data: unsupported IDX element type 0x0c (magic 0x00000c01) in labels file: want 0x08 (unsigned byte), magic 0x00000801"},
		{"zero labels", bytes.NewReader(idx(LabelsMagic, []uint32{0}, nil)),
			"data: labels file has count = 0: want at least 1"},
		{"2^32-1 labels", bytes.NewReader(idx(LabelsMagic, []uint32{1<<32 - 1}, nil)),
			"data: labels file has count = 4294967295: want at most 1048576"},
		{"too short for file", bytes.NewReader(idx(LabelsMagic, []uint32{1 << 20}, []byte{1, 2, 3})),
			"data: labels file too short: header claims 1048576 labels (1048576 bytes) but only 3 bytes follow the header"},
		{"truncated gzip", noLen{bytes.NewReader(gz(idx(LabelsMagic, []uint32{1 << 20}, []byte{1, 2, 3})))},
			"data: labels file truncated: header claims 1048576 labels (1048576 bytes), got only 3"},
		{"trailing data", bytes.NewReader(idx(LabelsMagic, []uint32{2}, []byte{1, 2, 3})),
			"data: trailing data after 2 labels: want end of file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			alloc := alloc.Bytes(func() { _, err = DecodeLabels(c.in) })
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("DecodeLabels error = %v: want %q", err, c.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("DecodeLabels error %v is a %T: want a *FormatError", err, err)
			}
			if alloc > 1<<20 {
				t.Errorf("DecodeLabels allocated %d bytes for a bad input: want at most 1 MiB", alloc)
			}
		})
	}
}

func TestDecodeIOError(t *testing.T) {
	boom := errors.New("boom")
	in := io.MultiReader(bytes.NewReader(idx(LabelsMagic, []uint32{5}, []byte{1, 2})), iotest.ErrReader(boom))
	_, err := DecodeLabels(in)
	var fe *FormatError
	if !errors.Is(err, boom) || errors.As(err, &fe) {
		t.Errorf("DecodeLabels error = %v: want one wrapping %v that is not a *FormatError", err, boom)
	}
}

func TestEncodeErrors(t *testing.T) {
	if err := EncodeImages(io.Discard, make([]uint8, 3), 1, 2, 2); err == nil || !strings.Contains(err.Error(), "len(pix) = 3: want n*rows*cols = 4") {
		t.Errorf("EncodeImages with 3 pixels for 2x2: error = %v", err)
	}
	if err := EncodeImages(io.Discard, nil, 0, 2, 2); err == nil || !strings.Contains(err.Error(), "count = 0") {
		t.Errorf("EncodeImages with no images: error = %v", err)
	}
	if err := EncodeLabels(io.Discard, nil); err == nil || !strings.Contains(err.Error(), "count = 0") {
		t.Errorf("EncodeLabels with no labels: error = %v", err)
	}
}

func TestLoadIDX(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	images := write("images", idx(ImagesMagic, []uint32{2, 1, 2}, []byte{1, 2, 3, 4}))
	imagesGz := write("images.gz", gz(idx(ImagesMagic, []uint32{2, 1, 2}, []byte{1, 2, 3, 4})))
	labels := write("labels", idx(LabelsMagic, []uint32{2}, []byte{9, 8}))
	labels3 := write("labels3", idx(LabelsMagic, []uint32{3}, []byte{9, 8, 7}))
	short := write("short", idx(ImagesMagic, []uint32{bigN, 28, 28}, []byte{1}))

	for _, p := range []string{images, imagesGz} {
		s, err := LoadIDX(p, labels)
		if err != nil {
			t.Fatal(err)
		}
		want := &Set{N: 2, Rows: 1, Cols: 2, Labels: []uint8{9, 8}, Pix: []uint8{1, 2, 3, 4}}
		equalSets(t, p, s, want)
	}

	for _, c := range []struct {
		name           string
		images, labels string
		want           string
	}{
		{"count mismatch", images, labels3,
			"data: images file " + images + " holds 2 images but labels file " + labels3 + " holds 3 labels: want equal counts"},
		{"swapped", labels, images, "data: " + labels + ": bad IDX magic 0x00000801 in images file: want 0x00000803"},
		{"short file", short, labels,
			"data: " + short + ": images file too short: header claims 1048576 images of 28x28 (822083584 bytes) but only 1 bytes follow the header"},
		{"missing", filepath.Join(dir, "nope"), labels, "data: open " + filepath.Join(dir, "nope")},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			alloc := alloc.Bytes(func() { _, err = LoadIDX(c.images, c.labels) })
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("LoadIDX error = %v: want %q", err, c.want)
			}
			if alloc > 1<<20 {
				t.Errorf("LoadIDX allocated %d bytes for a bad input: want at most 1 MiB", alloc)
			}
		})
	}
}
