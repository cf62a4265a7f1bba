package idx_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"alab/core/data/idx"
)

func header(magic, n, rows, cols uint32) []byte {
	var b []byte
	for _, v := range []uint32{magic, n, rows, cols} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

func TestReadImagesHeader(t *testing.T) {
	h, err := idx.ReadImagesHeader(append(header(idx.ImagesMagic, 3, 28, 27), 9))
	if err != nil || h != (idx.ImagesHeader{N: 3, Rows: 28, Cols: 27}) || h.Size() != 16+3*28*27 {
		t.Errorf("got %+v (size %d), %v; want 3 images of 28×27 in %d bytes", h, h.Size(), err, 16+3*28*27)
	}
	if h, _ := idx.ReadImagesHeader(header(idx.ImagesMagic, 0xffffffff, 0xffffffff, 0xffffffff)); h.Size() < 1<<63 {
		t.Errorf("the largest header claims %d bytes: the size must not overflow", h.Size())
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "0 bytes: want a 16-byte images header"},
		{"short", header(idx.ImagesMagic, 1, 1, 1)[:15], "15 bytes"},
		{"labels", header(idx.LabelsMagic, 1, 1, 1), "bad IDX magic 0x00000801: want 0x00000803"},
	} {
		if _, err := idx.ReadImagesHeader(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
