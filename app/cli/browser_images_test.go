//go:build !wasm

package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The import's hooks (app/ui/doc.go's test contract).
const (
	jsNames       = `Array.from(` + jsItems + `).map(e => e.dataset.name).join('\n')`
	jsImported    = `(document.querySelector('[data-testid=import-summary]')?.dataset.images ?? '')`
	jsAccuracyFor = `document.querySelector('[data-testid=test-accuracy]').nextElementSibling.textContent`
)

// TestBrowserImages labels a person's own images: a folder of 300 PNG files with random
// names, made from MNIST test digits (and a file that is no image and one too large), picked
// through the file input with 10 class names
// typed in; the import converts them, keeps them in the browser and starts a session on
// them; three batches are labelled from the keyboard (each image's class is its digit's);
// the held-out estimate shows with its interval; a reload restores images and labels; the
// CSV and JSON exports name each file with its class; and the way back to MNIST finds MNIST's
// session.
func TestBrowserImages(t *testing.T) {
	b := openTab(t, 6*time.Minute, func(h http.Handler) http.Handler { return h })
	classes := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 7))
	truth := map[string]int{}
	var paths []string
	for i := range 300 {
		name := fmt.Sprintf("%016x.png", rng.Uint64())
		img := &image.Gray{Pix: slices.Clone(b.mnistTest.Image(i)), Stride: 28, Rect: image.Rect(0, 0, 28, 28)}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
		truth[name] = int(b.mnistTest.Labels[i])
		paths = append(paths, filepath.Join(dir, name))
	}
	// And one that is not an image, and one too large (refused from its header): skipped,
	// named, and the rest still loads.
	bad := filepath.Join(dir, "notes.png")
	if err := os.WriteFile(bad, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "poster.png")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 5000, 5000))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	paths = append(paths, bad, huge)

	b.do(chromedp.Navigate(b.url + "/"))
	b.wait(jsItems+`.length > 0`, 120*time.Second) // MNIST's first batch: a session to come back to
	mnistIDs := b.eval(jsIDs)
	b.do(chromedp.SetValue(`[data-testid=class-names]`, strings.Join(classes, ", ")))
	b.eval(`document.querySelector('[data-testid=class-names]').dispatchEvent(new Event('input', {bubbles: true})), ''`)
	start := time.Now()
	b.do(chromedp.SetUploadFiles(`[data-testid=import-files]`, paths))
	b.waitReload(jsImported+` === '300' && `+jsItems+`.length === 10`, 120*time.Second) // the page reloads on its images
	t.Logf("300 images imported and a first batch on screen %.1f s after the files were chosen", time.Since(start).Seconds())
	if got := b.eval(`document.querySelector('[data-testid=import-summary]').dataset.skipped`); got != "2" {
		t.Errorf("the import skipped %s files: want 2 (notes.png, poster.png)", got)
	}
	panel := b.eval(`document.querySelector('[data-testid=import-panel]').textContent`)
	for _, want := range []string{"notes.png: not a PNG, JPEG or GIF image", "poster.png: PNG image of 5000×5000 pixels: want at most 4096×4096"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the import panel does not say %q: %q", want, panel)
		}
	}
	if n := b.eval(`String(document.querySelectorAll('[data-testid=import-panel] .preview img').length)`); n != "12" {
		t.Errorf("%s images shown as the network sees them: want 12", n)
	}

	labelled := map[string]int{}
	for round := 1; round <= 3; round++ {
		b.wait(jsItems+`.length === 10 && `+jsAnswers+` === '`+strings.Repeat("?,", 9)+`?'`, 60*time.Second)
		for _, name := range strings.Split(b.eval(jsNames), "\n") {
			want, ok := truth[name]
			if !ok {
				t.Fatalf("round %d: the batch shows %q, not one of the files", round, name)
			}
			b.keys(strconv.Itoa(want)) // the focus moves on by itself
			labelled[name] = want
		}
		b.wait(`!`+jsAnswers+`.split(',').includes('?')`, 10*time.Second)
		answers := strings.Split(b.eval(jsAnswers), ",")
		for i, name := range strings.Split(b.eval(jsNames), "\n") {
			if answers[i] != classes[truth[name]] {
				t.Errorf("round %d: %s shows answer %q: want %q", round, name, answers[i], classes[truth[name]])
			}
		}
		b.submit()
	}
	// The estimate of the network trained on the 30 labels comes after its batch: 6 held out.
	b.wait(jsLabelled+` === '30' && `+jsAccuracyFor+`.includes('on 6 of your labels')`, 60*time.Second)
	estimate := b.eval(jsAccuracyFor)
	t.Logf("after 30 labels: %s %s", b.eval(jsAccuracy), estimate)
	if !strings.Contains(estimate, "held-out accuracy (95 %:") || !strings.Contains(estimate, "on 6 of your labels") {
		t.Errorf("the accuracy reads %q: want the held-out estimate on 6 labels with its interval", estimate)
	}
	b.shot("images.png")

	onScreen := b.eval(jsNames)
	b.do(chromedp.Reload())
	b.wait(jsItems+`.length === 10 && `+jsImported+` === '300'`, 120*time.Second)
	if got := b.eval(jsLabelled); got != "30" {
		t.Errorf("after a reload %s labels: want 30", got)
	}
	if got := b.eval(jsNames); got != onScreen {
		t.Errorf("after a reload the batch shows\n%s\nwant\n%s", got, onScreen)
	}

	// A labelled folder to test on, picked as a folder: one subfolder per class, named as the
	// classes, and one that is not a class (skipped, named).
	testDir := filepath.Join(t.TempDir(), "mytest")
	for i := 300; i < 400; i++ {
		class := classes[b.mnistTest.Labels[i]]
		if i == 399 {
			class = "ten"
		}
		p := filepath.Join(testDir, class, fmt.Sprintf("t%03d.png", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, &image.Gray{Pix: slices.Clone(b.mnistTest.Image(i)), Stride: 28, Rect: image.Rect(0, 0, 28, 28)}); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	b.do(chromedp.SetUploadFiles(`[data-testid=import-test]`, []string{testDir}))
	b.wait(`document.querySelector('[data-testid=import-summary]').dataset.test === '99' && `+jsAccuracy+` !== '–'`, 60*time.Second)
	if got := b.eval(jsAccuracyFor); got != "test accuracy on 99 labelled images of yours" {
		t.Errorf("with a test folder the accuracy reads %q: want it measured on the 99 test images", got)
	}
	if got := b.eval(`document.querySelector('[data-testid=import-summary]').textContent`); !strings.Contains(got, `ten/t399.png: class folder "ten" is not one of the classes`) {
		t.Errorf("the summary does not name the skipped test file: %q", got)
	}
	t.Logf("with the test folder: %s %s", b.eval(jsAccuracy), b.eval(jsAccuracyFor))

	rows, err := csv.NewReader(strings.NewReader(readFile(t, b.download("export-csv", "alab-labels.csv")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 31 || strings.Join(rows[0], ",") != "file,label,class,round,seconds,source" {
		t.Fatalf("the CSV export has %d rows, header %v: want 30 labels naming their files", len(rows)-1, rows[0])
	}
	for _, r := range rows[1:] {
		if want, ok := labelled[r[0]]; !ok || r[1] != strconv.Itoa(want) || r[2] != classes[want] {
			t.Errorf("CSV row %v: want one of the labelled files with its class", r)
		}
	}
	var exp struct {
		Classes []string `json:"classes"`
		Labels  []struct {
			File  string `json:"file"`
			Class string `json:"class"`
			Label *int   `json:"label"`
		} `json:"labels"`
	}
	if err := json.Unmarshal([]byte(readFile(t, b.download("export-json", "alab-labels.json"))), &exp); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(exp.Classes, classes) || len(exp.Labels) != 30 {
		t.Errorf("the JSON export has classes %v and %d labels: want the ten names and 30", exp.Classes, len(exp.Labels))
	}
	for _, l := range exp.Labels {
		if want, ok := labelled[l.File]; !ok || l.Label == nil || *l.Label != want || l.Class != classes[want] {
			t.Errorf("JSON label %+v: want one of the labelled files with its class", l)
		}
	}

	b.do(chromedp.Click(`[data-testid=switch-dataset]`))
	b.waitReload(jsItems+`.length > 0 && `+jsImported+` === ''`, 120*time.Second)
	if got := b.eval(jsIDs); got != mnistIDs {
		t.Errorf("back on MNIST the batch is %s: want MNIST's session's, %s", got, mnistIDs)
	}
}

// waitReload is wait across a reload of the page: it polls expr on whatever page is there,
// retrying while the old one goes and the new one comes.
func (b *tab) waitReload(expr string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.shot("failed.png")
	b.t.Fatalf("waiting for %s across a reload: timeout", expr)
}
