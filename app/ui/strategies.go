package ui

import (
	"slices"

	"alab/app/ui/chart"
	"alab/wasm/msg"
)

// strategyHelp says in a line what strategy s asks for (msg.Strategies' title).
func strategyHelp(s string) string {
	if st, ok := msg.StrategyNamed(s); ok {
		return st.Title
	}
	return ""
}

// strategyColor is the colour of strategy s's curve, swatch and bars: the palette's colour
// at its index in msg.Strategies, so every view gives a strategy the same one.
func strategyColor(s string) string {
	return chart.Color(max(0, slices.IndexFunc(msg.Strategies, func(st msg.Strategy) bool { return st.Name == s })))
}
