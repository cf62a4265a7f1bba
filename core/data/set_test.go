package data

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"alab/core/internal/race"
)

// tiny is 3 images of 2x2 with labels 0, 1, 2.
func tiny() *Set {
	return &Set{N: 3, Rows: 2, Cols: 2, Labels: []uint8{0, 1, 2},
		Pix: []uint8{0, 1, 2, 3, 10, 11, 12, 13, 255, 254, 253, 0}}
}

func TestHead(t *testing.T) {
	s := tiny()
	for _, c := range []struct{ n, want int }{{0, 0}, {2, 2}, {3, 3}, {10, 3}} {
		h := s.Head(c.n)
		if h.N != c.want || len(h.Labels) != c.want || len(h.Pix) != c.want*4 || h.Validate(3) != nil {
			t.Errorf("Head(%d) = %+v: want %d images", c.n, h, c.want)
		}
	}
	if h := s.Head(2); !bytes.Equal(h.Image(1), []uint8{10, 11, 12, 13}) {
		t.Errorf("Head(2).Image(1) = %v", h.Image(1))
	}
}

func TestSubset(t *testing.T) {
	s := tiny()
	sub := s.Subset([]int{2, 0, 2})
	want := &Set{N: 3, Rows: 2, Cols: 2, Labels: []uint8{2, 0, 2},
		Pix: []uint8{255, 254, 253, 0, 0, 1, 2, 3, 255, 254, 253, 0}}
	equalSets(t, "Subset", sub, want)
	sub.Pix[0] = 7
	if s.Pix[8] != 255 {
		t.Error("Subset shares memory with its source")
	}
	if e := s.Subset(nil); e.N != 0 || e.Validate(3) != nil {
		t.Errorf("Subset(nil) = %+v: want an empty set", e)
	}
}

func TestToFloat32To(t *testing.T) {
	s := tiny()
	dst := make([]float32, 9) // one more than needed: left alone
	dst[8] = -1
	s.ToFloat32To(dst, []int{2, 0})
	want := []float32{1, 254.0 / 255, 253.0 / 255, 0, 0, 1.0 / 255, 2.0 / 255, 3.0 / 255, -1}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("ToFloat32To wrote %v: want %v", dst, want)
		}
	}
	ids := []int{0, 1, 2}
	if a := testing.AllocsPerRun(100, func() { s.ToFloat32To(dst, ids[:2]) }); a != 0 && !race.Enabled {
		t.Errorf("ToFloat32To allocates %v times per call: want 0", a)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "len(dst) = 9: want at least 12") {
			t.Errorf("ToFloat32To with a short dst: panic %v", r)
		}
	}()
	s.ToFloat32To(dst, ids)
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name    string
		s       *Set
		classes int
		want    string
	}{
		{"ok", tiny(), 3, ""},
		{"no class check", &Set{N: 1, Rows: 1, Cols: 1, Labels: []uint8{200}, Pix: []uint8{0}}, 0, ""},
		{"label too big", tiny(), 2, "data: label 2 of image 2 out of range: want < 2 classes"},
		{"labels short", &Set{N: 2, Rows: 1, Cols: 1, Labels: []uint8{1}, Pix: []uint8{0, 0}}, 0,
			"data: set has 1 labels: want N = 2"},
		{"pixels short", &Set{N: 2, Rows: 1, Cols: 2, Labels: []uint8{1, 1}, Pix: []uint8{0, 0}}, 0,
			"data: set has 2 pixels: want N*Rows*Cols = 2*1*2 = 4"},
		{"negative", &Set{N: -1}, 0, "data: set has negative size N=-1"},
	} {
		err := c.s.Validate(c.classes)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: Validate(%d) = %v: want %q", c.name, c.classes, err, c.want)
		}
	}
}

func BenchmarkToFloat32To(b *testing.B) {
	s := &Set{N: 256, Rows: 28, Cols: 28, Labels: make([]uint8, 256), Pix: make([]uint8, 256*28*28)}
	for _, batch := range []int{32, 256} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			ids := make([]int, batch)
			for i := range ids {
				ids[i] = i
			}
			dst := make([]float32, batch*28*28)
			b.ReportAllocs()
			b.SetBytes(int64(batch * 28 * 28))
			for b.Loop() {
				s.ToFloat32To(dst, ids)
			}
		})
	}
}
