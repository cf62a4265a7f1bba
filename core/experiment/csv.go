package experiment

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// csvHeader names the columns of curves.csv, in order.
var csvHeader = []string{
	"strategy", "batch_size", "repeat", "round", "labelled", "test_accuracy",
	"label_entropy", "train_seconds", "score_seconds", "select_seconds",
}

// WriteCSV writes rows as curves.csv: a header, then one line per row.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
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
	cr.FieldsPerRecord = len(csvHeader)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("experiment: curves.csv header: %w", err)
	}
	if !slices.Equal(header, csvHeader) {
		return nil, fmt.Errorf("experiment: curves.csv header %v: want %v", header, csvHeader)
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("experiment: curves.csv: %w", err)
		}
		var row Row
		var perr error
		atoi := func(col int) int {
			v, err := strconv.Atoi(rec[col])
			if err != nil && perr == nil {
				perr = fmt.Errorf("experiment: curves.csv line %d, %s: %q is not an integer", line, csvHeader[col], rec[col])
			}
			return v
		}
		atof := func(col int) float64 {
			v, err := strconv.ParseFloat(rec[col], 64)
			if err != nil && perr == nil {
				perr = fmt.Errorf("experiment: curves.csv line %d, %s: %q is not a number", line, csvHeader[col], rec[col])
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

// SortRows orders rows as Execute returns them for a whole sweep: by strategy (in the order
// given; others after them, by name), batch size, repeat and round. Merged shards then read
// like one run.
func SortRows(rows []Row, strategies []string) {
	first := map[string]int{}
	for i, s := range strategies {
		first[s] = i
	}
	rank := func(s string) int {
		if i, ok := first[s]; ok {
			return i
		}
		return len(strategies)
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(
			cmp.Compare(rank(a.Strategy), rank(b.Strategy)),
			cmp.Compare(a.Strategy, b.Strategy),
			cmp.Compare(a.BatchSize, b.BatchSize),
			cmp.Compare(a.Repeat, b.Repeat),
			cmp.Compare(a.Round, b.Round),
		)
	})
}
