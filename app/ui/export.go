package ui

import (
	"encoding/json"
	"fmt"
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
	Source     string  `json:"source"` // "person", or "mnist-seed" for the seed set
}

func exportRows(labels []msg.Label) []exportRow {
	rows := make([]exportRow, len(labels))
	for i, l := range labels {
		r := exportRow{MNISTIndex: l.ID, Round: l.Round, Seconds: l.Seconds, Source: "person"}
		if l.Seed {
			r.Source = "mnist-seed"
		}
		if l.Label != msg.Skip {
			v := l.Label
			r.Label = &v
		}
		rows[i] = r
	}
	return rows
}

// labelsCSV is every label of s as CSV: mnist_index,label,round,seconds,source, a skipped
// digit's label "skip".
func labelsCSV(s *session) file {
	var b strings.Builder
	b.WriteString("mnist_index,label,round,seconds,source\n")
	for _, r := range exportRows(s.Labels) {
		label := "skip"
		if r.Label != nil {
			label = strconv.Itoa(*r.Label)
		}
		fmt.Fprintf(&b, "%d,%s,%d,%g,%s\n", r.MNISTIndex, label, r.Round, r.Seconds, r.Source)
	}
	return file{"alab-labels.csv", "text/csv", []byte(b.String())}
}

// labelsJSON is the settings, every label and the learning curve of s as JSON.
func labelsJSON(s *session) file {
	b, err := json.MarshalIndent(struct {
		Settings msg.Settings   `json:"settings"`
		Labels   []exportRow    `json:"labels"`
		History  []msg.Accuracy `json:"history"`
	}{s.Settings, exportRows(s.Labels), s.History}, "", "  ")
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
