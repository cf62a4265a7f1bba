package curve

import (
	"bytes"
	"testing"
)

// FuzzReadCSV checks that ReadCSV never panics and that what it accepts is a fixed point of
// WriteCSV then ReadCSV: written again, the rows give the same bytes.
func FuzzReadCSV(f *testing.F) {
	var b bytes.Buffer
	WriteCSV(&b, []Row{
		{Strategy: "margin", BatchSize: 10, Repeat: 0, Round: 0, Labelled: 20, TestAccuracy: 0.5, LabelEntropy: 1.2,
			TrainSeconds: 0.1, ScoreSeconds: 0.2, SelectSeconds: 0.01, Histogram: []int{1, 2, 3, 0, 0, 0, 0, 0, 0, 4}},
		{Strategy: "random", BatchSize: 100, Repeat: 3, Round: 7, Labelled: 720, TestAccuracy: 0.97},
	})
	f.Add(b.Bytes())
	f.Add([]byte("strategy\n"))
	f.Add(append(bytes.Clone(b.Bytes()), "x,1,2,3\n"...))
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, err := ReadCSV(bytes.NewReader(in))
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := WriteCSV(&once, rows); err != nil {
			t.Fatal(err)
		}
		back, err := ReadCSV(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("reading back what WriteCSV wrote: %v\n%s", err, once.Bytes())
		}
		WriteCSV(&twice, back)
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("not a fixed point:\n%s\n%s", once.Bytes(), twice.Bytes())
		}
	})
}
