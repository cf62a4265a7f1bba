package ui

import (
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// drawCommand is what the person does on the draw view: clear the drawing, label it (arg
// 0–9), or take a digit of the batch as the drawing (arg its index), for a keyboard.
type drawCommand struct {
	op  int
	arg int
}

const (
	drawClear = iota
	drawLabel
	drawUseDigit
)

// drawKey maps a key (KeyboardEvent.key) to its draw command: C clears, 0–9 label.
func drawKey(key string) (drawCommand, bool) {
	switch {
	case key == "c" || key == "C":
		return drawCommand{op: drawClear}, true
	case len(key) == 1 && key[0] >= '0' && key[0] <= '9':
		return drawCommand{op: drawLabel, arg: int(key[0] - '0')}, true
	}
	return drawCommand{}, false
}

// drawTools are the controls beside the canvas: clear, the 28×28 input, label it.
type drawTools struct {
	app.Compo
	Input    string // the input's data URL, "" if none
	Pixels   string // its 784 pixels, space-separated, for scripts
	Note     string // why there is no input, or what labelling did
	Digits   int    // digits of the batch offered in place of a drawing
	Waiting  int    // drawings labelled, waiting for the next submit
	HasInput bool
}

func (t *drawTools) Render() app.UI {
	post := func(c drawCommand) app.EventHandler {
		return func(ctx app.Context, e app.Event) { actDraw.post(ctx, c) }
	}
	input := app.Div().Class("draw-input empty").DataSet("testid", "draw-input").Text("28×28")
	if t.Input != "" {
		input = app.Div().Class("draw-input").Body(
			app.Img().Class("digit").Src(t.Input).Alt("your drawing as the network's 28×28 input").
				DataSet("testid", "draw-input").DataSet("pixels", t.Pixels))
	}
	return app.Div().Class("draw-tools").Body(
		app.Figure().Body(input, app.FigCaption().Text("the network's input")),
		app.Button().DataSet("testid", "draw-clear").Text("Clear (C)").OnClick(post(drawCommand{op: drawClear})),
		app.If(t.Digits > 0, app.Button().Class("quiet").Text("Use a digit of the batch").
			OnClick(func(ctx app.Context, e app.Event) { actDraw.post(ctx, drawCommand{op: drawUseDigit}) })),
		app.FieldSet().Class("draw-label").DataSet("testid", "draw-label").Disabled(!t.HasInput).Body(
			app.Legend().Text("Label it (keys 0–9)"),
			app.Range(make([]struct{}, 10)).Slice(func(i int) app.UI {
				return app.Button().Class("key").DataSet("label", i).Text(strconv.Itoa(i)).
					Aria("label", fmt.Sprintf("label the drawing %d", i)).OnClick(post(drawCommand{op: drawLabel, arg: i}))
			}),
		),
		app.P().Class("small").DataSet("testid", "draw-waiting").DataSet("count", t.Waiting).Text(waitingText(t.Waiting)),
		app.If(t.Note != "", app.P().Class("small note").Aria("live", "polite").Text(t.Note)),
	)
}

func waitingText(n int) string {
	switch n {
	case 0:
		return "No drawing labelled yet."
	case 1:
		return "1 drawing labelled: it trains when the lab's next batch is submitted."
	}
	return fmt.Sprintf("%d drawings labelled: they train when the lab's next batch is submitted.", n)
}

// beliefPanel is what the network believes and how unsure it is: the prediction, the
// softmax beside the MC dropout mean with each class's spread, the passes, the five scores.
type beliefPanel struct {
	app.Compo
	View probeView
	Has  bool
	Busy bool
	T    int // the dropout passes of the session's settings, before the first answer
}

func (b *beliefPanel) Render() app.UI {
	// The bars are laid out before the first answer, empty, so that the answer only
	// updates them: the first drawing is on screen as fast as the next.
	v := b.View
	prediction := app.P().Class("prediction").DataSet("testid", "draw-prediction")
	if !b.Has {
		text := "Draw a digit: when the pen lifts, the network says what it reads."
		if b.Busy {
			text = "The network is looking…"
		}
		v = probeView{T: b.T}
		for c := range v.Classes {
			v.Classes[c] = classView{Digit: c, SoftText: "–", MeanText: "–"}
		}
		prediction = prediction.Body(app.Span().Class("num").Text("?"), app.Text(" "+text))
	} else {
		prediction = prediction.DataSet("pred", v.Pred).DataSet("ms", v.Ms).Body(
			app.Span().Class("num").Text(v.Pred), app.Text(" "+v.Sentence))
	}
	bar := func(cls string, p float64) app.UI {
		return app.Span().Class("bar "+cls).Style("width", fmt.Sprintf("%.1f%%", 100*p))
	}
	return app.Section().Class("panel belief").Body(
		app.H2().Text("What the network believes"),
		prediction,
		app.Div().Class("bars").Body(
			app.Div().Class("bars-col").DataSet("testid", "draw-softmax").DataSet("values", v.SoftmaxData).Body(
				app.H3().Text("Softmax (dropout off)"),
				app.Range(v.Classes[:]).Slice(func(c int) app.UI {
					cl := v.Classes[c]
					return app.Div().Class("bar-row").Body(app.Span().Class("d").Text(cl.Digit),
						app.Span().Class("track").Body(bar("soft", cl.Softmax)), app.Span().Class("v").Text(cl.SoftText))
				}),
			),
			app.Div().Class("bars-col").DataSet("testid", "draw-mc").DataSet("mean", v.MeanData).DataSet("std", v.StdData).Body(
				app.H3().Text(fmt.Sprintf("MC dropout: mean ± spread of %d passes", v.T)),
				app.Range(v.Classes[:]).Slice(func(c int) app.UI {
					cl := v.Classes[c]
					lo, hi := max(cl.Mean-cl.Std, 0), min(cl.Mean+cl.Std, 1)
					return app.Div().Class("bar-row").Body(app.Span().Class("d").Text(cl.Digit),
						app.Span().Class("track").Body(bar("mc", cl.Mean),
							app.Span().Class("spread").Style("left", fmt.Sprintf("%.1f%%", 100*lo)).Style("width", fmt.Sprintf("%.1f%%", 100*(hi-lo)))),
						app.Span().Class("v").Text(cl.MeanText))
				}),
			),
		),
		app.Figure().Class("passes").Body(svgBox("passes", v.Passes),
			app.FigCaption().Text(fmt.Sprintf("The %d passes, a row each (digits 0–9 left to right): where rows disagree, the network is unsure.", v.T))),
		app.H3().Text("Would the network ask you about it?"),
		app.Ul().Class("scores").DataSet("testid", "draw-scores").Body(
			app.Range(v.Scores).Slice(func(i int) app.UI {
				s := v.Scores[i]
				verdict := "it would not ask about this one"
				if s.Asks {
					verdict = "the network would ask about this one"
				}
				return app.Li().Class("score").DataSet("name", s.Name).DataSet("value", s.Data).DataSet("asks", s.Asks).Body(
					app.Strong().Text(s.Name+" "+s.Value), app.Text(" ("+s.What+") · "+s.Rank+" · "),
					app.Span().Class(map[bool]string{true: "asks", false: "skips"}[s.Asks]).Text(verdict))
			}),
		),
	)
}

// marginPanel is the distance to the decision boundary: each adversarial twin beside its
// amplified perturbation, with its L2 distance and the class it flips to.
type marginPanel struct {
	app.Compo
	Twins []twinView
}

func (m *marginPanel) Render() app.UI {
	return app.Section().Class("panel margin").Body(
		app.H2().Text("How far from changing its mind"),
		app.P().Class("small").Text("The smallest change found that makes the network read another digit: FGSM takes "+
			"small steps along the gradient's sign, DeepFool walks straight to the nearest linearised boundary. "+
			"A short distance is a digit near the boundary — the margin that DFAL queries by."),
		app.Div().Class("twins").Body(app.Range(m.Twins).Slice(func(i int) app.UI {
			t := m.Twins[i]
			if t.Image == "" {
				return app.P().Class("small").Text(t.Caption)
			}
			return app.Figure().Class("twin").DataSet("method", t.Method).Body(
				app.Div().Class("pair").Body(
					app.Img().Class("digit").Src(t.Image).Alt(fmt.Sprintf("%s twin, read as %d", t.Method, t.To)).
						DataSet("testid", "draw-twin").DataSet("to", t.To).DataSet("method", t.Method),
					app.Img().Class("digit").Src(t.Perturbation).Alt(t.Method+" perturbation, amplified")),
				app.FigCaption().Body(app.Text(t.Method+": → "), app.Strong().Text(strconv.Itoa(t.To)),
					app.Text(" at L2 "), app.Span().DataSet("testid", "draw-distance").DataSet("method", t.Method).
						DataSet("value", t.Distance).Text(shortFloat(t.Distance)),
					app.Text(" (twin · perturbation ×, grey is no change)")),
			)
		})),
	)
}

func shortFloat(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%.2f", v)
}
