//go:build !wasm

package team

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// A Record is one judgement as exported: the item (its index in the MNIST training file),
// the label (-1 unreadable), who gave it, the round whose query chose the item, the seconds
// taken, when, the item's agreed label (null while unsettled) and the round whose training
// first uses it (0 while it is not trained on).
type Record struct {
	Item      int     `json:"item"`
	Label     int     `json:"label"`
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
				rec := Record{Item: it.id, Label: j.label, Annotator: names[j.annotator], Round: it.round,
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
	cw.Write([]string{"item", "label", "annotator", "round", "seconds", "at", "agreed", "trained_in"})
	for _, rec := range recs {
		agreed := ""
		if rec.Agreed != nil {
			agreed = strconv.Itoa(*rec.Agreed)
		}
		cw.Write([]string{strconv.Itoa(rec.Item), strconv.Itoa(rec.Label), rec.Annotator, strconv.Itoa(rec.Round),
			fmt.Sprintf("%.3f", rec.Seconds), rec.At, agreed, strconv.Itoa(rec.TrainedIn)})
	}
	cw.Flush()
}
