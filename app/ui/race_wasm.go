package ui

import (
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// race is the second view: strategies labelled by MNIST's ground truth run side by side,
// each of up to four workers running its share of them, and their learning curves grow
// live. It wires the race's model (raceModel) to the workers and lays out the components.
type race struct {
	app.Compo

	ctx     app.Context
	r       *raceModel
	workers []*engineWorker
}

func (c *race) OnMount(ctx app.Context) {
	c.ctx = ctx
	c.r = newRaceModel(time.Now)
	c.r.speed = loadDeviceSpeed(browserStore())
	actRace.handle(ctx, c.do)
	actRaceCfg.handle(ctx, c.r.set)
}

func (c *race) OnDismount() { c.stop() }

func (c *race) do(rc raceCommand) {
	switch rc.op {
	case raceStart:
		c.begin()
	case raceStop:
		c.stop()
	case raceExport:
		download(raceFile(c.r))
	case racePick:
		if rc.strategy != "random" { // the baseline is always in the race
			c.r.picked[rc.strategy] = rc.on
		}
	}
}

func (c *race) begin() {
	c.stop()
	dispatch := func(f func()) { c.ctx.Dispatch(func(app.Context) { f() }) }
	parts := c.r.begin(min(hardwareThreads(), 4))
	for _, part := range parts {
		w := newWorker(js.Undefined(), dispatch, "a worker stopped", c.receive, c.fail)
		w.post(msg.Msg{Kind: msg.KindRace, Race: &part})
		c.workers = append(c.workers, w)
	}
	if len(parts) > 0 {
		testMark(markRaceStart)
	}
}

func (c *race) stop() {
	for _, w := range c.workers {
		w.close()
	}
	c.workers = nil
	c.r.stopped()
}

func (c *race) fail(what string) {
	c.stop()
	c.r.fail(what)
}

func (c *race) receive(text string) {
	m, err := msg.Decode(text)
	if err != nil {
		c.r.errText = err.Error()
		return
	}
	if c.r.receive(m) {
		c.stop()
		if c.r.errText == "" {
			testMark(markRaceDone)
		}
	}
}

func (c *race) Render() app.UI {
	header := &pageHeader{Current: "/race", Title: "Strategy race: does a greedy batch beat random?",
		Lede: "Here nobody labels by hand: MNIST's own labels answer every query. Each strategy starts " +
			"from the same labelled digits and queries batches until the budget is spent, trained and scored by the same " +
			"engine as `alab run`, in Web Workers on this device. Try a batch of 1000 from 100 labels: a top-k batch " +
			"picks near-copies of the same confusing digits and can fall below random, while batch-aware strategies " +
			"(coreset, badge, power-bald) spread out."}
	r := c.r
	if r == nil {
		return app.Div().Class("lab race").Body(header)
	}
	return app.Div().Class("lab race").Body(
		header,
		app.Main().Class("layout").Body(
			app.Section().Class("panel").Body(
				app.H2().Text("Test accuracy against labelled samples"),
				&raceChart{Rows: r.rows, Order: r.order(), Cfg: r.cfg},
				app.P().Class("status").DataSet("testid", "race-status").DataSet("state", r.state()).Text(r.status()),
				&raceTable{Rows: raceRows(r)},
				app.If(r.errText != "", app.P().Class("error").Text(r.errText)),
			),
			app.Aside().Class("side").Body(
				&raceControls{Cfg: r.cfg, Picked: r.strategies(), Running: r.running, CanExport: len(r.rows) > 0,
					Speed: r.speed, Workers: min(hardwareThreads(), 4)},
			),
		),
	)
}
