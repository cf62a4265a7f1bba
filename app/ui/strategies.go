package ui

import (
	"slices"

	"alab/app/ui/chart"
	"alab/wasm/msg"
)

// strategyHelp says in a line what each strategy of msg.Strategies asks for.
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

// strategyColor is the colour of strategy s's curve, swatch and bars: the palette's colour
// at its index in msg.Strategies, so every view gives a strategy the same one.
func strategyColor(s string) string {
	return chart.Color(max(0, slices.Index(msg.Strategies, s)))
}
