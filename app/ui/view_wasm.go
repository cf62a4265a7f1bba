//go:build wasm

package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// strategyHelp says in a line what each strategy asks for.
var strategyHelp = map[string]string{
	"margin":              "the digits whose top two classes are closest",
	"least-confidence":    "the digits whose top class is least probable",
	"entropy":             "the digits with the most spread-out prediction",
	"random":              "digits at random (the baseline)",
	"bald":                "MC dropout: where the dropout passes disagree most (BALD)",
	"var-ratios":          "MC dropout: where the passes vote least unanimously",
	"mc-entropy":          "MC dropout: the highest entropy of the mean prediction",
	"mc-least-confidence": "MC dropout: the least confident mean prediction",
	"mean-std":            "MC dropout: the largest spread of class probabilities",
	"power-bald":          "BALD scores sampled, not top-k: a more diverse batch",
	"coreset":             "digits far from everything labelled (k-center)",
	"badge":               "uncertain and diverse (gradient embeddings, k-means++)",
	"fgsm":                "the digits an adversarial nudge flips soonest (FGSM)",
	"deepfool":            "the digits closest to a decision boundary (DeepFool, DFAL)",
}

func (c *lab) Render() app.UI {
	if c.s == nil {
		return app.Div().Class("lab").Body(c.header())
	}
	engine := "busy"
	if c.idle {
		engine = "idle"
	}
	return app.Div().Class("lab").DataSet("engine", engine).Body(
		c.header(),
		app.If(c.notice != "", app.P().Class("notice").Text(c.notice)),
		app.Main().Class("layout").Body(
			app.Div().Class("maincol").Body(c.batchPanel(), c.redundancyPanel()),
			c.sidePanel(),
		),
		app.Footer().Class("foot").Body(
			app.Text("alab · the model, its training and your labels stay in this browser · "),
			app.A().Href("https://github.com/dsgissin/DiscriminativeActiveLearning").Text("the blog series' code"),
		),
	)
}

func (c *lab) header() app.UI {
	return app.Header().Class("top").Body(
		app.H1().Text("Batch active learning: you label, the network asks"),
		app.P().Class("lede").Text(
			"A small convolutional network is training in this tab, on your device. It started from 20 MNIST digits "+
				"with their labels. Each round it picks the digits it would most like to know — by the query strategy you "+
				"choose — and asks you to label them. Your labels retrain it, and the chart shows how its accuracy on "+
				"2,000 test digits grows with the number of labels. Nothing is sent anywhere."),
		tabs("/"),
	)
}

// tabs links the page's two views; current is the path of the one shown.
func tabs(current string) app.UI {
	tab := func(path, testid, text string) app.UI {
		cls := "tab"
		if path == current {
			cls += " current"
		}
		return app.A().Href(path).Class(cls).DataSet("testid", testid).Text(text)
	}
	return app.Nav().Class("tabs").Body(
		tab("/", "lab-tab", "You label, the network asks"),
		tab("/race", "race-tab", "Strategy race: why batches matter"),
	)
}

func (c *lab) batchPanel() app.UI {
	items := c.items()
	title := "Waiting for the first batch"
	if c.s.Batch != nil {
		title = fmt.Sprintf("Round %d · %d digits chosen by %s", c.s.Round+1, len(items), c.s.Batch.Strategy)
	}
	return app.Section().Class("panel batch").Body(
		app.Div().Class("panel-head").Body(
			app.H2().Text(title),
			app.P().Class("keys").Body(
				app.Kbd().Text("0"), app.Text("–"), app.Kbd().Text("9"), app.Text(" label the highlighted digit · "),
				app.Kbd().Text("S"), app.Text(" skip an unreadable one · "),
				app.Kbd().Text("⌫"), app.Text(" undo · "),
				app.Kbd().Text("←"), app.Kbd().Text("→"), app.Text(" move · "),
				app.Kbd().Text("Enter"), app.Text(" submit"),
			),
		),
		app.If(len(items) == 0,
			app.Div().Class("waiting").Body(
				app.Div().Class("spinner"),
				app.P().Text(c.stageText()),
			),
		).Else(
			app.Div().Class("grid").Body(
				app.Range(items).Slice(func(i int) app.UI { return c.card(i, items[i]) }),
			),
			c.keypad(),
		),
		app.If(c.errText != "", app.P().Class("error").Text(c.errText)),
	)
}

func (c *lab) stageText() string {
	if c.stage != "" {
		return strings.ToUpper(c.stage[:1]) + c.stage[1:] + "…"
	}
	return "Working…"
}

func (c *lab) card(i int, it msg.Item) app.UI {
	a := noAnswer
	if i < len(c.s.Answers) {
		a = c.s.Answers[i]
	}
	cls := "card"
	if i == c.focus {
		cls += " focus"
	}
	answer := "?"
	switch {
	case a == msg.Skip:
		answer, cls = "skip", cls+" skipped"
	case a >= 0:
		answer, cls = strconv.Itoa(a), cls+" done"
	}
	score := fmt.Sprintf("score %.3g", it.Score)
	var twin app.UI
	if it.Adversarial != nil {
		twin = app.Figure().Class("twin").Body(
			app.Img().Class("digit small").Src(c.png(fmt.Sprintf("a%d", it.ID), it.Adversarial)).Alt("adversarial twin"),
			app.FigCaption().Text(fmt.Sprintf("→ %d at L2 %.2f", it.AdvPred, it.Score)),
		)
		score = fmt.Sprintf("distance %.3g", it.Score)
	}
	return app.Div().Class(cls).DataSet("testid", "query-item").DataSet("id", it.ID).DataSet("answer", answer).
		OnClick(func(ctx app.Context, e app.Event) { c.focus = i }).Body(
		app.Div().Class("pair").Body(
			app.Img().Class("digit").Src(c.png(fmt.Sprintf("d%d", it.ID), it.Image)).Alt("digit to label"),
			app.If(twin != nil, twin),
		),
		app.Div().Class("meta").Body(
			app.Span().Class("pred").Text(fmt.Sprintf("model: %d (%.0f%%)", it.Pred, 100*it.Prob)),
			app.Span().Class("score").Text(score),
		),
		app.Div().Class("answer").Text(answer),
	)
}

func (c *lab) keypad() app.UI {
	keys := make([]app.UI, 0, 13)
	for d := 0; d <= 9; d++ {
		keys = append(keys, app.Button().Class("key").Text(strconv.Itoa(d)).
			OnClick(func(ctx app.Context, e app.Event) { c.answer(c.focus, d) }))
	}
	keys = append(keys,
		app.Button().Class("key wide").Text("skip").OnClick(func(ctx app.Context, e app.Event) { c.answer(c.focus, msg.Skip) }),
		app.Button().Class("key wide").Text("undo").OnClick(func(ctx app.Context, e app.Event) { c.undoLast() }),
	)
	label := "Submit batch"
	if c.busy {
		label = "Working…"
	}
	return app.Div().Class("actions").Body(
		app.Div().Class("keypad").Body(keys...),
		app.Button().Class("submit").DataSet("testid", "submit-batch").
			Disabled(!c.ready || c.busy || !c.complete()).
			OnClick(func(ctx app.Context, e app.Event) { c.submitBatch() }).Text(label),
	)
}

func (c *lab) sidePanel() app.UI {
	acc := "–"
	if n := len(c.s.History); n > 0 {
		acc = fmt.Sprintf("%.1f%%", 100*c.s.History[n-1].Accuracy)
	}
	return app.Aside().Class("side").Body(
		app.Section().Class("panel stats").Body(
			app.Div().Class("stat").Body(
				app.Span().Class("num").DataSet("testid", "labelled-count").Text(strconv.Itoa(c.s.labelled())),
				app.Span().Class("lbl").Text("labels"),
			),
			app.Div().Class("stat").Body(
				app.Span().Class("num").DataSet("testid", "test-accuracy").Text(acc),
				app.Span().Class("lbl").Text("test accuracy"),
			),
			app.Div().Class("stat").Body(
				app.Span().Class("num").Text(strconv.Itoa(c.s.Round)),
				app.Span().Class("lbl").Text("batches"),
			),
		),
		app.Section().Class("panel").Body(
			app.H2().Text("Accuracy against labels"),
			app.Raw(chart(c.s.History)),
			app.If(c.busy && len(c.items()) > 0 || c.busy && c.ready, app.P().Class("status").Text(c.stageText())),
			app.P().Class("timings").Text(c.timingText()),
			app.If(c.notesText() != "", app.P().Class("timings").DataSet("testid", "round-notes").Text(c.notesText())),
		),
		c.personPanel(),
		c.settingsPanel(),
		c.disagreementsPanel(),
		app.Section().Class("panel").Body(
			app.H2().Text("Your session"),
			app.P().Class("small").Text("Saved in this browser after every label. Export takes it with you."),
			app.Div().Class("buttons").Body(
				app.Button().DataSet("testid", "export-csv").Text("Labels (CSV)").OnClick(func(ctx app.Context, e app.Event) { c.exportLabels("csv") }),
				app.Button().DataSet("testid", "export-json").Text("Labels (JSON)").OnClick(func(ctx app.Context, e app.Event) { c.exportLabels("json") }),
				app.Button().DataSet("testid", "export-model").Text("Model (.npz)").Disabled(!c.ready).
					OnClick(func(ctx app.Context, e app.Event) { c.send(msg.Msg{Kind: msg.KindModel}) }),
				app.Button().Class("danger").DataSet("testid", "reset").Text("Reset…").OnClick(c.reset),
			),
		),
	)
}

// notesText is what the worker noted about the batch on screen (an adjusted setting, a
// network trained ahead of time), capitalised as a sentence.
func (c *lab) notesText() string {
	if c.s.Batch == nil || len(c.s.Batch.Notes) == 0 {
		return ""
	}
	s := strings.Join(c.s.Batch.Notes, "; ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func (c *lab) timingText() string {
	t := c.timings
	if t.Total == 0 {
		return ""
	}
	s := fmt.Sprintf("Last round: train %.0f ms · score %.0f ms · select %.0f ms", t.Train, t.Score, t.Select)
	if c.wait > 0 {
		s += fmt.Sprintf(" · next batch %.2f s after submit", c.wait.Seconds())
	}
	if n := len(c.s.History); n > 0 && c.s.History[n-1].Ms > 0 {
		s += fmt.Sprintf(" · test %.0f ms", c.s.History[n-1].Ms)
	}
	return s
}

func (c *lab) settingsPanel() app.UI {
	st := c.s.Settings.WithDefaults()
	opts := make([]app.UI, len(msg.Strategies))
	for i, n := range msg.Strategies {
		opts[i] = app.Option().Value(n).Text(n).Selected(n == st.Strategy)
	}
	subsets := []int{500, 1000, 2000, 5000, 10000}
	subOpts := make([]app.UI, len(subsets))
	for i, n := range subsets {
		subOpts[i] = app.Option().Value(strconv.Itoa(n)).Text(strconv.Itoa(n)).Selected(n == st.PoolSubset)
	}
	return app.Section().Class("panel settings").Body(
		app.H2().Text("Next round"),
		app.Label().Body(
			app.Span().Text("Strategy"),
			app.Select().DataSet("testid", "strategy").Body(opts...).
				OnChange(c.setSetting(func(s *msg.Settings, v string) { s.Strategy = v })),
		),
		app.P().Class("small hint").Text(strategyHelp[st.Strategy]),
		app.Label().Body(
			app.Span().Text("Batch size"),
			app.Input().Type("number").Min(1).Max(100).Value(st.Batch).
				OnChange(c.setSetting(func(s *msg.Settings, v string) { s.Batch = atoi(v) })),
		),
		app.Label().Body(
			app.Span().Text("MC dropout passes T"),
			app.Input().Type("number").Min(1).Max(100).Value(st.MCSamples).
				OnChange(c.setSetting(func(s *msg.Settings, v string) { s.MCSamples = atoi(v) })),
		),
		app.Label().Body(
			app.Span().Text("Candidates scored"),
			app.Select().Body(subOpts...).
				OnChange(c.setSetting(func(s *msg.Settings, v string) { s.PoolSubset = atoi(v) })),
		),
		app.P().Class("small").Text("Changes apply from the next batch. The pool holds 10,000 MNIST training digits."),
	)
}

func (c *lab) disagreementsPanel() app.UI {
	d := c.s.Disagreements
	if c.s.Round == 0 {
		return app.Text("")
	}
	body := []app.UI{app.H2().Text("You and MNIST")}
	if len(d) == 0 {
		body = append(body, app.P().Class("small").Text("In the last batch you agreed with MNIST's label on every digit you labelled."))
	} else {
		body = append(body, app.P().Class("small").Text(fmt.Sprintf(
			"In the last batch you disagreed with MNIST's label %d time(s). MNIST has a few mislabelled digits; your label is the one used.", len(d))))
		cells := make([]app.UI, len(d))
		for i, x := range d {
			cells[i] = app.Figure().Class("dis").Body(
				app.Img().Class("digit small").Src(c.png(fmt.Sprintf("d%d", x.ID), x.Image)),
				app.FigCaption().Text(fmt.Sprintf("you %d · MNIST %d", x.Given, x.MNIST)),
			)
		}
		body = append(body, app.Div().Class("dis-grid").Body(cells...))
	}
	return app.Section().Class("panel").DataSet("testid", "disagreements").Body(body...)
}

// chart draws test accuracy against the number of labels as an SVG.
func chart(h []msg.Accuracy) string {
	const w, ht, l, r, t, b = 320.0, 190.0, 38.0, 10.0, 10.0, 28.0
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="test accuracy against labels">`, w, ht)
	if len(h) == 0 {
		fmt.Fprintf(&sb, `<text x="%g" y="%g" class="empty">the curve appears after the first round</text></svg>`, w/2, ht/2)
		return sb.String()
	}
	xmin, xmax := float64(h[0].Labelled), float64(h[0].Labelled)
	ymin := 1.0
	for _, p := range h {
		xmin, xmax = math.Min(xmin, float64(p.Labelled)), math.Max(xmax, float64(p.Labelled))
		ymin = math.Min(ymin, p.Accuracy)
	}
	if xmax-xmin < 10 {
		xmax = xmin + 10
	}
	ylo := math.Max(0, math.Floor(ymin*10)/10)
	if ylo > 0.9 {
		ylo = 0.9
	}
	x := func(v float64) float64 { return l + (v-xmin)/(xmax-xmin)*(w-l-r) }
	y := func(v float64) float64 { return t + (1-(v-ylo)/(1-ylo))*(ht-t-b) }
	for g := ylo; g <= 1.0001; g += 0.1 {
		fmt.Fprintf(&sb, `<line class="grid" x1="%g" x2="%g" y1="%.1f" y2="%.1f"/><text class="tick" x="%g" y="%.1f">%.0f%%</text>`,
			l, w-r, y(g), y(g), l-4, y(g)+3, g*100)
	}
	fmt.Fprintf(&sb, `<text class="tick" x="%g" y="%g" text-anchor="start">%.0f</text><text class="tick" x="%g" y="%g">%.0f labels</text>`,
		l, ht-b+14, xmin, w-r, ht-b+14, xmax)
	sb.WriteString(`<polyline class="line" points="`)
	for _, p := range h {
		fmt.Fprintf(&sb, "%.1f,%.1f ", x(float64(p.Labelled)), y(p.Accuracy))
	}
	sb.WriteString(`"/>`)
	for _, p := range h {
		fmt.Fprintf(&sb, `<circle class="dot" cx="%.1f" cy="%.1f" r="3"><title>%d labels: %.1f%%</title></circle>`,
			x(float64(p.Labelled)), y(p.Accuracy), p.Labelled, 100*p.Accuracy)
	}
	sb.WriteString(`</svg>`)
	return sb.String()
}
