package ui

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"alab/wasm/msg"
)

// A file the page hands the browser to save (download_wasm.go).
type file struct {
	name, mime string
	data       []byte
}

// exportRow is one label as the exports write it.
type exportRow struct {
	MNISTIndex int     `json:"mnist_index"`
	Label      *int    `json:"label"` // null for a skipped digit
	Round      int     `json:"round"`
	Seconds    float64 `json:"seconds"`
	Source     string  `json:"source"` // "person", "mnist-seed" for the seed set, "drawn" for a drawing
	// Pixels are a drawn digit's 28×28 pixels, row-major, 0 background … 255 ink (its
	// mnist_index is -1).
	Pixels []int `json:"pixels,omitempty"`
	// On the person's images: the image's file and its class's name (mnist_index is -1).
	File  string `json:"file,omitempty"`
	Class string `json:"class,omitempty"`
}

func exportRows(s *session) []exportRow {
	labels := allLabels(s)
	rows := make([]exportRow, len(labels))
	for i, l := range labels {
		r := exportRow{MNISTIndex: l.ID, Round: l.Round, Seconds: l.Seconds, Source: "person"}
		if s.Images != nil {
			r.MNISTIndex, r.File, r.Class = -1, l.Name, s.className(l.Label)
		}
		switch {
		case l.Seed:
			r.Source = "mnist-seed"
		case l.Image != nil:
			r.Source = "drawn"
			r.Pixels = make([]int, len(l.Image))
			for k, p := range l.Image {
				r.Pixels[k] = int(p)
			}
		}
		if l.Label != msg.Skip {
			v := l.Label
			r.Label = &v
		}
		rows[i] = r
	}
	return rows
}

// allLabels are the labels of s, the drawings waiting for the next submit last.
func allLabels(s *session) []msg.Label { return append(slices.Clip(s.Labels), s.Drawn...) }

// labelsCSV is every label of s as CSV: mnist_index,label,round,seconds,source,pixels, a
// skipped digit's label "skip"; pixels is empty but for a drawn digit, whose 784 pixels it
// holds separated by spaces.
//
// On the person's images it is file,label,class,round,seconds,source instead: the image's
// file, its label (the class's index) and the class's name.
func labelsCSV(s *session) file {
	var b strings.Builder
	if s.Images != nil {
		w := csv.NewWriter(&b)
		w.Write([]string{"file", "label", "class", "round", "seconds", "source"})
		for _, r := range exportRows(s) {
			label := "skip"
			if r.Label != nil {
				label = strconv.Itoa(*r.Label)
			}
			w.Write([]string{r.File, label, r.Class, strconv.Itoa(r.Round), strconv.FormatFloat(r.Seconds, 'g', -1, 64), r.Source})
		}
		w.Flush() // a strings.Builder never fails
		return file{"alab-labels.csv", "text/csv", []byte(b.String())}
	}
	b.WriteString("mnist_index,label,round,seconds,source,pixels\n")
	for _, r := range exportRows(s) {
		label := "skip"
		if r.Label != nil {
			label = strconv.Itoa(*r.Label)
		}
		fmt.Fprintf(&b, "%d,%s,%d,%g,%s,", r.MNISTIndex, label, r.Round, r.Seconds, r.Source)
		for k, p := range r.Pixels {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.Itoa(p))
		}
		b.WriteByte('\n')
	}
	return file{"alab-labels.csv", "text/csv", []byte(b.String())}
}

// labelsJSON is the settings, every label and the learning curve of s as JSON.
func labelsJSON(s *session) file {
	b, err := json.MarshalIndent(struct {
		Settings msg.Settings   `json:"settings"`
		Classes  []string       `json:"classes"`
		Labels   []exportRow    `json:"labels"`
		History  []msg.Accuracy `json:"history"`
	}{s.Settings, s.classes(), exportRows(s), s.History}, "", "  ")
	if err != nil {
		// Only numbers, strings and slices of them.
		panic("ui: " + err.Error())
	}
	return file{"alab-labels.json", "application/json", b}
}

// modelFile is the network the worker exported, as .npz.
func modelFile(npz []byte) file { return file{"alab-model.npz", "application/octet-stream", npz} }

// raceFile is the race's curves as alab run's curves.csv.
func raceFile(r *raceModel) file { return file{"curves.csv", "text/csv", []byte(r.csv())} }
