package curve

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestCSVRoundTripAndErrors(t *testing.T) {
	rows := []Row{
		{Strategy: "bald", BatchSize: 10, Labelled: 20, TestAccuracy: 0.7312, TrainSeconds: 1.5, ScoreSeconds: 0.25, SelectSeconds: 0.001},
		{Strategy: "bald", BatchSize: 10, Round: 1, Labelled: 30, TestAccuracy: 0.8125, LabelEntropy: 1.2, TrainSeconds: 1.6, ScoreSeconds: 0.26, SelectSeconds: 0.002},
		{Strategy: `odd, "name"`, BatchSize: 1, Repeat: 2, Round: 3, Labelled: 4, TestAccuracy: 1.0 / 3, LabelEntropy: math.Log(10)},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	want := "strategy,batch_size,repeat,round,labelled,test_accuracy,label_entropy,train_seconds,score_seconds,select_seconds\n" +
		"bald,10,0,0,20,0.7312,0,1.5,0.25,0.001\n" +
		"bald,10,0,1,30,0.8125,1.2,1.6,0.26,0.002\n" +
		`"odd, ""name""",1,2,3,4,0.3333333333333333,2.30259,0,0,0` + "\n"
	if buf.String() != want {
		t.Errorf("curves.csv:\n%s\nwant\n%s", buf.String(), want)
	}
	got, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows[2].LabelEntropy = 2.30259 // 6 significant digits
	if !reflect.DeepEqual(got, rows) {
		t.Errorf("round trip: %+v, want %+v", got, rows)
	}
	for _, c := range []struct{ in, want string }{
		{"", "curve: curves.csv header"},
		{"a,b\n", "curve: curves.csv"},
		{strings.Join(Header, ",") + "\nbald,ten,0,0,20,0.7,0,1,1,1\n", `line 2, batch_size: "ten" is not an integer`},
		{strings.Join(Header, ",") + "\nbald,10,0,0,20,high,0,1,1,1\n", `line 2, test_accuracy: "high" is not a number`},
		{strings.Join(Header, ",") + "\nbald,10,0,0,20\n", "wrong number of fields"},
	} {
		if _, err := ReadCSV(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadCSV(%q): error %v, want one containing %q", c.in, err, c.want)
		}
	}
}

func TestLabelEntropy(t *testing.T) {
	for _, c := range []struct {
		counts []int
		want   float64
	}{
		{nil, 0},
		{[]int{0, 0}, 0},
		{[]int{0, 7, 0}, 0},
		{[]int{3, 3}, math.Log(2)},
		{[]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, math.Log(10)},
		{[]int{1, 3}, -(0.25*math.Log(0.25) + 0.75*math.Log(0.75))},
	} {
		if got := LabelEntropy(c.counts); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("LabelEntropy(%v) = %v, want %v", c.counts, got, c.want)
		}
	}
}

func ExampleLabelEntropy() {
	// A batch of ten digits: five 3s and five 8s.
	var h [10]int
	h[3], h[8] = 5, 5
	fmt.Printf("%.3f nats (ln 2)\n", LabelEntropy(h[:]))
	// Output: 0.693 nats (ln 2)
}
