//go:build wasm

package ui

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// raceColors are the curves' colours, in the order strategies are picked (random first, grey).
var raceColors = map[string]string{
	"random": "#6c757d", "margin": "#d9480f", "least-confidence": "#e8590c", "entropy": "#f08c00",
	"bald": "#7048e8", "var-ratios": "#9c36b5", "mc-entropy": "#c2255c", "mc-least-confidence": "#a61e4d",
	"mean-std": "#5c940d", "power-bald": "#1098ad", "coreset": "#1971c2", "badge": "#2b8a3e",
	"fgsm": "#862e9c", "deepfool": "#364fc7",
}

// race is the second view: strategies labelled by MNIST's ground truth run side by side,
// each worker running its share of them, and their learning curves grow live.
type race struct {
	app.Compo

	ctx     app.Context
	cfg     msg.Race
	picked  map[string]bool
	workers []js.Value
	funcs   []js.Func
	rows    []msg.Row
	done    map[string]bool
	running bool
	start   time.Time
	elapsed time.Duration
	errText string
	nw      int // workers of the race
}

func (r *race) OnMount(ctx app.Context) {
	r.ctx = ctx
	r.cfg = msg.RaceDefaults()
	r.picked = map[string]bool{}
	for _, s := range r.cfg.Strategies {
		r.picked[s] = true
	}
}

func (r *race) OnDismount() { r.stop() }

// workersFor returns how many workers a race of n strategies gets: one per core the
// browser reports (4 if it does not say), at most 4, at most n.
func workersFor(n int) int {
	hc := 4
	if v := js.Global().Get("navigator").Get("hardwareConcurrency"); v.Truthy() {
		hc = v.Int()
	}
	return max(1, min(hc, 4, n))
}

func (r *race) strategies() []string {
	var out []string
	for _, s := range msg.Strategies {
		if r.picked[s] {
			out = append(out, s)
		}
	}
	return out
}

func (r *race) begin() {
	r.stop()
	cfg := r.cfg
	cfg.Strategies = r.strategies()
	if cfg.Budget < cfg.Init+cfg.Batch {
		cfg.Budget = cfg.Init + cfg.Batch
	}
	if err := cfg.Validate(); err != nil {
		r.errText = err.Error()
		return
	}
	r.errText, r.rows, r.done = "", nil, map[string]bool{}
	r.cfg.Budget = cfg.Budget
	r.nw = workersFor(len(cfg.Strategies))
	r.running, r.start, r.elapsed = true, time.Now(), 0
	for _, share := range msg.ShareOut(cfg.Strategies, r.nw) {
		w := js.Global().Get("Worker").New("/web/worker.js")
		r.funcs = append(r.funcs, listen(&r.ctx, w, "a worker stopped", r.receive, r.fail)...)
		part := cfg
		part.Strategies = share
		w.Call("postMessage", msg.Encode(msg.Msg{Kind: msg.KindRace, Race: &part}))
		r.workers = append(r.workers, w)
	}
	js.Global().Set("alabRaceStarted", js.Global().Get("performance").Call("now"))
}

func (r *race) stop() {
	for _, w := range r.workers {
		w.Call("terminate")
	}
	r.workers = nil
	for _, f := range r.funcs {
		f.Release()
	}
	r.funcs = nil
	if r.running {
		r.running = false
		r.elapsed = time.Since(r.start)
	}
}

func (r *race) fail(what string) {
	r.stop()
	r.errText = "The race stopped: " + what
}

func (r *race) receive(text string) {
	m, err := msg.Decode(text)
	if err != nil {
		r.errText = err.Error()
		return
	}
	switch m.Kind {
	case msg.KindRace:
		r.rows = append(r.rows, m.Rows...)
		r.elapsed = time.Since(r.start)
	case msg.KindRaceDone:
		r.done[m.Stage] = true
		if len(r.done) == len(r.strategiesRunning()) {
			r.stop()
			js.Global().Set("alabRaceDone", js.Global().Get("performance").Call("now"))
		}
	case msg.KindError:
		r.fail(m.Error)
	}
}

// strategiesRunning returns the strategies of the race on screen, in the order picked.
func (r *race) strategiesRunning() []string {
	var out []string
	for _, row := range r.rows {
		if !slices.Contains(out, row.Strategy) {
			out = append(out, row.Strategy)
		}
	}
	for s := range r.done {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if r.running || len(r.rows) > 0 {
		for _, s := range r.strategies() {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

func (r *race) export() {
	order := r.strategiesRunning()
	rows := slices.Clone(r.rows)
	slices.SortStableFunc(rows, func(a, b msg.Row) int {
		if d := slices.Index(order, a.Strategy) - slices.Index(order, b.Strategy); d != 0 {
			return d
		}
		return a.Round - b.Round
	})
	download("curves.csv", "text/csv", []byte(msg.WriteCSV(rows)))
}

// batchFromSlider maps the slider's 0–300 to a batch size 1–1000 on a log scale.
func batchFromSlider(v int) int {
	return max(1, min(1000, int(math.Round(math.Pow(10, float64(v)/100)))))
}
func sliderFromBatch(b int) int { return int(math.Round(100 * math.Log10(float64(max(b, 1))))) }

func (r *race) Render() app.UI {
	if r.picked == nil {
		return app.Div().Class("lab")
	}
	state := "idle"
	switch {
	case r.running:
		state = "running"
	case len(r.rows) > 0 && r.errText == "":
		state = "done"
	}
	opts := make([]app.UI, 0, len(msg.Strategies))
	for _, s := range msg.Strategies {
		opts = append(opts, app.Label().Class("check").Body(
			app.Input().Type("checkbox").Checked(r.picked[s]).Disabled(r.running || s == "random").
				OnChange(func(ctx app.Context, e app.Event) { r.picked[s] = ctx.JSSrc().Get("checked").Bool() }),
			app.Span().Class("swatch").Style("background", raceColors[s]),
			app.Text(s),
		))
	}
	num := func(label string, v, lo, hi int, set func(int)) app.UI {
		return app.Label().Body(app.Span().Text(label),
			app.Input().Type("number").Min(lo).Max(hi).Value(v).Disabled(r.running).
				OnChange(func(ctx app.Context, e app.Event) {
					if n := atoi(ctx.JSSrc().Get("value").String()); n >= lo && n <= hi {
						set(n)
					}
				}))
	}
	status := "Pick strategies and a batch size, then start. Random is always in the race: it is the baseline."
	if len(r.rows) > 0 || r.running {
		top := 0
		for _, row := range r.rows {
			top = max(top, row.Labelled)
		}
		status = fmt.Sprintf("%.0f s · %d strategies on %d worker(s) · up to %d of %d labels", r.elapsed.Seconds(), len(r.strategiesRunning()), r.nw, top, r.cfg.Budget)
		if state == "done" {
			status = "Finished in " + status
		}
	}
	return app.Div().Class("lab race").Body(
		app.Header().Class("top").Body(
			app.H1().Text("Strategy race: does a greedy batch beat random?"),
			app.P().Class("lede").Text("Here nobody labels by hand: MNIST's own labels answer every query. Each strategy starts "+
				"from the same labelled digits and queries batches until the budget is spent, trained and scored by the same "+
				"engine as `alab run`, in Web Workers on this device. Try a batch of 1000 from 100 labels: a top-k batch "+
				"picks near-copies of the same confusing digits and can fall below random, while batch-aware strategies "+
				"(coreset, badge, power-bald) spread out."),
			tabs("/race"),
		),
		app.Main().Class("layout").Body(
			app.Section().Class("panel").Body(
				app.H2().Text("Test accuracy against labelled samples"),
				app.Div().DataSet("testid", "race-chart").DataSet("rows", len(r.rows)).Body(app.Raw(raceChart(r.rows, r.strategiesRunning(), r.cfg))),
				app.P().Class("status").DataSet("testid", "race-status").DataSet("state", state).Text(status),
				r.table(),
				app.If(r.errText != "", app.P().Class("error").Text(r.errText)),
			),
			app.Aside().Class("side").Body(
				app.Section().Class("panel settings").Body(
					app.H2().Text("Race"),
					app.Label().Body(
						app.Span().Text(fmt.Sprintf("Batch size: %d", r.cfg.Batch)),
						app.Input().Type("range").Min(0).Max(300).Value(sliderFromBatch(r.cfg.Batch)).DataSet("testid", "race-batch").
							Disabled(r.running).OnInput(func(ctx app.Context, e app.Event) {
							r.cfg.Batch = batchFromSlider(atoi(ctx.JSSrc().Get("value").String()))
							if r.cfg.Budget < r.cfg.Init+r.cfg.Batch {
								r.cfg.Budget = r.cfg.Init + 2*r.cfg.Batch
							}
						}),
					),
					num("Initial labels", r.cfg.Init, 10, 1000, func(n int) { r.cfg.Init = n }),
					num("Budget (labels)", r.cfg.Budget, 20, 10000, func(n int) { r.cfg.Budget = n }),
					num("Candidates scored", r.cfg.PoolSubset, 100, 10000, func(n int) { r.cfg.PoolSubset = n }),
					num("Training steps a round", r.cfg.Steps, 1, 1000, func(n int) { r.cfg.Steps = n }),
					num("MC dropout passes T", r.cfg.MCSamples, 1, 100, func(n int) { r.cfg.MCSamples = n }),
					app.Div().Class("checks").Body(opts...),
					app.Div().Class("buttons").Body(
						app.If(r.running,
							app.Button().Class("submit").DataSet("testid", "race-stop").Text("Stop").OnClick(func(app.Context, app.Event) { r.stop() }),
						).Else(
							app.Button().Class("submit").DataSet("testid", "race-start").Text("Start the race").OnClick(func(app.Context, app.Event) { r.begin() }),
						),
						app.Button().DataSet("testid", "race-export").Text("Curves (CSV)").Disabled(len(r.rows) == 0).
							OnClick(func(app.Context, app.Event) { r.export() }),
					),
					app.P().Class("small").Text(fmt.Sprintf("Same as `alab run --strategies … --batch %d --init %d --budget %d --pool-subset %d --mc-samples %d "+
						"--steps %d --warm-start --seed %d`, on the page's pool (the first 10,000 MNIST training digits) and test set "+
						"(the first 2,000 test digits). The CSV has alab run's columns.",
						r.cfg.Batch, r.cfg.Init, r.cfg.Budget, r.cfg.PoolSubset, r.cfg.MCSamples, r.cfg.Steps, r.cfg.Seed)),
				),
			),
		),
	)
}

// table lists each strategy's latest point: accuracy, label entropy and the classes of its
// last batch.
func (r *race) table() app.UI {
	order := r.strategiesRunning()
	if len(order) == 0 {
		return app.Text("")
	}
	last := map[string]msg.Row{}
	hist := map[string][10]int{}
	for _, row := range r.rows {
		last[row.Strategy] = row
		if slices.Max(row.Histogram[:]) > 0 {
			hist[row.Strategy] = row.Histogram
		}
	}
	trs := []app.UI{app.Tr().Body(app.Th().Text("strategy"), app.Th().Text("labels"), app.Th().Text("accuracy"),
		app.Th().Text("label entropy"), app.Th().Text("classes of its last batch (0–9)"))}
	for _, s := range order {
		row, ok := last[s]
		acc, lab, ent := "–", "–", "–"
		if ok {
			acc, lab, ent = fmt.Sprintf("%.1f%%", 100*row.TestAccuracy), strconv.Itoa(row.Labelled), fmt.Sprintf("%.2f", row.LabelEntropy)
		}
		if r.done[s] {
			lab += " ✓"
		}
		trs = append(trs, app.Tr().Body(
			app.Td().Body(app.Span().Class("swatch").Style("background", raceColors[s]), app.Text(s)),
			app.Td().Text(lab), app.Td().Text(acc), app.Td().Text(ent),
			app.Td().Body(app.Raw(miniHist(hist[s], raceColors[s]))),
		))
	}
	return app.Table().Class("race-table").Body(trs...)
}

func miniHist(h [10]int, color string) string {
	top := max(1, slices.Max(h[:]))
	var sb strings.Builder
	sb.WriteString(`<svg class="mini" viewBox="0 0 100 20">`)
	for k, v := range h {
		bh := 16 * float64(v) / float64(top)
		fmt.Fprintf(&sb, `<rect x="%d" y="%.1f" width="8" height="%.1f" fill="%s"><title>%d: %d</title></rect>`, k*10, 18-bh, math.Max(bh, 0.5), color, k, v)
	}
	sb.WriteString(`</svg>`)
	return sb.String()
}

// raceChart draws each strategy's test accuracy against labelled samples (the axes of
// alab run's curves.svg).
func raceChart(rows []msg.Row, order []string, cfg msg.Race) string {
	const w, ht, l, r, t, b = 640.0, 360.0, 48.0, 14.0, 14.0, 40.0
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart race-chart" viewBox="0 0 %g %g" role="img" aria-label="test accuracy against labelled samples">`, w, ht)
	xmin, xmax := float64(cfg.Init), float64(max(cfg.Budget, cfg.Init+1))
	ymin := 1.0
	for _, row := range rows {
		ymin = math.Min(ymin, row.TestAccuracy)
		xmax = math.Max(xmax, float64(row.Labelled))
	}
	ylo := math.Max(0, math.Floor(ymin*10)/10)
	if len(rows) == 0 {
		ylo = 0
	}
	x := func(v float64) float64 { return l + (v-xmin)/(xmax-xmin)*(w-l-r) }
	y := func(v float64) float64 { return t + (1-(v-ylo)/(1-ylo))*(ht-t-b) }
	for g := ylo; g <= 1.0001; g += 0.1 {
		fmt.Fprintf(&sb, `<line class="grid" x1="%g" x2="%g" y1="%.1f" y2="%.1f"/><text class="tick" x="%g" y="%.1f">%.1f</text>`,
			l, w-r, y(g), y(g), l-5, y(g)+3, g)
	}
	for i := 0; i <= 5; i++ {
		v := xmin + float64(i)/5*(xmax-xmin)
		fmt.Fprintf(&sb, `<line class="grid" x1="%.1f" x2="%.1f" y1="%g" y2="%g"/><text class="tick mid" x="%.1f" y="%g">%.0f</text>`,
			x(v), x(v), t, ht-b, x(v), ht-b+13, v)
	}
	fmt.Fprintf(&sb, `<text class="axis" x="%g" y="%g">labelled samples</text>`, (l+w-r)/2, ht-6)
	fmt.Fprintf(&sb, `<text class="axis" transform="rotate(-90)" x="%g" y="12">test accuracy</text>`, -(t+ht-b)/2)
	if len(rows) == 0 {
		fmt.Fprintf(&sb, `<text x="%g" y="%g" class="empty">the curves grow here once the race starts</text>`, (l+w-r)/2, (t+ht-b)/2)
	}
	for i, s := range order {
		var pts []msg.Row
		for _, row := range rows {
			if row.Strategy == s {
				pts = append(pts, row)
			}
		}
		color := raceColors[s]
		if len(pts) > 0 {
			fmt.Fprintf(&sb, `<polyline class="curve" data-strategy="%s" stroke="%s" points="`, s, color)
			for _, p := range pts {
				fmt.Fprintf(&sb, "%.1f,%.1f ", x(float64(p.Labelled)), y(p.TestAccuracy))
			}
			sb.WriteString(`"/>`)
			for _, p := range pts {
				fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s, %d labels: %.1f%%</title></circle>`,
					x(float64(p.Labelled)), y(p.TestAccuracy), color, s, p.Labelled, 100*p.TestAccuracy)
			}
		}
		// Legend, bottom right.
		ly := ht - b - 12 - float64(len(order)-1-i)*16
		fmt.Fprintf(&sb, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/><text class="lg" x="%g" y="%.1f">%s</text>`,
			w-r-130, w-r-110, ly, ly, color, w-r-104, ly+4, s)
	}
	sb.WriteString(`</svg>`)
	return sb.String()
}
