// Package datatest gives tests the repository's MNIST fixture: a few hundred real digits in
// testdata/mnist-small, found from this file's place in the tree, so a test in any package
// loads it the same way.
package datatest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
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

// WriteFlatPNGs writes the images of s as PNG files straight in dir, each under a random
// name drawn from seed (dir/<16 hex digits>.png), and returns the names by image: an
// unlabelled folder whose order (by name) says nothing of the images' order or labels.
func WriteFlatPNGs(t testing.TB, dir string, s *data.Set, seed uint64) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	names := make([]string, s.N)
	for i := range s.N {
		names[i] = fmt.Sprintf("%016x.png", rng.Uint64())
		writePNG(t, filepath.Join(dir, names[i]), s, i)
	}
	return names
}

func writePNG(t testing.TB, path string, s *data.Set, i int) {
	t.Helper()
	var b bytes.Buffer
	img := &image.Gray{Pix: s.Image(i), Stride: s.Cols, Rect: image.Rect(0, 0, s.Cols, s.Rows)}
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
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
		writePNG(t, p, s, i)
	}
	return dir
}
