package ui

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// tourStep is one idea of the blog post "Batch Active Learning" (Gissin's series) and the
// panel of this page that shows it.
type tourStep struct {
	Idea, Text, Href, Panel string
}

// tour is the guided tour, in the post's order.
var tour = []tourStep{
	{"Batch size", "The post's setting: the network is retrained only after a whole batch is labelled, so a strategy " +
		"picks many digits at once from one model. In the lab, set the batch to 10, then to 100, and watch how much " +
		"each round's digits look alike.", "/", "the lab: settings and the batch on screen"},
	{"Redundancy", "Top-k by an uncertainty score picks near-copies of the same confusing digit, and a batch of " +
		"near-copies teaches little more than one of them. The race shows it: at a batch of 1000 from 100 labels, " +
		"greedy scores fall towards random while coreset, badge and power-bald spread out.", "/race", "the race"},
	{"The map", "Where the batch sits among the pool: the lab's redundancy map plots each round's picks over the " +
		"candidates, with the batch's class histogram and pairwise distances beside a random batch's.", "/", "the lab: the redundancy map"},
	{"Uncertainty", "The softmax looks like probabilities but is over-confident; Gal's MC dropout keeps dropout on " +
		"for T passes and reads the spread. Draw an ambiguous digit (a 4 that could be a 9): the softmax may still say 90 %, " +
		"while the passes disagree. Least confidence, margin and entropy score the softmax; BALD and variation ratios the passes.", "/draw", "this page: what the network believes"},
	{"Margin", "The distance to the decision boundary, estimated by walking an adversarial example across it " +
		"(DFAL uses DeepFool; FGSM takes signed gradient steps). A digit with a short walk sits near the boundary — the one " +
		"a margin strategy asks about. The twins below your drawing are those walks' ends.", "/draw", "this page: how far from changing its mind"},
}

// tourPanel is the guided tour: each step of the post's argument and a link to the panel
// that shows it, for a reader with the post open beside the page.
type tourPanel struct{ app.Compo }

func (t *tourPanel) Render() app.UI {
	return app.Section().Class("panel tour").DataSet("testid", "tour").Body(
		app.H2().Text("A tour with the post beside you"),
		app.P().Class("small").Body(
			app.Text("Read alongside “"),
			app.A().Href("https://dsgissin.github.io/DiscriminativeActiveLearning/").Text("Batch Active Learning"),
			app.Text("” (the second post of the series), the post's ideas one at a time, each with the panel that shows it."),
		),
		app.Ol().Class("tour-steps").Body(app.Range(tour).Slice(func(i int) app.UI {
			s := tour[i]
			return app.Li().DataSet("step", s.Idea).Body(
				app.Strong().Text(s.Idea+". "), app.Text(s.Text+" "),
				app.A().Href(s.Href).Text("→ "+s.Panel),
			)
		})),
	)
}
