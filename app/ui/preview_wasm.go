package ui

import (
	"fmt"
	"html"
	"strconv"
	"syscall/js"

	"alab/wasm/msg"
	"alab/wasm/webfiles"
)

// mapPreview shows the digit of a point of the redundancy map beside the map — the point
// under the pointer, tapped or focused — cut from the pool's images, which it fetches on
// the first point shown. It writes the preview's element itself (previewBox): re-rendering
// the page would redraw the map's 2000 points on every move of the pointer.
type mapPreview struct {
	m       *labModel    // the map and the batch on screen
	imgs    digitImages  // the page's digit images
	quiet   func(func()) // runs a function on the UI goroutine without re-rendering
	images  *poolImages
	err     error // why the images could not be loaded
	loading bool
	id      int      // the point shown (or waiting for the images), -1 for none
	mark    js.Value // its mark on the map, outlined
}

// listen follows the pointer and the focus over the document (the map is drawn anew each
// round, the document stays) and returns the function that stops.
func (v *mapPreview) listen() (stop func()) {
	v.id = -1
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if id := v.pointAt(args[0]); id >= 0 && id != v.id {
			v.quiet(func() { v.show(id) })
		}
		return nil
	})
	// pointermove: within the pool's dots, which are one element.
	return listen(js.Global().Get("document"), f, "pointerover", "pointermove", "focusin")
}

// reset forgets the point shown: the map is new.
func (v *mapPreview) reset() { v.id = -1 }

// pointAt returns the ID of the map's point event e is on, or -1.
func (v *mapPreview) pointAt(e js.Value) int {
	t := e.Get("target")
	if t.Get("closest").Type() != js.TypeFunction {
		return -1
	}
	if p := t.Call("closest", "[data-testid=redundancy-map] [data-id]"); !p.IsNull() {
		return atoi(p.Call("getAttribute", "data-id").String())
	}
	if dots := t.Call("closest", "[data-testid=redundancy-map] .pool path"); !dots.IsNull() {
		// Where the pointer is, in the map's pixels as drawn (its viewBox).
		svg := t.Call("closest", "svg")
		r, vb := svg.Call("getBoundingClientRect"), svg.Get("viewBox").Get("baseVal")
		x := (e.Get("clientX").Float() - r.Get("left").Float()) / r.Get("width").Float() * vb.Get("width").Float()
		y := (e.Get("clientY").Float() - r.Get("top").Float()) / r.Get("height").Float() * vb.Get("height").Float()
		return nearestPoolPoint(v.m.insight, vb.Get("width").Float(), x, y)
	}
	return -1
}

// show shows map point id: its digit enlarged, its pool ID, what the model says and what it
// is this round.
func (v *mapPreview) show(id int) {
	doc := js.Global().Get("document")
	box := doc.Call("querySelector", "[data-testid=map-preview]")
	p, ok := v.point(id)
	if !ok || !box.Truthy() {
		return
	}
	v.id = id
	digit, note := `<div class="digit blank"></div>`, ""
	switch {
	case v.err != nil:
		note = "The digits could not be loaded: " + v.err.Error()
	case v.images == nil:
		note = "Loading the digits…"
		v.load()
	default:
		pix, err := v.images.digit(id)
		if err != nil {
			note = err.Error()
			break
		}
		digit = fmt.Sprintf(`<img class="digit" src="%s" alt="digit #%d">`, v.imgs.url(id, false, pix), id)
	}
	if note != "" {
		note = `<span class="note">` + html.EscapeString(note) + `</span>`
	}
	role, class, guess := describePoint(p, v.m.insight.Strategy)
	// The spaces between the spans are for the text alone (a screen reader, textContent):
	// the flex layout ignores them.
	box.Set("innerHTML", fmt.Sprintf(`%s <div class="hover-meta"><span class="hover-id">#%d</span> `+
		`<span class="role %s">%s</span> <span>%s</span> %s</div>`, digit, id, class, html.EscapeString(role), guess, note))
	box.Get("dataset").Set("id", id)
	if v.mark.Truthy() {
		v.mark.Get("classList").Call("remove", "shown")
	}
	v.mark = doc.Call("querySelector", `[data-testid=redundancy-map] [data-id="`+strconv.Itoa(id)+`"]`)
	if v.mark.Truthy() {
		v.mark.Get("classList").Call("add", "shown")
	}
}

// point returns the point of the map on screen with pool ID id; a batch point says what
// the batch on screen says the model guessed, as its mark does.
func (v *mapPreview) point(id int) (msg.Point, bool) {
	if v.m.insight == nil {
		return msg.Point{}, false
	}
	for _, p := range v.m.insight.Points {
		if p.ID != id {
			continue
		}
		if p.Flags&msg.InBatch != 0 {
			for _, it := range v.m.items() {
				if it.ID == id {
					p.Pred = it.Pred
				}
			}
		}
		return p, true
	}
	return msg.Point{}, false
}

// load fetches the pool's images once, then shows the point waiting for them.
func (v *mapPreview) load() {
	if v.loading {
		return
	}
	v.loading = true
	go func() {
		images, err := fetchPoolImages()
		v.quiet(func() {
			v.images, v.err = images, err
			v.show(v.id)
		})
	}()
}

// inflateWorker fetches the URL it is sent and answers with the body un-gzipped (as
// worker.js does; still gzip where the browser lacks DecompressionStream), or with the
// error's text. The page's thread would inflate the 1.6 MB into 7.8 MB in one task of
// 100–300 ms when the body comes whole from the cache.
const inflateWorker = `onmessage = async (e) => {
  try {
    const r = await fetch(e.data);
    if (!r.ok) throw new Error(r.status + " " + r.statusText);
    const body = self.DecompressionStream ? r.body.pipeThrough(new DecompressionStream("gzip")) : r.body;
    const b = await new Response(body).arrayBuffer();
    postMessage(b, [b]);
  } catch (err) {
    postMessage(String(err));
  }
  close();
};`

// fetchPoolImages fetches the pool's images, un-gzipped off the page's thread (a worker of
// its own, inflateWorker), and leaves them in JavaScript's memory: a shown digit needs 784
// bytes of the 7.8 MB. It is the URL web/worker.js fetched at start-up, so the browser's
// HTTP cache (or go-app's service worker) answers, with at most a revalidation: the 1.6 MB
// are not downloaded twice, and the engine's worker, which may be training, is not asked.
// It blocks: call it from a goroutine of its own.
func fetchPoolImages() (*poolImages, error) {
	g := js.Global()
	src := g.Get("URL").Call("createObjectURL", g.Get("Blob").New([]any{inflateWorker}, map[string]any{"type": "text/javascript"}))
	defer g.Get("URL").Call("revokeObjectURL", src)
	w := g.Get("Worker").New(src)
	answer := make(chan js.Value, 1)
	onMessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
		answer <- args[0].Get("data")
		return nil
	})
	onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
		args[0].Call("preventDefault")
		answer <- js.ValueOf("the worker that un-gzips them failed: " + args[0].Get("message").String())
		return nil
	})
	defer onMessage.Release()
	defer onError.Release()
	w.Set("onmessage", onMessage)
	w.Set("onerror", onError)
	// The page's URL, as the worker's own is a blob: one.
	url := webfiles.URL(webfiles.PoolImages)
	w.Call("postMessage", g.Get("URL").New(url, g.Get("location").Get("href")).Call("toString"))
	v := <-answer
	w.Call("terminate")
	if v.Type() == js.TypeString {
		return nil, fmt.Errorf("%s: %s", url, v.String())
	}
	u8 := g.Get("Uint8Array").New(v)
	if u8.Length() >= 2 && u8.Index(0).Int() == 0x1f && u8.Index(1).Int() == 0x8b { // still gzip: Go un-gzips it
		b := make([]byte, u8.Length())
		js.CopyBytesToGo(b, u8)
		return decodePoolImages(b)
	}
	return readPoolImages(u8.Length(), func(dst []byte, off int) {
		js.CopyBytesToGo(dst, u8.Call("subarray", off, off+len(dst)))
	})
}
