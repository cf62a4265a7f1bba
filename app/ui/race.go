package ui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// raceChart is each strategy's learning curve, growing as the race runs (raceSVG).
type raceChart struct {
	sized
	Rows  []msg.Row
	Order []string
	Cfg   msg.Race
}

func (c *raceChart) Render() app.UI {
	return svgBox("race-box", raceSVG(c.Rows, c.Order, c.Cfg, c.width)).DataSet("testid", "race-chart").DataSet("rows", len(c.Rows))
}

// raceTable lists each strategy's latest point: accuracy, label entropy and the classes of
// its last batch.
type raceTable struct {
	app.Compo
	Rows []raceRow
}

func (t *raceTable) Render() app.UI {
	if len(t.Rows) == 0 {
		return app.Div().Class("none")
	}
	trs := []app.UI{app.Tr().Body(app.Th().Text("strategy"), app.Th().Text("labels"), app.Th().Text("accuracy"),
		app.Th().Text("label entropy"), app.Th().Text("classes of its last batch (0–9)"))}
	for _, r := range t.Rows {
		trs = append(trs, app.Tr().Body(
			app.Td().Body(app.Span().Class("swatch").Style("background", r.Color), app.Text(r.Strategy)),
			app.Td().Text(r.Labels), app.Td().Text(r.Accuracy), app.Td().Text(r.Entropy),
			app.Td().Body(app.Raw(miniHistSVG(r.Hist, r.Color))),
		))
	}
	return app.Div().Class("table-box").Body(app.Table().Class("race-table").Body(trs...))
}

// raceControls are the race's settings, the strategies to race, and start, stop and export.
type raceControls struct {
	app.Compo
	Cfg       msg.Race
	Picked    []string // the strategies picked, in msg.Strategies' order
	Running   bool
	CanExport bool
	Speed     deviceSpeed // what each strategy's race costs here
	Workers   int         // the workers a race runs on
}

func (c *raceControls) Render() app.UI {
	cfg := c.Cfg
	picked := map[string]bool{}
	for _, s := range c.Picked {
		picked[s] = true
	}
	checks := make([]app.UI, 0, len(msg.Strategies))
	for _, st := range msg.Strategies {
		s := st.Name
		checks = append(checks, app.Label().Class("check").Body(
			app.Input().Type("checkbox").Checked(picked[s]).Disabled(c.Running || s == "random").
				OnChange(func(ctx app.Context, e app.Event) {
					actRace.post(ctx, raceCommand{op: racePick, strategy: s, on: ctx.JSSrc().Get("checked").Bool()})
				}),
			app.Span().Class("swatch").Style("background", strategyColor(s)),
			app.Text(s),
			app.Span().Class("small cost").Text(c.Speed.text(cfg.Ops(s))),
		))
	}
	edit := func(field string) app.EventHandler {
		return func(ctx app.Context, e app.Event) {
			actRaceCfg.post(ctx, raceSetting{field, atoi(ctx.JSSrc().Get("value").String())})
		}
	}
	fields := []app.UI{app.Label().Body(
		app.Span().Text(fmt.Sprintf("Batch size: %d", cfg.Batch)),
		app.Input().Type("range").Min(0).Max(300).Value(sliderFromBatch(cfg.Batch)).DataSet("testid", "race-batch").
			Disabled(c.Running).OnInput(edit(raceBatchSlider)),
	)}
	for _, f := range raceFields(&cfg) {
		fields = append(fields, app.Label().Body(app.Span().Text(f.label),
			app.Input().Type("number").Min(f.lo).Max(f.hi).Value(*f.v).Disabled(c.Running).OnChange(edit(f.name))))
	}
	do := func(op raceOp) app.EventHandler {
		return func(ctx app.Context, e app.Event) { actRace.post(ctx, raceCommand{op: op}) }
	}
	return app.Section().Class("panel settings").Body(
		app.H2().Text("Race"),
		app.Div().Body(fields...),
		app.Div().Class("checks").Body(checks...),
		app.P().Class("small hint").DataSet("testid", "race-cost").Text(raceCostHint(cfg, c.Picked, c.Workers, c.Speed)),
		app.Div().Class("buttons").Body(
			app.If(c.Running,
				app.Button().Class("submit").DataSet("testid", "race-stop").Text("Stop").OnClick(do(raceStop)),
			).Else(
				app.Button().Class("submit").DataSet("testid", "race-start").Text("Start the race").OnClick(do(raceStart)),
			),
			app.Button().DataSet("testid", "race-export").Text("Curves (CSV)").Disabled(!c.CanExport).OnClick(do(raceExport)),
		),
		app.P().Class("small").Text(fmt.Sprintf("Same as `alab run --strategies … --batch %d --init %d --budget %d --pool-subset %d --mc-samples %d "+
			"--steps %d --warm-start --seed %d`, on the page's pool (the first 10,000 MNIST training digits) and test set "+
			"(the first 2,000 test digits). The CSV has alab run's columns.",
			cfg.Batch, cfg.Init, cfg.Budget, cfg.PoolSubset, cfg.MCSamples, cfg.Steps, cfg.Seed)),
	)
}

// raceCostHint says how long a race of the strategies picked takes at cfg on workers
// workers, and where that holds.
func raceCostHint(cfg msg.Race, picked []string, workers int, d deviceSpeed) string {
	cfg.Strategies = picked
	n := max(1, min(workers, len(picked)))
	return fmt.Sprintf("Each strategy's time is for the whole race. These %d take %s on %d workers %s.",
		len(picked), d.text(raceOps(cfg, n)), n, d.where())
}
