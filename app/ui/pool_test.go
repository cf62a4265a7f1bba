//go:build !wasm

package ui

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"alab/core/data"
	"alab/core/data/idx"
)

// fixture is the directory of the few hundred real MNIST digits kept for tests.
const fixture = "../../testdata/mnist-small"

// TestPoolImages checks the page's reader of the pool bundle against the engine's IDX
// decoder on real digits, gzip-compressed (as served) and not (as the browser hands them over).
func TestPoolImages(t *testing.T) {
	images := filepath.Join(fixture, "train-images-idx3-ubyte.gz")
	want, err := data.LoadIDX(images, filepath.Join(fixture, "train-labels-idx1-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile(images)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"gzip": gz, "raw": raw} {
		p, err := decodePoolImages(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.n != want.N {
			t.Fatalf("%s: %d digits, want %d", name, p.n, want.N)
		}
		for i := range want.N {
			got, err := p.digit(i)
			if err != nil || !bytes.Equal(got, want.Image(i)) {
				t.Fatalf("%s: digit %d differs from data.LoadIDX's (error %v)", name, i, err)
			}
		}
		for _, id := range []int{-1, want.N} {
			if _, err := p.digit(id); err == nil || !strings.Contains(err.Error(), "no digit") {
				t.Errorf("%s: digit(%d): error %v, want no such digit", name, id, err)
			}
		}
	}
}

func TestPoolImagesRejects(t *testing.T) {
	header := func(magic, n, rows, cols uint32) []byte {
		var b []byte
		for _, v := range []uint32{magic, n, rows, cols} {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		return b
	}
	two := append(header(idx.ImagesMagic, 2, 28, 28), make([]byte, 2*784)...)
	if p, err := decodePoolImages(two); err != nil || p.n != 2 {
		t.Fatalf("two blank digits: %v", err)
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "0 bytes: want a 16-byte images header"},
		{"short header", two[:15], "15 bytes"},
		{"labels file", append(header(idx.LabelsMagic, 2, 28, 28), make([]byte, 2*784)...), "bad IDX magic 0x00000801: want 0x00000803"},
		{"27×28", append(header(idx.ImagesMagic, 2, 27, 28), make([]byte, 2*27*28)...), "27×28 pixels: want 28×28"},
		{"truncated", two[:len(two)-1], "1567 bytes after the header: want 1568 for 2 digits"},
		{"trailing byte", append(two, 0), "1569 bytes after the header: want 1568 for 2 digits"},
		{"huge count", header(idx.ImagesMagic, 0xffffffff, 28, 28), "0 bytes after the header: want 3367254359280 for 4294967295 digits"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, "pool images: unexpected EOF"},
	} {
		_, err := decodePoolImages(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
