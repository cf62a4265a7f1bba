//go:build !wasm

package cli

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdversarial times the margin searches the product is built around in the
// browser: from a first visit, a batch is labelled and submitted with deepfool chosen (30
// labels), then one with fgsm (40 labels), each time once the worker is idle, as a person
// who took seconds to label would find it. It logs how long the next batch takes to come
// up after each submit, and the worker's own split (goals: deepfool ≤ 3 s, fgsm ≤ 1.5 s);
// it fails only if a batch does not come back with its twins.
func TestBrowserAdversarial(t *testing.T) {
	b := openTab(t, 5*time.Minute, func(h http.Handler) http.Handler { return h })
	b.do(chromedp.Navigate(b.url + "/"))
	b.wait(jsItems+`.length > 0`, 120*time.Second)
	for _, strategy := range []string{"deepfool", "fgsm"} {
		b.wait(jsIdle, 60*time.Second)
		labels := b.eval(jsLabelled)
		b.do(chromedp.SetValue(`[data-testid=strategy]`, strategy))
		b.eval(`document.querySelector('[data-testid=strategy]').dispatchEvent(new Event('change', {bubbles: true})), ''`)
		b.label(-1, false)
		b.wait(jsIdle, 60*time.Second)
		d := b.submit()
		b.wait(`document.querySelector('.lab').dataset.engine !== undefined && document.querySelectorAll('.card .twin').length > 0`, 30*time.Second)
		t.Logf("%s: next batch %.2f s after submit at %s+10 labels (goal %s); %s", strategy, d.Seconds(), labels,
			map[string]string{"deepfool": "3 s", "fgsm": "1.5 s"}[strategy], b.eval(`document.querySelector('.timings').textContent`))
	}
}
