package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"alab/core/internal/alloc"
)

// hostileGzip returns a gzip'd IDX images file whose header declares MaxCount 28×28 images,
// which its stream really holds (822 MB of zeros, under a megabyte compressed), followed by
// one byte of trailing data.
func hostileGzip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	hdr := binary.BigEndian.AppendUint32(nil, ImagesMagic)
	for _, d := range []uint32{MaxCount, Side, Side} {
		hdr = binary.BigEndian.AppendUint32(hdr, d)
	}
	zw.Write(hdr)
	zeros := make([]byte, Side*Side<<10)
	for range MaxCount >> 10 {
		zw.Write(zeros)
	}
	zw.Write([]byte{1})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 10<<20 {
		t.Fatalf("hostile file is %d bytes: want at most 10 MB", buf.Len())
	}
	return buf.Bytes()
}

// TestDecodeHostileGzip decodes a small gzip'd IDX file that would inflate to 822 MB and
// then has trailing data, from memory and from a file: each is refused from its header and
// its compressed size, having allocated far less than the body it declares.
func TestDecodeHostileGzip(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 822 MB")
	}
	b := hostileGzip(t)
	want := fmt.Sprintf("data: images file: header claims 1048576 images of 28x28 (822083584 bytes) from %d compressed bytes: want at most 16 times the compressed size", len(b))
	var err error
	if a := alloc.Bytes(func() { _, _, _, _, err = DecodeImages(bytes.NewReader(b)) }); a > 300<<20 {
		t.Errorf("DecodeImages allocated %d MB for a %d-byte file: want under 300 MB", a>>20, len(b))
	}
	if err == nil || err.Error() != want {
		t.Errorf("DecodeImages error = %v: want %q", err, want)
	}

	dir := t.TempDir()
	images, labels := filepath.Join(dir, "images.gz"), filepath.Join(dir, "labels")
	if err := os.WriteFile(images, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(labels, idx(LabelsMagic, []uint32{1}, []byte{0}), 0o644); err != nil {
		t.Fatal(err)
	}
	if a := alloc.Bytes(func() { _, err = LoadIDX(images, labels) }); a > 300<<20 {
		t.Errorf("LoadIDX allocated %d MB for a %d-byte file: want under 300 MB", a>>20, len(b))
	}
	if want := "data: " + images + ": " + want[len("data: "):]; err == nil || err.Error() != want {
		t.Errorf("LoadIDX error = %v: want %q", err, want)
	}
}

// TestMNISTChecksSideFirst gives MNIST a training images file of 2^20 images of 32×32 that
// holds only its header: the size is refused from the header.
func TestMNISTChecksSideFirst(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		TrainImagesFile: idx(ImagesMagic, []uint32{MaxCount, 32, 32}, nil),
		TrainLabelsFile: idx(LabelsMagic, []uint32{1}, []byte{0}),
		TestImagesFile:  idx(ImagesMagic, []uint32{1, Side, Side}, make([]byte, Side*Side)),
		TestLabelsFile:  idx(LabelsMagic, []uint32{1}, []byte{0}),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := MNIST(dir)
	want := "data: " + filepath.Join(dir, TrainImagesFile) + ": images file holds images of 32x32: want 28x28"
	if err == nil || err.Error() != want {
		t.Errorf("MNIST error = %v: want %q", err, want)
	}
}
