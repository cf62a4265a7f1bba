//go:build !wasm

package cli

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Phone is the viewport of TestBrowserPhone, in CSS pixels: a small phone held upright.
const phoneW, phoneH = 360, 740

// TestBrowserPhone labels batches as a person does on a phone: at 360×740 CSS pixels with
// touch, every answer is a tap on the answer bar, which stays on screen with the highlighted
// digit above it while the person never scrolls; the page is no wider than the screen; and
// every chart's text is at least 11 px as shown.
func TestBrowserPhone(t *testing.T) {
	b := openTab(t, 6*time.Minute, func(h http.Handler) http.Handler { return h })
	if _, err := chromedp.Call(b.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: phoneW, Height: phoneH, DeviceScaleFactor: 2, Mobile: true,
		ScreenOrientation: &emulation.ScreenOrientation{Type: emulation.ScreenOrientationTypePortraitPrimary},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{
		Enabled: true, MaxTouchPoints: 5,
	}); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(b.url + "/"))
	b.wait(jsItems+`.length > 0`, 90*time.Second)
	if got := b.eval(`innerWidth + 'x' + innerHeight + (matchMedia('(pointer: coarse)').matches ? ' touch' : '')`); got != fmt.Sprintf("%dx%d touch", phoneW, phoneH) {
		t.Fatalf("the viewport is %s, want %dx%d with touch", got, phoneW, phoneH)
	}

	// Round 1: the first digit is a wrong tap, undone; every other one gets MNIST's label.
	first := true
	b.tapLabels(func(truth int) []string {
		if first {
			first = false
			return []string{"key-" + strconv.Itoa((truth+1)%10), "key-undo", "key-" + strconv.Itoa(truth)}
		}
		return []string{"key-" + strconv.Itoa(truth)}
	})
	b.save("phone.png", b.viewShot())
	b.tapSubmit()
	b.wait(jsLabelled+` === '30'`, 5*time.Second)
	// Round 2, with an unreadable digit, so the map, the curve and the person's score have
	// two rounds to show.
	skipped := false
	b.tapLabels(func(truth int) []string {
		if !skipped {
			skipped = true
			return []string{"key-skip"}
		}
		return []string{"key-" + strconv.Itoa(truth)}
	})
	b.tapSubmit()
	b.wait(jsLabelled+` === '39'`, 5*time.Second)
	b.wait(`document.querySelector('[data-testid=redundancy-map]').dataset.round === '2' && `+jsPoints+` >= 3`, 60*time.Second)
	if w := b.eval(`document.documentElement.scrollWidth + ''`); w != strconv.Itoa(phoneW) {
		t.Errorf("the page is %s px wide on a %d px screen: it must reflow, not scroll sideways", w, phoneW)
	}
	b.chartText("lab")
	b.shot("phone-page.png")

	// The race's chart, in the other view, whose tab is at the top of the page.
	b.eval(`scrollTo(0, 0), ''`)
	b.tap("race-tab")
	b.wait(`document.querySelector('[data-testid=race-chart] svg') !== null`, 10*time.Second)
	b.chartText("race")
	b.shot("phone-race.png")
}

// tapLabels answers every open digit of the batch on screen by tapping the answer bar's
// buttons that answers returns for its MNIST label. Before each tap it checks that the
// button is on screen and that the highlighted digit shows above the bar, in the bar's
// picture of it, and as its card — the page, not the person, scrolls the card into view.
func (b *tab) tapLabels(answers func(truth int) []string) {
	b.t.Helper()
	for range strings.Split(b.eval(jsIDs), ",") {
		focused := b.eval(`document.querySelector('.card.focus')?.dataset.id ?? ''`)
		i, err := strconv.Atoi(focused)
		if err != nil || i < 0 || i >= b.mnist.N {
			b.t.Fatalf("the highlighted card is %q", focused)
		}
		if b.eval(`document.querySelector('.card.focus').dataset.answer`) != "?" {
			break // every digit is answered
		}
		for _, key := range answers(int(b.mnist.Labels[i])) {
			before := b.eval(jsAnswers)
			b.wait(`(() => { const c = document.querySelector('.card.focus').getBoundingClientRect(), `+
				`bar = document.querySelector('[data-testid=answer-bar]').getBoundingClientRect(); `+
				`return c.top >= 0 && c.bottom <= bar.top + 1; })()`, 5*time.Second)
			if got := b.eval(`document.querySelector('.bar-digit img')?.src === document.querySelector('.card.focus img.digit').src ? 'same' : 'other'`); got != "same" {
				b.t.Errorf("the answer bar shows another digit than the highlighted card #%d", i)
			}
			b.tap(key)
			b.wait(jsAnswers+` !== '`+before+`'`, 5*time.Second)
		}
	}
}

// tapSubmit taps the submit button and waits for the next batch.
func (b *tab) tapSubmit() {
	b.t.Helper()
	before := b.eval(jsIDs)
	b.tap("submit-batch")
	b.wait(jsIDs+` !== '`+before+`' && `+jsItems+`.length > 0`, 60*time.Second)
}

// tap taps the element with the given data-testid where it is, after checking that it is
// on screen: the test never scrolls, as a person with the answers in reach does not.
func (b *tab) tap(testid string) {
	b.t.Helper()
	spot := b.eval(`(() => { const e = document.querySelector('[data-testid=` + testid + `]'); if (!e) return 'missing'; ` +
		`const r = e.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2; ` +
		`if (r.top < 0 || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth) return 'off screen: ' + [r.left, r.top, r.right, r.bottom].map(Math.round); ` +
		`if (document.elementFromPoint(x, y)?.closest('[data-testid]') !== e) return 'covered'; ` +
		`return [x, y].join(','); })()`)
	xy := strings.Split(spot, ",")
	if len(xy) != 2 {
		b.shot("failed.png")
		b.t.Fatalf("tapping %s: it is %s", testid, spot)
	}
	x, _ := strconv.ParseFloat(xy[0], 64)
	y, _ := strconv.ParseFloat(xy[1], 64)
	b.do(chromedp.TapXY(x, y))
}

// chartText checks that the text of every chart of the view is at least 11 px tall as
// shown: its computed font size times the scale its SVG is drawn at.
func (b *tab) chartText(view string) {
	b.t.Helper()
	got := b.eval(`(() => { const sizes = []; let small = []; ` +
		`for (const t of document.querySelectorAll('.lab svg text')) { ` +
		`  if (t.getBoundingClientRect().width === 0) continue; ` +
		`  const s = parseFloat(getComputedStyle(t).fontSize) * t.closest('svg').getScreenCTM().a; ` +
		`  sizes.push(s); if (s < 10.99) small.push(Math.round(s * 10) / 10 + ' px: ' + t.textContent); } ` +
		`return sizes.length + ' texts, the smallest ' + (Math.round(Math.min(...sizes) * 10) / 10) + ' px' + (small.length ? '; under 11 px: ' + small.join(' | ') : ''); })()`)
	b.t.Logf("%s view at %d px: chart text: %s", view, phoneW, got)
	if strings.Contains(got, "under 11 px") || strings.HasPrefix(got, "0 texts") {
		b.t.Errorf("%s view at %d px: want every chart's text at least 11 px: %s", view, phoneW, got)
	}
}

// viewShot returns a screenshot of what the screen shows.
func (b *tab) viewShot() []byte {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	return png
}
