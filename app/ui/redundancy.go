package ui

import (
	"fmt"
	"math"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/core/curve"
	"alab/wasm/msg"
)

// redundancyPanel shows why batches matter: where the batch sits in the model's own view of
// the pool, next to a random batch of the same size, with their class histograms, label
// entropies and spreads, and whether the strategy still beats random.
type redundancyPanel struct {
	app.Compo
	Insight    *msg.Insight // nil while the worker maps the pool
	Items      []msg.Item   // the batch on screen
	LastLabels [10]int      // the classes the person gave in the last batch
	Classes    []string     // on the person's images, their class names; nil for the digits
}

func (r *redundancyPanel) Render() app.UI {
	// The same elements whether or not the map is there yet, so the map's component stays
	// mounted (and measured) from round to round.
	in := r.Insight
	var legend, diag app.UI = app.Div().Class("legend"), app.Div().Class("waiting short").Body(
		app.Div().Class("spinner"), app.P().Text("Mapping the pool…"))
	round := -1
	if in != nil {
		legend, diag, round = mapLegend(in), r.diagnostics(in), in.Round
	}
	return app.Section().Class("panel redundancy").Body(
		app.Div().Class("panel-head").Body(app.H2().Text("Is this batch redundant? The pool as the network sees it")),
		app.P().Class("small lead").Text("Each grey dot is a candidate digit, placed by the first two principal components of the "+
			"network's 128-number summary of it (its penultimate layer): digits the network finds alike sit together. "+
			"A greedy top-k batch often lands in one clump — many near-copies of the same question — while a random "+
			"batch spreads over the pool. Hover, tap or tab to a point to see its digit."),
		app.Div().Class("rgrid").Body(
			app.Div().Class("map").DataSet("testid", "redundancy-map").DataSet("round", round).Body(
				&mapChart{Insight: in, Items: r.Items},
				legend,
			),
			app.Div().Class("diag").Body(diag),
		),
	)
}

// diagnostics are the figures beside the map: the preview of a point, the classes of the
// batch and of a random batch, their entropies and spreads, and the halting hint.
func (r *redundancyPanel) diagnostics(in *msg.Insight) app.UI {
	preds := make([]int, len(r.Items))
	for i, it := range r.Items {
		preds[i] = it.Pred
	}
	hb, hr := msg.Histogram(preds), msg.Histogram(in.RandomPreds)
	state, hint := haltingHint(in)
	hintClass := "hint-box"
	if state == "noise" {
		hintClass += " warn"
	}
	return app.Div().Body(
		app.Raw(previewBox(in.Round)),
		app.H3().Text("Classes in the batch"),
		app.Div().DataSet("testid", "batch-histogram").DataSet("hist", histKey(hb)).Body(&histChart{Batch: hb, Random: hr, Classes: r.Classes}),
		app.P().Class("small").Text("Bars: the model's predictions for the batch (orange) and for the random batch (blue)."+lastLabelsText(r.LastLabels, r.Classes)),
		app.Div().Class("figure").DataSet("testid", "batch-entropy").Body(
			app.Span().Class("big").Text(fmt.Sprintf("%.2f", curve.LabelEntropy(hb[:]))),
			app.Span().Text(fmt.Sprintf(" nats label entropy (random batch %.2f; %.2f = every class equally)", curve.LabelEntropy(hr[:]), math.Log(float64(r.classCount())))),
		),
		app.Div().Class("figure").DataSet("testid", "pairwise-distance").Body(
			app.Span().Class("big").Text(fmt.Sprintf("%.2f", in.BatchDistance)),
			app.Span().Text(fmt.Sprintf(" mean distance between the batch's digits (random batch %.2f)%s", in.RandomDistance, spreadText(in))),
		),
		app.Div().Class(hintClass).DataSet("testid", "halting-hint").DataSet("state", state).Text(hint),
	)
}

// mapLegend names the map's marks, with their counts.
func mapLegend(in *msg.Insight) app.UI {
	nb, nr, nl, np := mapCounts(in)
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

// previewBox is the element beside the map where preview_wasm.go shows a point's digit, as
// go-app renders it before a point is shown. It changes with the round only: go-app then
// replaces it, clearing what the preview wrote.
func previewBox(round int) string {
	return fmt.Sprintf(`<div class="hover-card" data-testid="map-preview" data-round="%d" aria-live="polite">`+
		`<div class="digit blank"></div><p class="small">Hover, tap or tab to a point of the map to see its digit here.</p></div>`, round)
}

// mapChart is the redundancy map (mapSVG) at the width of its column; an empty frame of
// its size until the insight is there.
type mapChart struct {
	sized
	Insight *msg.Insight
	Items   []msg.Item
}

func (c *mapChart) Render() app.UI {
	if c.Insight == nil {
		return app.Div().Class("plot rmap-box empty")
	}
	return svgBox("rmap-box", mapSVG(c.Insight, c.Items, c.width))
}

// histChart is the classes of the batch and of the random batch (histSVG).
type histChart struct {
	sized
	Batch, Random [10]int
	Classes       []string // nil for the digits
}

func (c *histChart) Render() app.UI {
	return svgBox("hist-box", histSVG(c.Batch, c.Random, c.Classes, c.width))
}

// classCount is how many classes the network tells apart.
func (r *redundancyPanel) classCount() int {
	if r.Classes != nil {
		return len(r.Classes)
	}
	return 10
}
