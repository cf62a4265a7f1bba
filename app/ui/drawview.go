package ui

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"alab/wasm/msg"
)

// What the draw view's components are given (their props), made from a probe by plain
// functions.

// probeView is a probe as the panel shows it.
type probeView struct {
	Pred, Sentence string
	Ms             string // how long the worker took
	Classes        [10]classView
	Passes         string // the T passes as an SVG strip
	T              int
	Scores         []scoreView
	Twins          []twinView
	// The numbers behind the text, for scripts (doc.go's test contract): the softmax, the
	// MC mean and spread, space-separated, in full precision.
	SoftmaxData, MeanData, StdData string
}

// classView is one class's bar pair: the softmax and the MC mean ± its spread, in [0, 1].
type classView struct {
	Digit              int
	Softmax, Mean, Std float64
	SoftText, MeanText string
}

// scoreView is one uncertainty score and whether the network would ask about the drawing.
type scoreView struct {
	Name, What, Value, Rank string
	Asks                    bool
	Data                    string // "value rank of"
}

// twinView is an adversarial twin: its image, the perturbation amplified, and how far it is.
type twinView struct {
	Method, Image, Perturbation, Caption, Distance string
	To                                             int
}

// scoreWhat says in a few words what each probe score measures.
var scoreWhat = map[string]string{
	"least-confidence": "1 − the top softmax probability",
	"margin":           "minus the gap between the top two softmax classes",
	"entropy":          "the softmax's entropy",
	"bald":             "MC dropout's disagreement between passes (BALD)",
	"var-ratios":       "how often the passes vote against their majority",
}

func probeToView(p *msg.Probe, input []byte) probeView {
	v := probeView{Pred: strconv.Itoa(p.Pred), T: len(p.Passes), Ms: strconv.FormatFloat(p.Ms, 'f', 1, 64)}
	v.Sentence = fmt.Sprintf("The network reads a %d: %.0f%% by softmax, %.0f%% ± %.0f%% by the mean of %d dropout passes.",
		p.Pred, 100*p.Softmax[p.Pred], 100*p.Mean[p.Pred], 100*p.Std[p.Pred], len(p.Passes))
	var soft, mean, std []string
	for c := range 10 {
		v.Classes[c] = classView{Digit: c, Softmax: p.Softmax[c], Mean: p.Mean[c], Std: p.Std[c],
			SoftText: fmt.Sprintf("%.0f%%", 100*p.Softmax[c]), MeanText: fmt.Sprintf("%.0f±%.0f%%", 100*p.Mean[c], 100*p.Std[c])}
		soft = append(soft, strconv.FormatFloat(p.Softmax[c], 'g', -1, 64))
		mean = append(mean, strconv.FormatFloat(p.Mean[c], 'g', -1, 64))
		std = append(std, strconv.FormatFloat(p.Std[c], 'g', -1, 64))
	}
	v.SoftmaxData, v.MeanData, v.StdData = strings.Join(soft, " "), strings.Join(mean, " "), strings.Join(std, " ")
	v.Passes = passesSVG(p.Passes)
	for _, s := range p.Scores {
		sv := scoreView{Name: s.Name, What: scoreWhat[s.Name], Value: fmt.Sprintf("%.3f", s.Value),
			Rank: fmt.Sprintf("rank %d of %d", s.Rank, s.Of), Asks: s.Asks,
			Data: fmt.Sprintf("%s %d %d", strconv.FormatFloat(s.Value, 'g', -1, 64), s.Rank, s.Of)}
		v.Scores = append(v.Scores, sv)
	}
	for _, t := range []struct {
		name string
		tw   msg.Twin
	}{{"FGSM", p.FGSM}, {"DeepFool", p.Deep}} {
		tv := twinView{Method: t.name, To: t.tw.To, Distance: strconv.FormatFloat(t.tw.Distance, 'g', -1, 64)}
		if t.tw.Image == nil {
			tv.Caption = t.name + " found no twin"
		} else {
			tv.Image = digitURL(t.tw.Image)
			tv.Perturbation = digitURL(perturbation(input, t.tw.Image))
			tv.Caption = fmt.Sprintf("%s: read as %d at L2 distance %.2f", t.name, t.tw.To, t.tw.Distance)
		}
		v.Twins = append(v.Twins, tv)
	}
	return v
}

// perturbation is twin − input amplified to the full range, as pixels of an image that
// digitURL shows mid-grey where nothing changed, darker where ink was added and lighter
// where it was taken away.
func perturbation(input, twin []byte) []byte {
	peak := 1
	for k := range twin {
		peak = max(peak, absInt(int(twin[k])-int(input[k])))
	}
	out := make([]byte, len(twin))
	for k := range twin {
		// digitURL shows 255 - p: p = 127 - d·127/peak shows 128 + d·127/peak.
		d := float64(int(twin[k])-int(input[k])) * 127 / float64(peak)
		out[k] = uint8(127 - math.Round(d))
	}
	return out
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// passesSVG draws the T dropout passes as a strip: a row per pass, a cell per class, the
// darker the more probable.
func passesSVG(passes [][]float64) string {
	const cell, row = 16, 6
	var b strings.Builder
	h := row * len(passes)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="none" role="img" aria-label="%d dropout passes, a row each, a column per digit 0 to 9">`,
		10*cell, h, len(passes))
	for k, p := range passes {
		for c, v := range p {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#1f4e79" fill-opacity="%.3f"/>`, c*cell, k*row, cell-1, row-1, min(max(v, 0), 1))
		}
	}
	b.WriteString("</svg>")
	return b.String()
}
