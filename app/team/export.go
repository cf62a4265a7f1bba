//go:build !wasm

package team

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// A Record is one judgement as exported: the item (its index in the MNIST training file, or
// in a project on images its pool ID and the file it came from, relative to the folder),
// the label (-1 unreadable) and its class name ("unreadable" for -1), who gave it, the
// round whose query chose the item, the seconds taken, when, the item's agreed label (null
// while unsettled) and the round whose training first uses it (0 while it is not trained on).
type Record struct {
	Item      int     `json:"item"`
	File      string  `json:"file,omitempty"`
	Label     int     `json:"label"`
	Class     string  `json:"class"`
	Annotator string  `json:"annotator"`
	Round     int     `json:"round"`
	Seconds   float64 `json:"seconds"`
	At        string  `json:"at"`
	Agreed    *int    `json:"agreed"`
	TrainedIn int     `json:"trained_in"`
}

// records returns every judgement, by batch, place in it, and time.
func (p *Project) records() ([]Record, error) {
	names, err := p.names()
	if err != nil {
		return nil, err
	}
	p.q.mu.Lock()
	defer p.q.mu.Unlock()
	var out []Record
	for _, rd := range p.q.rounds {
		for _, it := range rd.items {
			for _, j := range it.judgements {
				rec := Record{Item: it.id, File: p.file(it.id), Label: j.label, Class: p.className(j.label), Annotator: names[j.annotator], Round: it.round,
					Seconds: j.seconds, At: j.at.UTC().Format(time.RFC3339Nano), TrainedIn: it.fed}
				if it.resolved {
					agreed := it.final
					rec.Agreed = &agreed
				}
				out = append(out, rec)
			}
		}
	}
	return out, nil
}

func (p *Project) exportJSON(w http.ResponseWriter, r *http.Request, _ Annotator) {
	recs, err := p.records()
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="labels.json"`)
	writeJSON(w, http.StatusOK, map[string]any{"labels": recs})
}

func (p *Project) exportCSV(w http.ResponseWriter, r *http.Request, _ Annotator) {
	recs, err := p.records()
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="labels.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"item", "file", "label", "class", "annotator", "round", "seconds", "at", "agreed", "trained_in"})
	for _, rec := range recs {
		agreed := ""
		if rec.Agreed != nil {
			agreed = strconv.Itoa(*rec.Agreed)
		}
		cw.Write([]string{strconv.Itoa(rec.Item), rec.File, strconv.Itoa(rec.Label), rec.Class, rec.Annotator, strconv.Itoa(rec.Round),
			fmt.Sprintf("%.3f", rec.Seconds), rec.At, agreed, strconv.Itoa(rec.TrainedIn)})
	}
	cw.Flush()
}

// file is the file pool item id came from, or "" on MNIST.
func (p *Project) file(id int) string {
	if id < len(p.files) {
		return p.files[id]
	}
	return ""
}

// className is label's class name, or "unreadable".
func (p *Project) className(label int) string {
	if classes := p.s.classes(); label >= 0 && label < len(classes) {
		return classes[label]
	}
	return "unreadable"
}
