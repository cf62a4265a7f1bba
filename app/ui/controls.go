package ui

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// settingsPanel is the controls of the next round: strategy, batch size, MC dropout
// passes and candidates scored.
type settingsPanel struct {
	app.Compo
	Settings msg.Settings // with defaults filled in
	Speed    deviceSpeed  // what each strategy's round costs here
	Pool     string       // what the pool holds, as a sentence
}

func (p *settingsPanel) Render() app.UI {
	st := p.Settings
	opts := make([]app.UI, len(msg.Strategies))
	for i, s := range msg.Strategies {
		opts[i] = app.Option().Value(s.Name).Text(s.Name + " · " + strategyCost(s, st, p.Speed)).Selected(s.Name == st.Strategy)
	}
	subsets := []int{500, 1000, 2000, 5000, 10000}
	if !slices.Contains(subsets, st.PoolSubset) { // a pool of the person's images, smaller
		subsets = append([]int{st.PoolSubset}, subsets...)
	}
	subOpts := make([]app.UI, len(subsets))
	for i, n := range subsets {
		subOpts[i] = app.Option().Value(strconv.Itoa(n)).Text(strconv.Itoa(n)).Selected(n == st.PoolSubset)
	}
	set := func(field string) app.EventHandler {
		return func(ctx app.Context, e app.Event) {
			actSetting.post(ctx, setting{field, ctx.JSSrc().Get("value").String()})
		}
	}
	number := func(label, field string, v int) app.UI {
		return app.Label().Body(app.Span().Text(label),
			app.Input().Type("number").Min(1).Max(100).Value(v).OnChange(set(field)))
	}
	return app.Section().Class("panel settings").Body(
		app.H2().Text("Next round"),
		app.Label().Body(
			app.Span().Text("Strategy"),
			app.Select().DataSet("testid", "strategy").Body(opts...).OnChange(set(settingStrategy)),
		),
		app.P().Class("small hint").Text(strategyHelp(st.Strategy)),
		app.P().Class("small hint").DataSet("testid", "strategy-cost").Text(costHint(st, p.Speed)),
		number("Batch size", settingBatch, st.Batch),
		number("MC dropout passes T", settingMCSamples, st.MCSamples),
		app.Label().Body(
			app.Span().Text("Candidates scored"),
			app.Select().Body(subOpts...).OnChange(set(settingPoolSubset)),
		),
		app.P().Class("small").Text("Changes apply from the next batch. "+p.Pool),
	)
}

// sessionPanel exports the session (labels, model) or starts again.
type sessionPanel struct {
	app.Compo
	Ready bool // the worker holds the model
}

func (p *sessionPanel) Render() app.UI {
	export := func(testid, text, what string) app.HTMLButton {
		return app.Button().DataSet("testid", testid).Text(text).
			OnClick(func(ctx app.Context, e app.Event) { actExport.post(ctx, what) })
	}
	return app.Section().Class("panel").Body(
		app.H2().Text("Your session"),
		app.P().Class("small").Text("Saved in this browser after every label. Export takes it with you."),
		app.Div().Class("buttons").Body(
			export("export-csv", "Labels (CSV)", exportCSV),
			export("export-json", "Labels (JSON)", exportJSON),
			export("export-model", "Model (.npz)", exportModel).Disabled(!p.Ready),
			app.Button().Class("danger").DataSet("testid", "reset").Text("Reset…").
				OnClick(func(ctx app.Context, e app.Event) { actReset.post(ctx, struct{}{}) }),
		),
	)
}

// costHint says what choosing the next batch costs at settings st, and where that holds.
func costHint(st msg.Settings, d deviceSpeed) string {
	s, ok := msg.StrategyNamed(st.Strategy)
	if !ok {
		return ""
	}
	return fmt.Sprintf("Choosing a batch of %d this way scores %d candidates: %s %s, besides training.",
		st.Batch, s.Candidates(st.PoolSubset), strategyCost(s, st, d), d.where())
}
