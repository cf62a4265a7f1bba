package cli

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"alab/core/data/datatest"
	"alab/core/nn"
	"alab/core/query"
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
	// 101 classes of one digit each: more than a network's outputs.
	many := filepath.Join(dir, "many")
	for c := range nn.MaxClasses + 1 {
		one := pool.Subset([]int{c})
		one.Labels[0] = 0
		datatest.WritePNGs(t, filepath.Join(many, fmt.Sprintf("c%03d", c)), one)
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
		{[]string{"--images", many, "--test-images", many}, "has 101 classes: the networks have at most 100 outputs"},
	} {
		code, stdout, errOut := alab(append([]string{"run", "--out", out}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) || stdout != "" || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("alab run %s: exit %d, stderr %q: want a one-line error containing %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
}

// A folder of three classes trains a network of three outputs, and every strategy runs on it.
func TestImagesOfThreeClasses(t *testing.T) {
	dir := t.TempDir()
	pool, _ := datatest.Fixture(t)
	var ids []int
	for i, l := range pool.Labels {
		if l < 3 {
			ids = append(ids, i)
		}
	}
	three := datatest.WritePNGs(t, filepath.Join(dir, "three"), pool.Subset(ids))
	for c, name := range []string{"zero", "one", "two"} {
		if err := os.Rename(filepath.Join(three, fmt.Sprint(c)), filepath.Join(three, name)); err != nil {
			t.Fatal(err)
		}
	}
	model := filepath.Join(dir, "m.npz")
	code, _, errOut := alab("train", "--images", three, "--epochs", "3", "--batch", "16", "--json", "--out", model)
	if code != 0 {
		t.Fatalf("train --images: exit %d: %s", code, errOut)
	}
	net, err := loadModel(model)
	if err != nil || net.Outputs() != 3 {
		t.Fatalf("the model of a 3-class folder: %v, %d outputs", err, net.Outputs())
	}
	code, _, errOut = alab("run", "--images", three, "--strategies", strings.Join(query.Names(), ","), "--init", "6",
		"--batch", "3", "--rounds", "1", "--pool-subset", "40", "--steps", "5", "--mc-samples", "3", "--out", filepath.Join(dir, "run"))
	if code != 0 {
		t.Fatalf("run --images with every strategy on 3 classes: exit %d: %s", code, errOut)
	}
	rows := withoutTimings(t, filepath.Join(dir, "run", "curves.csv"))
	if len(rows) != 2*len(query.Names()) {
		t.Errorf("%d rows: want 2 rounds of %d strategies", len(rows), len(query.Names()))
	}
	for _, r := range rows {
		if r.LabelEntropy > math.Log(3)+1e-9 {
			t.Errorf("%s round %d: label entropy %v above ln 3", r.Strategy, r.Round, r.LabelEntropy)
		}
	}
}
