package data

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"alab/core/internal/alloc"
)

// fuzzAllocBound is the most a decoder may allocate for an input of n bytes: a gzip stream
// inflates at most about 1032 times, the decoder holds at most twice what arrived (as it
// doubles its buffer) plus its first chunk, and the gzip reader needs some tens of KiB.
func fuzzAllocBound(n int) uint64 { return 1<<20 + 4200*uint64(n) }

// fuzzSeeds adds the fixture file name (if small), its first few samples (raw and gzip) and
// crafted headers to f. Large seeds are left out: the fuzzer spends minutes minimising
// every interesting input derived from them.
func fuzzSeeds(f *testing.F, name string, head func(s *Set, n int) []byte, crafted ...[]byte) {
	whole, err := os.ReadFile(filepath.Join(fixtureDir, name+".gz"))
	if err != nil {
		f.Fatal(err)
	}
	if len(whole) <= 4<<10 {
		f.Add(whole)
	}
	train, _, err := MNIST(fixtureDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, n := range []int{1, 3} {
		f.Add(head(train, n))
		f.Add(gz(head(train, n)))
	}
	for _, c := range crafted {
		f.Add(c)
		f.Add(gz(c))
	}
}

func FuzzDecodeImages(f *testing.F) {
	fuzzSeeds(f, TrainImagesFile, func(s *Set, n int) []byte {
		var b bytes.Buffer
		h := s.Head(n)
		if err := EncodeImages(&b, h.Pix, h.N, h.Rows, h.Cols); err != nil {
			f.Fatal(err)
		}
		return b.Bytes()
	},
		idx(ImagesMagic, []uint32{1, 1, 1}, []byte{7}),
		idx(ImagesMagic, []uint32{2, 1, 3}, []byte{1, 2, 3, 4, 5, 6}),
		idx(ImagesMagic, []uint32{1 << 31, 28, 28}, nil),
		idx(ImagesMagic, []uint32{bigN, 28, 28}, make([]byte, 64)),
		idx(ImagesMagic, []uint32{0, 28, 28}, nil),
		idx(LabelsMagic, []uint32{1}, []byte{1}),
		idx(0x00000d03, []uint32{1, 1, 1}, []byte{0, 0, 0, 0}),
	)
	f.Fuzz(func(t *testing.T, in []byte) {
		var (
			pix           []uint8
			n, rows, cols int
			err           error
		)
		if a := alloc.Bytes(func() { pix, n, rows, cols, err = DecodeImages(bytes.NewReader(in)) }); a > fuzzAllocBound(len(in)) {
			t.Fatalf("DecodeImages allocated %d bytes for %d input bytes: want at most %d", a, len(in), fuzzAllocBound(len(in)))
		}
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("DecodeImages error %v is a %T: want a *FormatError", err, err)
			}
			return
		}
		if n < 1 || rows < 1 || cols < 1 || len(pix) != n*rows*cols {
			t.Fatalf("DecodeImages = %d pixels, n, rows, cols = %d, %d, %d", len(pix), n, rows, cols)
		}
		var b bytes.Buffer
		if err := EncodeImages(&b, pix, n, rows, cols); err != nil {
			t.Fatalf("EncodeImages of a decoded file: %v", err)
		}
		if !isGzip(in) && !bytes.Equal(b.Bytes(), in) {
			t.Fatalf("EncodeImages(DecodeImages(raw)) differs from raw")
		}
		pix2, n2, rows2, cols2, err := DecodeImages(&b)
		if err != nil || n2 != n || rows2 != rows || cols2 != cols || !bytes.Equal(pix2, pix) {
			t.Fatalf("DecodeImages(EncodeImages(...)) = %d, %d, %d, %v: want the same images again", n2, rows2, cols2, err)
		}
	})
}

func FuzzDecodeLabels(f *testing.F) {
	fuzzSeeds(f, TrainLabelsFile, func(s *Set, n int) []byte {
		var b bytes.Buffer
		if err := EncodeLabels(&b, s.Head(n).Labels); err != nil {
			f.Fatal(err)
		}
		return b.Bytes()
	},
		idx(LabelsMagic, []uint32{1}, []byte{7}),
		idx(LabelsMagic, []uint32{1 << 31}, nil),
		idx(LabelsMagic, []uint32{1 << 30}, make([]byte, 64)),
		idx(LabelsMagic, []uint32{0}, nil),
		idx(ImagesMagic, []uint32{1, 1, 1}, []byte{1}),
		idx(0x00000c01, []uint32{1}, []byte{0, 0, 0, 1}),
	)
	f.Fuzz(func(t *testing.T, in []byte) {
		var (
			labels []uint8
			err    error
		)
		if a := alloc.Bytes(func() { labels, err = DecodeLabels(bytes.NewReader(in)) }); a > fuzzAllocBound(len(in)) {
			t.Fatalf("DecodeLabels allocated %d bytes for %d input bytes: want at most %d", a, len(in), fuzzAllocBound(len(in)))
		}
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("DecodeLabels error %v is a %T: want a *FormatError", err, err)
			}
			return
		}
		var b bytes.Buffer
		if err := EncodeLabels(&b, labels); err != nil {
			t.Fatalf("EncodeLabels of a decoded file: %v", err)
		}
		if !isGzip(in) && !bytes.Equal(b.Bytes(), in) {
			t.Fatalf("EncodeLabels(DecodeLabels(raw)) differs from raw")
		}
		labels2, err := DecodeLabels(&b)
		if err != nil || !bytes.Equal(labels2, labels) {
			t.Fatalf("DecodeLabels(EncodeLabels(...)) = %v: want the same labels again", err)
		}
	})
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }
