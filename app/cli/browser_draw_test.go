//go:build !wasm

package cli

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"alab/core/data"
	"alab/wasm/engine"
	"alab/wasm/msg"
	"alab/wasm/webfiles"
)

// The draw view's hooks (app/ui/doc.go's test contract).
const (
	jsDrawIdle = `document.querySelector('.lab.draw')?.dataset.engine === 'idle'`
	jsDrawPred = `(document.querySelector('[data-testid=draw-prediction]')?.dataset.pred ?? '')`
	jsWaiting  = `(document.querySelector('[data-testid=draw-waiting]')?.dataset.count ?? '')`
)

// TestBrowserDraw draws a "1" and a "0" on the draw view's canvas with the mouse (pointer
// events from the browser's input), on the shipped first network: each is read as drawn,
// with the MC spread, the five scores and the twins on screen within 100 ms of the pen
// lifting, and every number equal to the native engine's on the same 784 pixels read back
// from the page. "Label it" adds one drawn label that survives a reload and is in both exports.
func TestBrowserDraw(t *testing.T) {
	b := openTab(t, 5*time.Minute, func(h http.Handler) http.Handler { return h })
	native := nativeFirst(t)
	b.do(chromedp.Navigate(b.url + "/draw"))
	b.wait(jsDrawIdle, 120*time.Second)

	for _, want := range []int{1, 0} {
		if want == 0 {
			b.keys("c") // the keyboard's clear
		} else {
			b.do(chromedp.Click(`[data-testid=draw-clear]`))
		}
		b.wait(`document.querySelector('img[data-testid=draw-input]') === null`, 5*time.Second)
		b.drawDigit(want)
		b.wait(jsDrawPred+` !== '' && window.alabTest.probeShown > window.alabTest.strokeEnd`, 30*time.Second)
		ms, _ := strconv.ParseFloat(b.eval(`(window.alabTest.probeShown - window.alabTest.strokeEnd).toFixed(1)`), 64)
		// The goal, ≤ 100 ms, is logged; what fails is a probe that does not come back live.
		t.Logf("a drawn %d: on screen %.1f ms after the pen lifted (goal 100 ms; %s), %s ms of them in the worker's probe", want, ms,
			b.eval("(() => { const m = window.alabTest; return `input made in ${(m.probeSent - m.strokeEnd).toFixed(1)} ms, "+
				"answer back after ${(m.probeBack - m.probeSent).toFixed(1)} ms, shown after ${(m.probeShown - m.probeBack).toFixed(1)} ms`; })()"),
			b.eval(`document.querySelector('[data-testid=draw-prediction]').dataset.ms`))
		if ms > 3000 {
			t.Errorf("a drawn %d is on screen %.1f ms after the pen lifted: want ≤ 100 ms (3 s at the most on a loaded machine)", want, ms)
		}
		if got := b.eval(jsDrawPred); got != strconv.Itoa(want) {
			t.Errorf("a drawn %d is read as %s", want, got)
		}
		b.checkProbe(native, want)
		b.shot(fmt.Sprintf("draw-%d.png", want))
	}
	b.shot("draw.png")

	// Label it (the last drawing, a 0): one drawn label, kept over a reload, in both exports.
	pixels := b.eval(`document.querySelector('img[data-testid=draw-input]').dataset.pixels`)
	b.do(chromedp.Click(`[data-testid=draw-label] [data-label="0"]`))
	b.wait(jsWaiting+` === '1'`, 5*time.Second)
	b.do(chromedp.Reload())
	b.wait(jsWaiting+` !== ''`, 60*time.Second)
	if got := b.eval(jsWaiting); got != "1" {
		t.Errorf("after a reload, %s drawings are labelled: want 1", got)
	}
	b.do(chromedp.Navigate(b.url + "/"))
	b.wait(`document.querySelector('[data-testid=export-csv]') !== null`, 60*time.Second)
	b.wait(jsItems+`.length > 0`, 60*time.Second) // the lab holds its session: its exports answer
	rows, err := csv.NewReader(strings.NewReader(readFile(t, b.download("export-csv", "alab-labels.csv")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var drawn [][]string
	for _, r := range rows[1:] {
		if r[4] == "drawn" {
			drawn = append(drawn, r)
		}
	}
	if rows[0][5] != "pixels" || len(drawn) != 1 || drawn[0][0] != "-1" || drawn[0][1] != "0" || drawn[0][5] != pixels {
		t.Errorf("the CSV export's drawn rows: %d (header %v), want one labelled 0 with the drawing's pixels", len(drawn), rows[0])
	}
	var exp struct {
		Labels []struct {
			Label  *int   `json:"label"`
			Source string `json:"source"`
			Pixels []int  `json:"pixels"`
		} `json:"labels"`
	}
	if err := json.Unmarshal([]byte(readFile(t, b.download("export-json", "alab-labels.json"))), &exp); err != nil {
		t.Fatal(err)
	}
	drawnJSON := 0
	for _, l := range exp.Labels {
		if l.Source == "drawn" {
			drawnJSON++
			if l.Label == nil || *l.Label != 0 || len(l.Pixels) != 784 || pixelText(l.Pixels) != pixels {
				t.Errorf("the JSON export's drawn label: %v with %d pixels, want 0 with the drawing's 784", l.Label, len(l.Pixels))
			}
		}
	}
	if drawnJSON != 1 {
		t.Errorf("the JSON export has %d drawn labels, want 1", drawnJSON)
	}

	// The next submit in the lab sends the drawing with the batch: it trains from that
	// round on, in the session's labels (no longer waiting).
	b.wait(jsItems+`.length > 0`, 60*time.Second)
	before, _ := strconv.Atoi(b.eval(jsLabelled))
	n := digits(b.label(-1, false))
	// The lab shows the saved batch at once; its worker restores the session before it can take it.
	b.wait(`!document.querySelector('[data-testid=submit-batch]').disabled`, 60*time.Second)
	b.do(chromedp.Click(`[data-testid=submit-batch]`))
	b.wait(jsLabelled+` === '`+strconv.Itoa(before+n)+`' && `+jsItems+`.length > 0`, 60*time.Second)
	if got := b.eval(`(() => { const s = JSON.parse(localStorage.getItem('alab/session')); ` +
		`return (s.drawn || []).length + ' waiting, ' + s.labels.filter(l => l.image).map(l => l.label + ' in round ' + l.round).join(); })()`); got != "0 waiting, 0 in round 1" {
		t.Errorf("after the lab's submit, the session's drawings: %s, want 0 waiting, 0 in round 1", got)
	}

	// At 360 px: the view reflows, and a drawing still reads.
	if _, err := chromedp.Call(b.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: phoneW, Height: phoneH, DeviceScaleFactor: 2, Mobile: true,
	}); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(b.url + "/draw"))
	b.wait(jsDrawIdle, 120*time.Second)
	b.drawDigit(1)
	b.wait(jsDrawPred+` !== ''`, 30*time.Second)
	if w := b.eval(`document.documentElement.scrollWidth + ''`); w != strconv.Itoa(phoneW) {
		t.Errorf("the draw view is %s px wide on a %d px screen", w, phoneW)
	}
	b.shot("draw-phone.png")
}

// drawDigit draws digit (1 or 0) on the canvas with the mouse: one stroke, in the canvas's
// units (280×280) mapped to where it is on screen.
func (b *tab) drawDigit(digit int) {
	b.t.Helper()
	b.eval(`document.querySelector('[data-testid=draw-canvas]').scrollIntoView({block: 'center'}), ''`)
	box := strings.Split(b.eval(`(() => { const r = document.querySelector('[data-testid=draw-canvas]').getBoundingClientRect(); `+
		`return [r.left, r.top, r.width].join(','); })()`), ",")
	left, _ := strconv.ParseFloat(box[0], 64)
	top, _ := strconv.ParseFloat(box[1], 64)
	w, _ := strconv.ParseFloat(box[2], 64)
	var pts [][2]float64
	switch digit {
	case 1:
		for k := 0; k <= 20; k++ {
			pts = append(pts, [2]float64{140 + 4*float64(k)/20, 40 + 200*float64(k)/20})
		}
	default:
		for k := 0; k <= 48; k++ {
			a := 2 * math.Pi * float64(k) / 48
			pts = append(pts, [2]float64{140 + 70*math.Sin(a), 140 - 95*math.Cos(a)})
		}
	}
	send := func(typ input.DispatchMouseEventType, p [2]float64, buttons int64) {
		params := input.DispatchMouseEventParams{Type: typ, X: left + p[0]*w/280, Y: top + p[1]*w/280, Buttons: buttons}
		if typ != input.DispatchMouseEventTypeMouseMoved {
			params.Button, params.ClickCount = input.MouseButtonLeft, 1
		}
		if _, err := chromedp.Call(b.ctx, input.DispatchMouseEvent, params); err != nil {
			b.t.Fatal(err)
		}
	}
	send(input.DispatchMouseEventTypeMouseMoved, pts[0], 0)
	send(input.DispatchMouseEventTypeMousePressed, pts[0], 1)
	for _, p := range pts[1:] {
		send(input.DispatchMouseEventTypeMouseMoved, p, 1)
	}
	send(input.DispatchMouseEventTypeMouseReleased, pts[len(pts)-1], 0)
}

// checkProbe reads the numbers on the draw view and the pixels they were computed from,
// and checks them against the native engine's probe of those pixels.
func (b *tab) checkProbe(e *engine.Engine, want int) {
	t := b.t
	t.Helper()
	px := strings.Fields(b.eval(`document.querySelector('img[data-testid=draw-input]').dataset.pixels`))
	if len(px) != 784 {
		t.Fatalf("the page's input has %d pixels, want 784", len(px))
	}
	img := make([]byte, 784)
	for k, s := range px {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 || v > 255 {
			t.Fatalf("the input's pixel %d is %q", k, s)
		}
		img[k] = byte(v)
	}
	start := time.Now()
	p, err := e.Probe(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the native probe of a drawn %d takes %v", want, time.Since(start))
	floats := func(expr string) []float64 {
		var out []float64
		for _, s := range strings.Fields(b.eval(expr)) {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%s: %q", expr, s)
			}
			out = append(out, v)
		}
		return out
	}
	// wasm and amd64 may differ in the last bits (fused multiply-add): a tolerance.
	const tol = 1e-4
	near := func(what string, got []float64, want []float64) {
		if len(got) != len(want) {
			t.Errorf("%s: the page shows %d numbers, the engine has %d", what, len(got), len(want))
			return
		}
		for k := range got {
			if math.Abs(got[k]-want[k]) > tol*max(1, math.Abs(want[k])) {
				t.Errorf("%s[%d]: the page shows %v, the native engine %v", what, k, got[k], want[k])
			}
		}
	}
	near("softmax", floats(`document.querySelector('[data-testid=draw-softmax]').dataset.values`), p.Softmax[:])
	near("MC mean", floats(`document.querySelector('[data-testid=draw-mc]').dataset.mean`), p.Mean[:])
	std := floats(`document.querySelector('[data-testid=draw-mc]').dataset.std`)
	near("MC spread", std, p.Std[:])
	if p.Pred != want {
		t.Errorf("the native engine reads the page's drawn %d as %d", want, p.Pred)
	}
	if spread := std[p.Pred]; spread <= 0 {
		t.Errorf("the MC spread of the predicted class is %v: want the passes to differ", spread)
	}
	scores := strings.Split(b.eval(`[...document.querySelectorAll('[data-testid=draw-scores] li')].map(l => l.dataset.name + ' ' + l.dataset.value).join('\n')`), "\n")
	if len(scores) != 5 || len(p.Scores) != 5 {
		t.Fatalf("the page shows %d scores, the engine has %d: want 5", len(scores), len(p.Scores))
	}
	for i, line := range scores {
		f := strings.Fields(line)
		s := p.Scores[i]
		v, _ := strconv.ParseFloat(f[1], 64)
		rank, _ := strconv.Atoi(f[2])
		if f[0] != s.Name || math.Abs(v-s.Value) > tol || math.Abs(float64(rank-s.Rank)) > 1 || f[3] != strconv.Itoa(s.Of) {
			t.Errorf("score %d: the page shows %q, the native engine %s %v rank %d of %d", i, line, s.Name, s.Value, s.Rank, s.Of)
		}
	}
	t.Logf("a drawn %d: %s", want, strings.ReplaceAll(strings.Join(scores, "; "), "\n", "; "))
	for _, tw := range []struct {
		method string
		twin   msg.Twin
	}{{"FGSM", p.FGSM}, {"DeepFool", p.Deep}} {
		sel := `[data-method=` + tw.method + `]`
		to := b.eval(`document.querySelector('[data-testid=draw-twin]` + sel + `')?.dataset.to ?? 'none'`)
		dist := floats(`document.querySelector('[data-testid=draw-distance]` + sel + `')?.dataset.value ?? ''`)
		if to != strconv.Itoa(tw.twin.To) || len(dist) != 1 || math.Abs(dist[0]-tw.twin.Distance) > 1e-3 {
			t.Errorf("%s twin: the page shows → %s at %v, the native engine → %d at %v", tw.method, to, dist, tw.twin.To, tw.twin.Distance)
			continue
		}
		if to == strconv.Itoa(want) || dist[0] <= 0 {
			t.Errorf("%s twin of a drawn %d: → %s at %v, want another class at a distance > 0", tw.method, want, to, dist[0])
		}
		t.Logf("%s twin of a drawn %d: → %s at L2 %.3f", tw.method, want, to, dist[0])
	}
}

// nativeFirst is the engine of a first visit, natively: the shipped bundle and first
// network of web/, the default settings, round 0 queried.
func nativeFirst(t *testing.T) *engine.Engine {
	t.Helper()
	open := func(name string) *os.File {
		f, err := os.Open(filepath.Join(webDir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	var sets [2]*data.Set
	for i := range sets {
		pix, n, rows, cols, err := data.DecodeImages(open(webfiles.Bundle[2*i]))
		if err != nil {
			t.Fatal(err)
		}
		labels, err := data.DecodeLabels(open(webfiles.Bundle[2*i+1]))
		if err != nil {
			t.Fatal(err)
		}
		sets[i] = &data.Set{N: n, Rows: rows, Cols: cols, Pix: pix, Labels: labels}
	}
	st, err := engine.ReadStart(gunzip(t, open(webfiles.FirstNet)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e, err := engine.New(ctx, engine.Config{Start: st}, sets[0], sets[1], msg.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Query(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func pixelText(px []int) string {
	s := make([]string, len(px))
	for k, v := range px {
		s[k] = strconv.Itoa(v)
	}
	return strings.Join(s, " ")
}

// gunzip reads the gzip stream r.
func gunzip(t *testing.T, r io.Reader) io.Reader {
	t.Helper()
	z, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	return z
}
