//go:build wasm

package ui

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// countAgreed counts the answers that are MNIST's label.
func countAgreed(items []msg.Item, answers []int) int {
	n := 0
	for i, it := range items {
		if i < len(answers) && answers[i] == it.Truth {
			n++
		}
	}
	return n
}

// redundancyPanel shows why batches matter: where the batch sits in the model's own view of
// the pool, next to a random batch of the same size, with their class histograms, label
// entropies and spreads, and whether the strategy still beats random.
func (c *lab) redundancyPanel() app.UI {
	in := c.insight
	if c.s.Batch == nil {
		return app.Text("")
	}
	head := app.Div().Class("panel-head").Body(
		app.H2().Text("Is this batch redundant? The pool as the network sees it"),
	)
	if in == nil {
		return app.Section().Class("panel redundancy").Body(head,
			app.Div().Class("waiting short").Body(app.Div().Class("spinner"), app.P().Text("Mapping the pool…")))
	}
	if c.mapSVG == "" {
		c.mapSVG = redundancyMap(in, c.s.Batch.Items)
	}
	var preds []int
	for _, it := range c.s.Batch.Items {
		preds = append(preds, it.Pred)
	}
	hb, hr := msg.Histogram(preds), msg.Histogram(in.RandomPreds)
	eb, er := msg.Entropy(hb), msg.Entropy(hr)
	tighter := ""
	if in.RandomDistance > 0 && in.BatchDistance > 0 {
		r := in.BatchDistance / in.RandomDistance
		switch {
		case r < 0.95:
			tighter = fmt.Sprintf(" — the batch is %.0f%% more bunched up than random", 100*(1-r))
		case r > 1.05:
			tighter = fmt.Sprintf(" — the batch is %.0f%% more spread out than random", 100*(r-1))
		default:
			tighter = " — about as spread out as random"
		}
	}
	return app.Section().Class("panel redundancy").Body(head,
		app.P().Class("small lead").Text("Each grey dot is a candidate digit, placed by the first two principal components of the "+
			"network's 128-number summary of it (its penultimate layer): digits the network finds alike sit together. "+
			"A greedy top-k batch often lands in one clump — many near-copies of the same question — while a random "+
			"batch spreads over the pool. Hover, tap or tab to a point to see its digit."),
		app.Div().Class("rgrid").Body(
			app.Div().Class("map").DataSet("testid", "redundancy-map").DataSet("round", in.Round).Body(
				app.Raw(c.mapSVG),
				mapLegend(in),
			),
			app.Div().Class("diag").Body(
				app.Raw(previewBox(in.Round)),
				app.H3().Text("Classes in the batch"),
				app.Div().DataSet("testid", "batch-histogram").DataSet("hist", histKey(hb)).Body(app.Raw(histogram(hb, hr))),
				app.P().Class("small").Text("Bars: the model's predictions for the batch (orange) and for the random batch (blue)."+lastLabels(c.s)),
				app.Div().Class("figure").DataSet("testid", "batch-entropy").Body(
					app.Span().Class("big").Text(fmt.Sprintf("%.2f", eb)),
					app.Span().Text(fmt.Sprintf(" nats label entropy (random batch %.2f; %.2f = every class equally)", er, math.Log(10))),
				),
				app.Div().Class("figure").DataSet("testid", "pairwise-distance").Body(
					app.Span().Class("big").Text(fmt.Sprintf("%.2f", in.BatchDistance)),
					app.Span().Text(fmt.Sprintf(" mean distance between the batch's digits (random batch %.2f)%s", in.RandomDistance, tighter)),
				),
				c.haltingHint(in),
			),
		),
	)
}

// mapLegend names the map's marks, with their counts.
func mapLegend(in *msg.Insight) app.UI {
	var nb, nr, nl, np int
	for _, p := range in.Points {
		switch {
		case p.Flags&msg.InLabelled != 0:
			nl++
		case p.Flags == 0:
			np++
		}
		if p.Flags&msg.InBatch != 0 {
			nb++
		}
		if p.Flags&msg.InRandom != 0 {
			nr++
		}
	}
	item := func(cls, text string) app.UI {
		return app.Span().Class("lg-item").Body(app.Span().Class("mark "+cls), app.Text(text))
	}
	return app.Div().Class("legend").Body(
		item("m-batch", fmt.Sprintf("this batch (%d, by %s; the model's guess inside)", nb, in.Strategy)),
		item("m-random", fmt.Sprintf("a random batch (%d)", nr)),
		item("m-labelled", fmt.Sprintf("labelled (%d)", nl)),
		item("m-pool", fmt.Sprintf("candidates (%d)", np)),
	)
}

func lastLabels(s *session) string {
	h := s.LastLabels
	n := 0
	for _, v := range h {
		n += v
	}
	if n == 0 {
		return ""
	}
	var parts []string
	for d, v := range h {
		if v > 0 {
			parts = append(parts, fmt.Sprintf("%d×%d", v, d))
		}
	}
	return fmt.Sprintf(" Your labels for the last batch: %s (entropy %.2f).", strings.Join(parts, " "), msg.Entropy(h))
}

func histKey(h [10]int) string {
	var b strings.Builder
	for i, v := range h {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, v)
	}
	return b.String()
}

// haltingHint says whether the strategy's batch still scores apart from a random batch.
func (c *lab) haltingHint(in *msg.Insight) app.UI {
	div := app.Div().DataSet("testid", "halting-hint")
	b, r := in.BatchScore, in.RandomScore
	switch {
	case in.Strategy == "random":
		return div.Class("hint-box").DataSet("state", "baseline").Text("This batch is random: the baseline every strategy has to beat.")
	case b.N < 2 || r.N < 2:
		return div.Class("hint-box").DataSet("state", "unknown").Text("The score comparison with a random batch appears from the next batch.")
	case in.WithinNoise():
		return div.Class("hint-box warn").DataSet("state", "noise").Text(fmt.Sprintf(
			"Within noise of random: %s scores this batch %.3g ± %.2g and a random batch %.3g ± %.2g. "+
				"Its ranking no longer tells the digits apart — labelling more by this strategy buys about what random would; "+
				"consider stopping, or a batch-aware strategy.", in.Strategy, b.Mean, b.SE, r.Mean, r.SE))
	}
	return div.Class("hint-box").DataSet("state", "informative").Text(fmt.Sprintf(
		"Still informative: %s scores this batch %.3g ± %.2g, a random batch %.3g ± %.2g (more than two standard errors apart).",
		in.Strategy, b.Mean, b.SE, r.Mean, r.SE))
}

const (
	mapW, mapH, mapPad = 460.0, 330.0, 14.0
)

// mapXY is where point p sits on the map, in the SVG's coordinates (y down).
func mapXY(p msg.Point) (float64, float64) {
	x := mapPad + float64(p.X)/msg.MapScale*(mapW-2*mapPad)
	y := mapH - mapPad - float64(p.Y)/msg.MapScale*(mapH-2*mapPad-8)
	return x, y
}

// redundancyMap draws the insight's points as an SVG: the pool faint, labelled digits as
// rings, the random batch as blue squares and the batch as orange discs with the model's
// prediction inside. Every point carries its pool ID (data-id), for the preview; the two
// batches' points can be reached with the Tab key.
func redundancyMap(in *msg.Insight, items []msg.Item) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="rmap" viewBox="0 0 %g %g" role="img" aria-label="redundancy map">`, mapW, mapH)
	fmt.Fprintf(&sb, `<rect class="bg" x="0" y="0" width="%g" height="%g" rx="6"/>`, mapW, mapH)
	px := mapXY
	pred := map[int]int{}
	for _, it := range items {
		pred[it.ID] = it.Pred
	}
	// The pool's dots are one path of zero-length round-capped segments: one element for
	// the page to parse and lay out each round instead of 2000 (that took the page's thread
	// 140 ms). The pointer finds the dot nearest to it (nearestPoolPoint).
	// strconv, not fmt: fmt took 18 of the 20 ms of drawing the map under node.
	d := []byte(`<g class="pool"><path d="`)
	for _, p := range in.Points {
		if p.Flags != 0 {
			continue
		}
		x, y := px(p)
		d = append(d, 'M')
		d = strconv.AppendFloat(d, x, 'f', 1, 64)
		d = append(d, ' ')
		d = strconv.AppendFloat(d, y, 'f', 1, 64)
		d = append(d, "h0"...)
	}
	sb.Write(d)
	sb.WriteString(`"/></g><g class="labelled">`)
	for _, p := range in.Points {
		if p.Flags&msg.InLabelled == 0 {
			continue
		}
		x, y := px(p)
		fmt.Fprintf(&sb, `<circle data-id="%d" cx="%.1f" cy="%.1f" r="3"><title>labelled #%d: %d</title></circle>`, p.ID, x, y, p.ID, p.Pred)
	}
	sb.WriteString(`</g><g class="random">`)
	for _, p := range in.Points {
		if p.Flags&msg.InRandom == 0 {
			continue
		}
		x, y := px(p)
		fmt.Fprintf(&sb, `<rect data-id="%d" tabindex="0" x="%.1f" y="%.1f" width="9" height="9" transform="rotate(45 %.1f %.1f)"><title>random batch #%d · the model says %d</title></rect>`,
			p.ID, x-4.5, y-4.5, x, y, p.ID, p.Pred)
	}
	sb.WriteString(`</g><g class="batch">`)
	for _, p := range in.Points {
		if p.Flags&msg.InBatch == 0 {
			continue
		}
		x, y := px(p)
		d, ok := pred[p.ID]
		if !ok {
			d = p.Pred
		}
		fmt.Fprintf(&sb, `<g><circle data-id="%d" tabindex="0" cx="%.1f" cy="%.1f" r="7"/><text x="%.1f" y="%.1f">%d</text><title>queried #%d · the model says %d</title></g>`,
			p.ID, x, y, x, y+3, d, p.ID, d)
	}
	sb.WriteString(`</g>`)
	fmt.Fprintf(&sb, `<text class="axis" x="%g" y="%g">PC 1 →  (two components explain %.0f%% of the variance)</text>`, mapW-mapPad, mapH-4, 100*in.Variance)
	sb.WriteString(`</svg>`)
	return sb.String()
}

// preview is the digit shown beside the redundancy map, with the pool's images it is cut
// from: fetched on the first point shown, then kept.
type preview struct {
	images  *poolImages
	err     error // why the images could not be loaded
	loading bool
	id      int      // the point shown (or waiting for the images), -1 for none
	mark    js.Value // its mark on the map, outlined
}

// previewBox is the preview's element as go-app renders it, before a point is shown. It
// changes with the round only: go-app then replaces it, clearing what showPoint wrote.
func previewBox(round int) string {
	return fmt.Sprintf(`<div class="hover-card" data-testid="map-preview" data-round="%d" aria-live="polite">`+
		`<div class="digit blank"></div><p class="small">Hover, tap or tab to a point of the map to see its digit here.</p></div>`, round)
}

// onMapPointer is the map's one listener, delegated from the document (the map is drawn
// anew each round, the document stays): a point under the pointer, tapped or focused
// shows its digit beside the map.
func (c *lab) onMapPointer(_ js.Value, args []js.Value) any {
	t := args[0].Get("target")
	if t.Get("closest").Type() != js.TypeFunction {
		return nil
	}
	id := -1
	if p := t.Call("closest", "[data-testid=redundancy-map] [data-id]"); !p.IsNull() {
		id = atoi(p.Call("getAttribute", "data-id").String())
	} else if dots := t.Call("closest", "[data-testid=redundancy-map] .pool path"); !dots.IsNull() {
		// Where the pointer is, in the map's coordinates.
		r := t.Call("closest", "svg").Call("getBoundingClientRect")
		e := args[0]
		x := (e.Get("clientX").Float() - r.Get("left").Float()) / r.Get("width").Float() * mapW
		y := (e.Get("clientY").Float() - r.Get("top").Float()) / r.Get("height").Float() * mapH
		id = c.nearestPoolPoint(x, y)
	}
	if id < 0 || id == c.preview.id {
		return nil
	}
	c.quiet(func() { c.showPoint(id) })
	return nil
}

// nearestPoolPoint returns the ID of the pool dot of the map on screen nearest to (x, y) in
// the map's coordinates, if one lies within a dot's reach of it, else -1.
func (c *lab) nearestPoolPoint(x, y float64) int {
	if c.insight == nil {
		return -1
	}
	best, bestD := -1, 4.0*4.0 // the dot's radius and a margin, squared
	for _, p := range c.insight.Points {
		if p.Flags != 0 {
			continue
		}
		px, py := mapXY(p)
		if d := (px-x)*(px-x) + (py-y)*(py-y); d < bestD {
			best, bestD = p.ID, d
		}
	}
	return best
}

// quiet runs fn on the UI goroutine without re-rendering the page (go-app's Next mode), for
// what writes to the DOM itself.
func (c *lab) quiet(fn func()) {
	c.ctx.Dispatcher().Dispatch(app.Dispatch{Mode: app.Next, Source: c, Function: func(app.Context) { fn() }})
}

// showPoint shows map point id beside the map: its digit enlarged, its pool ID, what the
// model says and what it is this round. It writes the preview element alone: re-rendering
// the page would redraw the map's 2000 points on every move of the pointer.
func (c *lab) showPoint(id int) {
	box := js.Global().Get("document").Call("querySelector", "[data-testid=map-preview]")
	p, ok := c.mapPoint(id)
	if !ok || !box.Truthy() {
		return
	}
	v := &c.preview
	v.id = id
	digit, note := `<div class="digit blank"></div>`, ""
	switch {
	case v.err != nil:
		note = "The digits could not be loaded: " + v.err.Error()
	case v.images == nil:
		note = "Loading the digits…"
		c.loadPoolImages()
	default:
		pix, err := v.images.digit(id)
		if err != nil {
			note = err.Error()
			break
		}
		digit = fmt.Sprintf(`<img class="digit" src="%s" alt="digit #%d">`, c.png(fmt.Sprintf("d%d", id), pix), id)
	}
	if note != "" {
		note = `<span class="note">` + html.EscapeString(note) + `</span>`
	}
	role, class, guess := describePoint(p, c.insight.Strategy)
	// The spaces between the spans are for the text alone (a screen reader, textContent):
	// the flex layout ignores them.
	box.Set("innerHTML", fmt.Sprintf(`%s <div class="hover-meta"><span class="hover-id">#%d</span> `+
		`<span class="role %s">%s</span> <span>%s</span> %s</div>`, digit, id, class, html.EscapeString(role), guess, note))
	box.Get("dataset").Set("id", id)
	if v.mark.Truthy() {
		v.mark.Get("classList").Call("remove", "shown")
	}
	v.mark = js.Global().Get("document").Call("querySelector", fmt.Sprintf(`[data-testid=redundancy-map] [data-id="%d"]`, id))
	if v.mark.Truthy() {
		v.mark.Get("classList").Call("add", "shown")
	}
}

// mapPoint returns the point of the map on screen with pool ID id; a batch point says what
// the batch on screen says the model guessed, as its mark does.
func (c *lab) mapPoint(id int) (msg.Point, bool) {
	if c.insight == nil {
		return msg.Point{}, false
	}
	for _, p := range c.insight.Points {
		if p.ID != id {
			continue
		}
		if p.Flags&msg.InBatch != 0 {
			for _, it := range c.items() {
				if it.ID == id {
					p.Pred = it.Pred
				}
			}
		}
		return p, true
	}
	return msg.Point{}, false
}

// loadPoolImages fetches the pool's images once, then shows the point waiting for them.
func (c *lab) loadPoolImages() {
	if c.preview.loading {
		return
	}
	c.preview.loading = true
	go func() {
		images, err := fetchPoolImages()
		c.quiet(func() {
			c.preview.images, c.preview.err = images, err
			c.showPoint(c.preview.id)
		})
	}()
}

// poolImagesURL is the pool bundle web/worker.js fetched at start-up (data/… beside it): the
// same URL, so the browser's HTTP cache (or go-app's service worker) answers, with at most
// a revalidation — the 1.6 MB are not downloaded twice, and the worker, which may be
// training, is not asked.
const poolImagesURL = "/web/data/pool-images.idx.gz"

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
// bytes of the 7.8 MB. It blocks: call it from a goroutine of its own.
func fetchPoolImages() (*poolImages, error) {
	src := js.Global().Get("URL").Call("createObjectURL",
		js.Global().Get("Blob").New([]any{inflateWorker}, map[string]any{"type": "text/javascript"}))
	defer js.Global().Get("URL").Call("revokeObjectURL", src)
	w := js.Global().Get("Worker").New(src)
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
	w.Call("postMessage", js.Global().Get("URL").New(poolImagesURL, js.Global().Get("location").Get("href")).Call("toString"))
	v := <-answer
	w.Call("terminate")
	if v.Type() == js.TypeString {
		return nil, fmt.Errorf("%s: %s", poolImagesURL, v.String())
	}
	u8 := js.Global().Get("Uint8Array").New(v)
	if u8.Length() >= 2 && u8.Index(0).Int() == 0x1f && u8.Index(1).Int() == 0x8b { // still gzip: Go un-gzips it
		b := make([]byte, u8.Length())
		js.CopyBytesToGo(b, u8)
		return decodePoolImages(b)
	}
	return readPoolImages(u8.Length(), func(dst []byte, off int) {
		js.CopyBytesToGo(dst, u8.Call("subarray", off, off+len(dst)))
	})
}

// histogram draws two class histograms side by side per class: a (orange) and b (blue).
func histogram(a, b [10]int) string {
	const w, h, l, bottom = 300.0, 110.0, 6.0, 16.0
	top := 1
	for k := range 10 {
		top = max(top, a[k], b[k])
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="hist" viewBox="0 0 %g %g" role="img" aria-label="classes in the batch">`, w, h)
	slot := (w - 2*l) / 10
	for k := range 10 {
		x := l + float64(k)*slot
		for j, v := range []int{a[k], b[k]} {
			bh := float64(v) / float64(top) * (h - bottom - 14)
			cls := []string{"hb", "hr"}[j]
			fmt.Fprintf(&sb, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%d: %d</title></rect>`,
				cls, x+3+float64(j)*(slot-6)/2, h-bottom-bh, (slot-8)/2, bh, k, v)
			if v > 0 {
				fmt.Fprintf(&sb, `<text class="hv" x="%.1f" y="%.1f">%d</text>`, x+3+float64(j)*(slot-6)/2+(slot-8)/4, h-bottom-bh-2, v)
			}
		}
		fmt.Fprintf(&sb, `<text class="hx" x="%.1f" y="%g">%d</text>`, x+slot/2, h-3, k)
	}
	sb.WriteString(`</svg>`)
	return sb.String()
}

// personPanel is the person's own score: time per label, agreement with MNIST, and the
// model's accuracy against the minutes spent labelling.
func (c *lab) personPanel() app.UI {
	var secs []float64
	total := 0.0
	for _, l := range c.s.Labels {
		if !l.Seed && l.Seconds > 0 {
			secs = append(secs, l.Seconds)
			total += l.Seconds
		}
	}
	per, agree := "–", "–"
	if len(secs) > 0 {
		slices.Sort(secs)
		per = fmt.Sprintf("%.1f s", secs[len(secs)/2])
	}
	if c.s.Compared > 0 {
		agree = fmt.Sprintf("%.0f%%", 100*float64(c.s.Agreed)/float64(c.s.Compared))
	}
	return app.Section().Class("panel person").DataSet("testid", "person-score").Body(
		app.H2().Text("Your score: the cost of a label"),
		app.Div().Class("stats").Body(
			app.Div().Class("stat").Body(app.Span().Class("num").Text(per), app.Span().Class("lbl").Text("per label (median)")),
			app.Div().Class("stat").Body(app.Span().Class("num").Text(agree), app.Span().Class("lbl").Text(fmt.Sprintf("agree with MNIST (%d)", c.s.Compared))),
			app.Div().Class("stat").Body(app.Span().Class("num").Text(fmt.Sprintf("%.1f", total/60)), app.Span().Class("lbl").Text("minutes labelling")),
		),
		app.Raw(timeChart(c.s)),
	)
}

// timeChart draws test accuracy against the person's cumulative labelling time.
func timeChart(s *session) string {
	const w, ht, l, r, t, b = 320.0, 130.0, 38.0, 10.0, 8.0, 26.0
	type pt struct{ x, y float64 }
	var pts []pt
	for _, h := range s.History {
		var sec float64
		for _, lb := range s.Labels {
			if lb.Round <= h.Round && !lb.Seed {
				sec += lb.Seconds
			}
		}
		pts = append(pts, pt{sec / 60, h.Accuracy})
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="test accuracy against minutes labelling">`, w, ht)
	if len(pts) < 2 {
		fmt.Fprintf(&sb, `<text x="%g" y="%g" class="empty">accuracy against your labelling time, after a batch</text></svg>`, w/2, ht/2)
		return sb.String()
	}
	xmax, ymin := 0.5, 1.0
	for _, p := range pts {
		xmax, ymin = math.Max(xmax, p.x), math.Min(ymin, p.y)
	}
	ylo := math.Min(0.9, math.Max(0, math.Floor(ymin*10)/10))
	x := func(v float64) float64 { return l + v/xmax*(w-l-r) }
	y := func(v float64) float64 { return t + (1-(v-ylo)/(1-ylo))*(ht-t-b) }
	for g := ylo; g <= 1.0001; g += 0.1 {
		fmt.Fprintf(&sb, `<line class="grid" x1="%g" x2="%g" y1="%.1f" y2="%.1f"/><text class="tick" x="%g" y="%.1f">%.0f%%</text>`,
			l, w-r, y(g), y(g), l-4, y(g)+3, g*100)
	}
	fmt.Fprintf(&sb, `<text class="tick" x="%g" y="%g" text-anchor="start">0</text><text class="tick" x="%g" y="%g">%.1f min labelling</text>`,
		l, ht-b+14, w-r, ht-b+14, xmax)
	sb.WriteString(`<polyline class="line" points="`)
	for _, p := range pts {
		fmt.Fprintf(&sb, "%.1f,%.1f ", x(p.x), y(p.y))
	}
	sb.WriteString(`"/></svg>`)
	return sb.String()
}
