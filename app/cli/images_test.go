//go:build !wasm

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"alab/core/data/datatest"
)

// alab run --images on the fixture's digits as PNG class folders gives the curves alab run
// --data gives on the fixture's IDX files: the same pixels, the same numbers.
func TestRunImagesIsRunData(t *testing.T) {
	dir := t.TempDir()
	pool, test := datatest.Fixture(t)
	trainDir := datatest.WritePNGs(t, filepath.Join(dir, "train"), pool)
	testDir := datatest.WritePNGs(t, filepath.Join(dir, "test"), test)
	if err := os.WriteFile(filepath.Join(trainDir, "3", "notes.txt"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	sweep := []string{"run", "--strategies", "random,margin", "--init", "10", "--batch", "5",
		"--rounds", "2", "--pool-subset", "60", "--steps", "10", "--test-limit", "100"}
	fromIDX, fromImages := filepath.Join(dir, "idx"), filepath.Join(dir, "images")
	if code, _, errOut := alab(append(sweep, "--data", fixture, "--out", fromIDX)...); code != 0 {
		t.Fatalf("run --data: exit %d: %s", code, errOut)
	}
	code, _, errOut := alab(append(sweep, "--images", trainDir, "--test-images", testDir, "--out", fromImages)...)
	if code != 0 {
		t.Fatalf("run --images: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"skipped data: " + filepath.Join(trainDir, "3", "notes.txt"), "500 images of 10 classes (0, 1, 2, 3, 4, 5, 6, 7, … (2 more)) to label, 200 to test on"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("run --images said %q: want %q", errOut, want)
		}
	}
	want := withoutTimings(t, filepath.Join(fromIDX, "curves.csv"))
	if got := withoutTimings(t, filepath.Join(fromImages, "curves.csv")); len(want) != 2*3 || !reflect.DeepEqual(got, want) {
		t.Errorf("the images' curves differ from the IDX files':\n%v\n%v", got, want)
	}

	// Without test images, every fifth image of each class is held out.
	var perClass [10]int
	for _, l := range pool.Labels {
		perClass[l]++
	}
	held := 0
	for _, n := range perClass {
		held += n / 5
	}
	wantSplit := fmt.Sprintf("%d images of 10 classes (0, 1, 2, 3, 4, 5, 6, 7, … (2 more)) to label, %d to test on", pool.N-held, held)
	code, _, errOut = alab(append(sweep, "--images", trainDir, "--out", filepath.Join(dir, "held"))...)
	if code != 0 || !strings.Contains(errOut, wantSplit) {
		t.Errorf("run --images without a test set: exit %d, %q: want %q", code, errOut, wantSplit)
	}
}

func TestRunImagesRefuses(t *testing.T) {
	dir := t.TempDir()
	pool, _ := datatest.Fixture(t)
	digits := datatest.WritePNGs(t, filepath.Join(dir, "digits"), pool)
	eleven := datatest.WritePNGs(t, filepath.Join(dir, "eleven"), pool.Head(30))
	if err := os.Rename(filepath.Join(eleven, "0"), filepath.Join(eleven, "10")); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(eleven, "11"), os.DirFS(filepath.Join(eleven, "10"))); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--images", digits, "--data", fixture}, "--data and --images: give one"},
		{[]string{"--test-images", digits}, "--test-images needs --images"},
		{[]string{"--background", "dark"}, "--background needs --images"},
		{[]string{"--images", digits, "--background", "grey"}, `unknown background "grey": want auto, dark or light`},
		{[]string{"--images", filepath.Join(dir, "none")}, "none"},
		{[]string{"--images", eleven}, "has 11 classes: the networks have 10 outputs"},
	} {
		code, stdout, errOut := alab(append([]string{"run", "--out", out}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) || stdout != "" || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("alab run %s: exit %d, stderr %q: want a one-line error containing %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
}
