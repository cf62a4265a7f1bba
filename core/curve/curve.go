// Package curve holds learning curves: a Row per round of an active-learning run, written
// and read as curves.csv, and the label entropy a row reports. It imports only the standard
// library, so the page (which does not link the engine) writes the curves.csv of a race with
// the code `alab run` writes its own with.
package curve

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Row is one round of one run: a point of a learning curve.
type Row struct {
	Strategy     string  `json:"strategy"`
	BatchSize    int     `json:"batchSize"`
	Repeat       int     `json:"repeat"`
	Round        int     `json:"round"`
	Labelled     int     `json:"labelled"`
	TestAccuracy float64 `json:"testAccuracy"`
	// LabelEntropy is the LabelEntropy of the classes of every sample queried so far.
	LabelEntropy  float64 `json:"labelEntropy"`
	TrainSeconds  float64 `json:"trainSeconds"`
	ScoreSeconds  float64 `json:"scoreSeconds"`
	SelectSeconds float64 `json:"selectSeconds"`
	// Histogram counts the classes of the batch this round queried. It is not in
	// curves.csv: ReadCSV leaves it zero.
	Histogram []int `json:"histogram"`
}

// Header names the columns of curves.csv, in order.
var Header = []string{
	"strategy", "batch_size", "repeat", "round", "labelled", "test_accuracy",
	"label_entropy", "train_seconds", "score_seconds", "select_seconds",
}

// WriteCSV writes rows as curves.csv: Header, then one line per row. Accuracies keep every
// digit; entropies and times keep 6 significant digits.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	cw.Write(Header)
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, r := range rows {
		cw.Write([]string{
			r.Strategy, strconv.Itoa(r.BatchSize), strconv.Itoa(r.Repeat), strconv.Itoa(r.Round),
			strconv.Itoa(r.Labelled), strconv.FormatFloat(r.TestAccuracy, 'g', -1, 64),
			f(r.LabelEntropy), f(r.TrainSeconds), f(r.ScoreSeconds), f(r.SelectSeconds),
		})
	}
	cw.Flush()
	return cw.Error()
}

// ReadCSV reads rows written by WriteCSV (for merging the shards of a sweep). Any line that
// does not parse is an error naming the line and column.
func ReadCSV(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(Header)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("curve: curves.csv header: %w", err)
	}
	if !slices.Equal(header, Header) {
		return nil, fmt.Errorf("curve: curves.csv header %v: want %v", header, Header)
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("curve: curves.csv: %w", err)
		}
		var row Row
		var perr error
		atoi := func(col int) int {
			v, err := strconv.Atoi(rec[col])
			if err != nil && perr == nil {
				perr = fmt.Errorf("curve: curves.csv line %d, %s: %q is not an integer", line, Header[col], rec[col])
			}
			return v
		}
		atof := func(col int) float64 {
			v, err := strconv.ParseFloat(rec[col], 64)
			if err != nil && perr == nil {
				perr = fmt.Errorf("curve: curves.csv line %d, %s: %q is not a number", line, Header[col], rec[col])
			}
			return v
		}
		row.Strategy = rec[0]
		row.BatchSize, row.Repeat, row.Round, row.Labelled = atoi(1), atoi(2), atoi(3), atoi(4)
		row.TestAccuracy, row.LabelEntropy = atof(5), atof(6)
		row.TrainSeconds, row.ScoreSeconds, row.SelectSeconds = atof(7), atof(8), atof(9)
		if perr != nil {
			return nil, perr
		}
		rows = append(rows, row)
	}
}

// LabelEntropy returns the Shannon entropy, in nats, of the class distribution that counts
// holds (counts[c] samples of class c; 0 for no samples): ln 10 ≈ 2.30 when ten classes are
// equally frequent, 0 when one class takes all.
func LabelEntropy(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(total)
			h -= p * math.Log(p)
		}
	}
	return h
}
