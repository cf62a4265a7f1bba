package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/msg"
)

// batchGrid is the batch to label: a card per digit, the focused one highlighted. A tap or
// click on a card focuses it.
type batchGrid struct {
	app.Compo
	Title   string
	Cards   []card
	Focus   int
	Waiting string // what the engine is doing while there is no batch
	Error   string
	Bar     barState
	Classes []string // on the person's images, their class names; nil for the ten digits
}

// barState is what the answer bar shows.
type barState struct {
	Thumb     string // the highlighted digit's image
	Position  string // which digit of the batch it is: "3 of 10"
	CanSubmit bool
	Busy      bool
}

func (g *batchGrid) Render() app.UI {
	return app.Section().Class("panel batch").Body(
		app.Div().Class("panel-head").Body(
			app.H2().Text(g.Title),
			app.P().Class("keys").Body(
				app.Kbd().Text("0"), app.Text("–"), app.Kbd().Text(strconv.Itoa(g.keys()-1)), app.Text(" label the highlighted "+g.what()+" · "),
				app.Kbd().Text("S"), app.Text(" skip an unreadable one · "),
				app.Kbd().Text("⌫"), app.Text(" undo · "),
				app.Kbd().Text("←"), app.Kbd().Text("→"), app.Text(" move · "),
				app.Kbd().Text("Enter"), app.Text(" submit"),
			),
		),
		app.If(len(g.Cards) == 0,
			app.Div().Class("waiting").Body(app.Div().Class("spinner"), app.P().Text(g.Waiting)),
		).Else(
			app.Div().Class("grid").Body(
				app.Range(g.Cards).Slice(func(i int) app.UI { return g.card(i) }),
			),
			&answerBar{State: g.Bar, Classes: g.Classes},
		),
		app.If(g.Error != "", app.P().Class("error").Text(g.Error)),
	)
}

// keys is how many of the keys 0 to 9 label.
func (g *batchGrid) keys() int {
	if g.Classes != nil {
		return len(g.Classes)
	}
	return 10
}

// what the grid's items are.
func (g *batchGrid) what() string {
	if g.Classes != nil {
		return "image" + classKeys(g.Classes)
	}
	return "digit"
}

// classKeys names the key of each class: " (0 cat · 1 dog)".
func classKeys(classes []string) string {
	var b strings.Builder
	for k, c := range classes {
		if k > 0 {
			b.WriteString(" · ")
		}
		b.WriteString(strconv.Itoa(k) + " " + c)
	}
	return " (" + b.String() + ")"
}

func (g *batchGrid) card(i int) app.UI {
	c := g.Cards[i]
	cls := "card"
	if i == g.Focus {
		cls += " focus"
	}
	if c.State != "" {
		cls += " " + c.State
	}
	return app.Div().Class(cls).DataSet("testid", "query-item").DataSet("id", c.ID).DataSet("answer", c.Answer).DataSet("name", c.Name).Title(c.Name).
		OnClick(func(ctx app.Context, e app.Event) { actCommand.post(ctx, command{op: opFocus, arg: i}) }).Body(
		app.Div().Class("pair").Body(
			app.Img().Class("digit").Src(c.Image).Alt("digit to label"),
			app.If(c.Twin != "", app.Figure().Class("twin").Body(
				app.Img().Class("digit small").Src(c.Twin).Alt("adversarial twin"),
				app.FigCaption().Text(c.TwinCaption),
			)),
		),
		app.Div().Class("meta").Body(
			app.Span().Class("pred").Text(c.Pred),
			app.Span().Class("score").Text(c.Score),
		),
		app.Div().Class("answer").Text(c.Answer),
	)
}

// OnUpdate keeps the focused card on screen: on a phone the answer bar covers the bottom of
// the page, and the focus moves on by itself after each answer.
func (g *batchGrid) OnUpdate(ctx app.Context) {
	if !app.IsClient {
		return
	}
	if el := g.JSValue().Call("querySelector", ".card.focus"); el.Truthy() {
		el.Call("scrollIntoView", map[string]any{"block": "nearest"})
	}
}

// answerBar holds the answers for the highlighted digit — 0 to 9, unreadable, undo — and
// the submit button. On a narrow screen it stays at the bottom of the screen, within the
// thumb's reach, showing the digit it answers for.
type answerBar struct {
	app.Compo
	State   barState
	Classes []string // as batchGrid's
}

func (b *answerBar) Render() app.UI {
	keys := make([]app.UI, 0, 12)
	n := 10
	if b.Classes != nil {
		n = len(b.Classes)
	}
	for d := range n {
		text := strconv.Itoa(d)
		if b.Classes != nil {
			text += " " + b.Classes[d]
		}
		keys = append(keys, app.Button().Class("key").DataSet("testid", "key-"+strconv.Itoa(d)).Text(text).
			OnClick(func(ctx app.Context, e app.Event) { actCommand.post(ctx, command{op: opLabel, arg: d}) }))
	}
	keys = append(keys,
		app.Button().Class("key wide skip").DataSet("testid", "key-skip").Title("skip an unreadable digit").Text("unreadable").
			OnClick(func(ctx app.Context, e app.Event) { actCommand.post(ctx, command{op: opLabel, arg: msg.Skip}) }),
		app.Button().Class("key wide").DataSet("testid", "key-undo").Text("undo").
			OnClick(func(ctx app.Context, e app.Event) { actCommand.post(ctx, command{op: opUndo}) }),
	)
	st := b.State
	label := "Submit batch"
	if st.Busy {
		label = "Working…"
	}
	return app.Div().Class("actions").DataSet("testid", "answer-bar").Body(
		app.Div().Class("bar-digit").Body(
			app.If(st.Thumb != "", app.Img().Class("digit").Src(st.Thumb).Alt("the highlighted digit")),
			app.Span().Text(st.Position),
		),
		app.Div().Class("keypad").Body(keys...),
		app.Button().Class("submit").DataSet("testid", "submit-batch").Disabled(!st.CanSubmit).
			OnClick(func(ctx app.Context, e app.Event) { actCommand.post(ctx, command{op: opSubmit}) }).Text(label),
	)
}
