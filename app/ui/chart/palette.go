package chart

import (
	"fmt"
	"image/color"
)

// Palette holds distinguishable line colours: Tableau's 10, black and gold, and eight of
// Tableau's light tones — one for every strategy the lab offers. The page's race and alab
// run's plots both colour their curves from it, by index.
var Palette = []color.NRGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255}, {0, 0, 0, 255}, {255, 215, 0, 255},
	{174, 199, 232, 255}, {255, 187, 120, 255}, {152, 223, 138, 255}, {255, 152, 150, 255},
	{197, 176, 213, 255}, {196, 156, 148, 255}, {219, 219, 141, 255}, {158, 218, 229, 255},
}

// Color returns colour i of the palette (repeating after its end) as CSS: "#1f77b4".
func Color(i int) string {
	c := Palette[i%len(Palette)]
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}
