// Package datatest gives tests the repository's MNIST fixture: a few hundred real digits in
// testdata/mnist-small, found from this file's place in the tree, so a test in any package
// loads it the same way.
package datatest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"alab/core/data"
)

// Dir is the fixture's directory (IDX files, as MNIST ships them).
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "mnist-small")
}

// Fixture loads the fixture's training and test digits, failing t if it cannot.
func Fixture(t testing.TB) (pool, test *data.Set) {
	t.Helper()
	pool, test, err := data.MNIST(Dir())
	if err != nil {
		t.Fatal(err)
	}
	return pool, test
}

// WritePNGs writes the images of s as PNG files in class folders, dir/<label>/%05d.png (its
// i-th image as i), and returns dir: the same digits as a labelled folder of images.
func WritePNGs(t testing.TB, dir string, s *data.Set) string {
	t.Helper()
	for i := range s.N {
		p := filepath.Join(dir, fmt.Sprint(s.Labels[i]), fmt.Sprintf("%05d.png", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		img := &image.Gray{Pix: s.Image(i), Stride: s.Cols, Rect: image.Rect(0, 0, s.Cols, s.Rows)}
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
