// Package datatest gives tests the repository's MNIST fixture: a few hundred real digits in
// testdata/mnist-small, found from this file's place in the tree, so a test in any package
// loads it the same way.
package datatest

import (
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
