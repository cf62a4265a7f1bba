//go:build !wasm

package cli

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRefusedSession saves a session the page can read but the engine cannot rebuild
// (a label of a sample past the bundle's pool): the page sets it aside, starts clean with a
// notice offering its labels, a reload starts clean again — no restart loop — and the
// set-aside labels download.
func TestBrowserRefusedSession(t *testing.T) {
	b := openTab(t, 5*time.Minute, func(h http.Handler) http.Handler { return h })
	b.do(chromedp.Navigate(b.url + "/"))
	b.wait(jsItems+`.length > 0`, 90*time.Second)
	given := digits(b.label(-1, false))
	b.submit()
	b.wait(jsLabelled+` === '`+strconv.Itoa(20+given)+`'`, 30*time.Second)
	b.wait(jsItems+`.length > 0`, 60*time.Second)
	// Once the worker is idle, the page saves nothing more on its own (the accuracy, the map
	// and the pre-training are in), so the edit below is not saved over before the reload.
	b.wait(`document.querySelector('.lab').dataset.engine === 'idle'`, 60*time.Second)

	// Sample 50,000 is a valid MNIST index but past the bundle's pool of 10,000.
	b.eval(`(() => { const s = JSON.parse(localStorage.getItem('alab/session')); ` +
		`s.labels[s.labels.length - 1].id = 50000; localStorage.setItem('alab/session', JSON.stringify(s)); return ''; })()`)
	b.do(chromedp.Reload())
	b.wait(`document.querySelector('[data-testid=export-aside]') !== null`, 60*time.Second)
	b.wait(jsItems+`.length > 0`, 60*time.Second)
	if got := b.eval(jsLabelled); got != "20" {
		t.Errorf("after the refused session: %s labelled, want a new session's 20", got)
	}
	if n := b.eval(`Object.keys(localStorage).filter(k => k.startsWith('alab/set-aside/')).length + ''`); n != "1" {
		t.Errorf("%s sessions set aside, want 1", n)
	}
	notice := b.eval(`document.querySelector('[data-testid=notice]').textContent`)
	if !strings.Contains(notice, "could not restore") {
		t.Errorf("notice %q: want it to say the session could not be restored", notice)
	}
	path := b.download("export-aside", "alab-set-aside-labels.json")
	if data, err := os.ReadFile(path); err != nil || strings.Count(string(data), `"mnist_index"`) != 20+given {
		t.Errorf("set-aside labels: %v, %d labels: want %d", err, strings.Count(string(data), `"mnist_index"`), 20+given)
	}
	b.shot("refused-session.png")

	b.do(chromedp.Reload())
	b.wait(jsItems+`.length > 0`, 60*time.Second)
	if n := b.eval(`document.querySelectorAll('[data-testid=export-aside]').length + ''`); n != "0" {
		t.Errorf("a reload after the refusal offers the set-aside labels again: the refused session came back")
	}
}
