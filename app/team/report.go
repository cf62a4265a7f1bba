//go:build !wasm

package team

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"alab/core/active"
)

// A CurvePoint is one round's network: the labels it trained on and its accuracy (null
// until measured, and for a round without a network). With no test set (Status.AccuracyOf
// "held-out") the accuracy is measured on HeldOut labels held out of training, with its
// 95 % Wilson interval [Low, High].
type CurvePoint struct {
	Round    int      `json:"round"`
	Labelled int      `json:"labelled"`
	Accuracy *float64 `json:"accuracy"`
	HeldOut  int      `json:"held_out,omitempty"`
	Low      *float64 `json:"low,omitempty"`
	High     *float64 `json:"high,omitempty"`
}

// Status is what GET /api/status answers: the caller's and the team's progress.
type Status struct {
	Name            string `json:"name"`
	Admin           bool   `json:"admin"`
	Round           int    `json:"round"`      // the current batch's round (-1 before the first)
	BatchSize       int    `json:"batch_size"` // items in the current batch
	BatchLabelled   int    `json:"batch_labelled"`
	LabelsTotal     int    `json:"labels_total"` // judgements given by the team
	LabelsPerMinute int    `json:"labels_per_minute"`
	Mine            int    `json:"mine"` // judgements given by the caller
	MinePerMinute   int    `json:"mine_per_minute"`
	Training        bool   `json:"training"` // the next batch is being trained and queried
	Done            bool   `json:"done"`     // the pool is spent
	// Classes name the labels in order: label i is Classes[i].
	Classes []string `json:"classes"`
	// AccuracyOf says what the curve's accuracy is measured on: "test" (a test set) or
	// "held-out" (every active.HeldOutEvery-th agreed label, kept out of training).
	AccuracyOf string       `json:"accuracy_of"`
	Curve      []CurvePoint `json:"curve"`
}

func (p *Project) status(w http.ResponseWriter, r *http.Request, a Annotator) {
	q := p.q
	q.mu.Lock()
	minute := q.clock().Add(-time.Minute)
	st := Status{Name: a.Name, Admin: a.Admin, Round: -1, Training: q.advancing, Done: q.done,
		Classes: q.s.classes(), AccuracyOf: "test", Curve: []CurvePoint{}}
	if q.s.heldOut() {
		st.AccuracyOf = "held-out"
	}
	if cur := q.current(); cur != nil {
		st.Round, st.BatchSize = cur.round, len(cur.items)
		for _, it := range cur.items {
			if it.resolved {
				st.BatchLabelled++
			}
		}
	}
	q.trimRecent(minute)
	for _, n := range q.given {
		st.LabelsTotal += n
	}
	st.Mine, st.LabelsPerMinute = q.given[a.ID], len(q.recent)
	for _, j := range q.recent {
		if j.annotator == a.ID {
			st.MinePerMinute++
		}
	}
	for _, rd := range q.rounds {
		pt := CurvePoint{Round: rd.round, Labelled: rd.labelled}
		if !math.IsNaN(rd.accuracy) {
			acc := rd.accuracy
			pt.Accuracy = &acc
		}
		if rd.held > 0 {
			est := active.Wilson(int(math.Round(rd.accuracy*float64(rd.held))), rd.held)
			pt.HeldOut, pt.Low, pt.High = rd.held, &est.Low, &est.High
		}
		st.Curve = append(st.Curve, pt)
	}
	q.mu.Unlock()
	writeJSON(w, http.StatusOK, st)
}

// names returns every annotator's name by ID.
func (p *Project) names() (map[int64]string, error) {
	rows, err := p.db.Query(`SELECT id, name FROM annotators`)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, err
		}
		names[id] = name
	}
	return names, closeRows(rows)
}

// A Pair is the agreement of two annotators on the items both labelled: the share of equal
// labels and Cohen's kappa (null when chance agreement is certain).
type Pair struct {
	A       string   `json:"a"`
	B       string   `json:"b"`
	Items   int      `json:"items"`
	Percent float64  `json:"percent"`
	Kappa   *float64 `json:"kappa"`
}

// Kappa returns Cohen's kappa of two raters' labels of the same items (any integers: the
// classes and Unreadable), and false where it is undefined (no items, or chance agreement
// of 1).
func Kappa(a, b []int) (float64, bool) {
	if len(a) == 0 || len(a) != len(b) {
		return 0, false
	}
	ca, cb := map[int]float64{}, map[int]float64{}
	agree := 0.0
	for i := range a {
		ca[a[i]]++
		cb[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	n := float64(len(a))
	po, pe := agree/n, 0.0
	for k := range ca {
		pe += ca[k] / n * cb[k] / n
	}
	if pe >= 1 {
		return 0, false
	}
	return (po - pe) / (1 - pe), true
}

func (p *Project) agreement(w http.ResponseWriter, r *http.Request, _ Annotator) {
	names, err := p.names()
	if err != nil {
		fail(w, err)
		return
	}
	type key struct{ a, b int64 }
	shared := map[key][2][]int{}
	p.q.mu.Lock()
	for _, it := range p.q.items {
		js := it.judgements
		for i := range js {
			for j := i + 1; j < len(js); j++ {
				x, y := js[i], js[j]
				if x.annotator > y.annotator {
					x, y = y, x
				}
				k := key{x.annotator, y.annotator}
				s := shared[k]
				s[0], s[1] = append(s[0], x.label), append(s[1], y.label)
				shared[k] = s
			}
		}
	}
	p.q.mu.Unlock()
	pairs := []Pair{}
	for k, s := range shared {
		pr := Pair{A: names[k.a], B: names[k.b], Items: len(s[0])}
		for i := range s[0] {
			if s[0][i] == s[1][i] {
				pr.Percent++
			}
		}
		pr.Percent = 100 * pr.Percent / float64(pr.Items)
		if kappa, ok := Kappa(s[0], s[1]); ok {
			pr.Kappa = &kappa
		}
		pairs = append(pairs, pr)
	}
	slices.SortFunc(pairs, func(x, y Pair) int {
		if x.A != y.A {
			return strings.Compare(x.A, y.A)
		}
		return strings.Compare(x.B, y.B)
	})
	writeJSON(w, http.StatusOK, map[string]any{"pairs": pairs})
}

// A Worker is one annotator's throughput and the leases they hold.
type Worker struct {
	Name           string  `json:"name"`
	Labels         int     `json:"labels"`
	PerMinute      int     `json:"per_minute"` // judgements in the last minute
	MedianSeconds  float64 `json:"median_seconds"`
	Leased         int     `json:"leased"` // items leased now
	LastLabelAgoS  float64 `json:"last_label_ago_s"`
	sinceLastLabel time.Time
}

// A Lease is an item handed to an annotator, and the seconds it stays theirs.
type Lease struct {
	Item       int     `json:"item"`
	Round      int     `json:"round"`
	Annotator  string  `json:"annotator"`
	ExpiresInS float64 `json:"expires_in_s"`
}

func (p *Project) teamReport(w http.ResponseWriter, r *http.Request, _ Annotator) {
	names, err := p.names()
	if err != nil {
		fail(w, err)
		return
	}
	byID := map[int64]*Worker{}
	secs := map[int64][]float64{}
	leases := []Lease{}
	worker := func(id int64) *Worker {
		if byID[id] == nil {
			byID[id] = &Worker{Name: names[id], LastLabelAgoS: -1}
		}
		return byID[id]
	}
	p.q.mu.Lock()
	now := p.q.clock()
	for _, it := range p.q.items {
		for _, j := range it.judgements {
			wk := worker(j.annotator)
			wk.Labels++
			if j.at.After(now.Add(-time.Minute)) {
				wk.PerMinute++
			}
			if j.at.After(wk.sinceLastLabel) {
				wk.sinceLastLabel = j.at
			}
			secs[j.annotator] = append(secs[j.annotator], j.seconds)
		}
		for a, exp := range it.leases {
			if exp.After(now) {
				worker(a).Leased++
				leases = append(leases, Lease{Item: it.id, Round: it.round, Annotator: names[a], ExpiresInS: exp.Sub(now).Seconds()})
			}
		}
	}
	p.q.mu.Unlock()
	workers := []*Worker{}
	for id, wk := range byID {
		if s := secs[id]; len(s) > 0 {
			slices.Sort(s)
			wk.MedianSeconds = s[len(s)/2]
			wk.LastLabelAgoS = now.Sub(wk.sinceLastLabel).Seconds()
		}
		workers = append(workers, wk)
	}
	slices.SortFunc(workers, func(x, y *Worker) int { return strings.Compare(x.Name, y.Name) })
	slices.SortFunc(leases, func(x, y Lease) int { return cmp.Compare(x.ExpiresInS, y.ExpiresInS) })
	writeJSON(w, http.StatusOK, map[string]any{"annotators": workers, "leases": leases})
}
