package msg

import (
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	img := make([]byte, 784)
	for i := range img {
		img[i] = byte(i * 7)
	}
	msgs := []Msg{
		{Kind: KindReady},
		{Kind: KindInit, Init: &Init{
			Settings: Settings{Strategy: "bald", Batch: 7, MCSamples: 20, PoolSubset: 2000, Seed: 1<<63 + 5},
			Labels:   []Label{{ID: 3, Label: 7, Round: 0, Seed: true}, {ID: 9, Label: Skip, Round: 2, Seconds: 1.25}},
			Pending:  []int{1, 2, 3},
			Round:    2,
		}},
		{Kind: KindSubmit, Labels: []Label{{ID: 1, Label: 0, Round: 3, Seconds: 0.5}}, Settings: &Settings{Strategy: "margin", Batch: 10}},
		{Kind: KindBatch, Batch: &Batch{
			Round: 3, Labelled: 50, Accuracy: 0.875, TestSize: 2000, Strategy: "deepfool", PoolSize: 10000,
			Items:   []Item{{ID: 1, MNIST: 4, Image: img, Pred: 3, Prob: 0.5, Score: 1.5, Truth: 8, Adversarial: img, AdvPred: 5}},
			Seeded:  []Label{{ID: 5, Label: 1, Seed: true}},
			Timings: Timings{Train: 1, Evaluate: 2, Score: 3, Select: 4, Total: 10},
			Notes:   []string{"note"},
		}},
		{Kind: KindModel, Model: []byte{0x93, 'N', 'U', 'M', 0}},
		{Kind: KindProgress, Stage: "training"},
		{Kind: KindError, Error: "boom", Fatal: true},
		{Kind: KindAccuracy, Accuracy: &Accuracy{Round: 2, Labelled: 40, Accuracy: 0.75, TestSize: 2000, Ms: 12.5}},
		{Kind: KindInsight, Insight: &Insight{Round: 2, Strategy: "margin", Variance: 0.3,
			Points:      []Point{{ID: 4, X: 10, Y: 999, Flags: InBatch | InRandom, Pred: 7}, {ID: 5, Pred: 0}},
			RandomPreds: []int{7}, BatchDistance: 1.5, RandomDistance: 2.5,
			BatchScore: Mean{Mean: 1, SE: 0.1, N: 3}, RandomScore: Mean{Mean: 0.5, SE: 0.2, N: 3}, Ms: 4}},
		{Kind: KindRace, Race: &Race{Strategies: []string{"random", "bald"}, Batch: 1000, Init: 100, Budget: 2100, PoolSubset: 2000, MCSamples: 20, Steps: 40, Seed: 9}},
		{Kind: KindRace, Rows: []Row{{Strategy: "bald", BatchSize: 10, Round: 3, Labelled: 50, TestAccuracy: 0.8, LabelEntropy: 2.1, Histogram: []int{1, 2, 0, 0, 0, 0, 0, 0, 0, 0}}}},
		{Kind: KindRaceDone, Stage: "bald"},
	}
	for _, m := range msgs {
		s := Encode(m)
		got, err := Decode(s)
		if err != nil {
			t.Fatalf("%s: %v", m.Kind, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s: round trip gave\n%+v\nwant\n%+v", m.Kind, got, m)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, s := range []string{"", "{", `{"kind":"nope"}`, `{"kind":"init"}`, `{"kind":"batch"}`, `{"kind":"accuracy"}`, `{"kind":"insight"}`, `{"kind":"race"}`, `[]`} {
		if _, err := Decode(s); err == nil || !strings.HasPrefix(err.Error(), "msg: ") {
			t.Errorf("Decode(%q) = %v, want a msg: error", s, err)
		}
	}
}

func TestSettings(t *testing.T) {
	if err := (Settings{}).Validate(); err != nil {
		t.Errorf("zero settings: %v", err)
	}
	for _, s := range []Settings{{Strategy: "nope"}, {Batch: 101}, {Batch: -1}, {MCSamples: 101}, {PoolSubset: 5}} {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(Msg{Kind: KindInit, Init: &Init{Labels: []Label{{ID: 1}}}}))
	f.Add(`{"kind":"batch","batch":{"items":[{"image":"AAEC"}]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Decode(s)
		if err != nil {
			return
		}
		m2, err := Decode(Encode(m))
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoding %q: %v", s, err)
		}
	})
}

func TestPointsPackedAndChecked(t *testing.T) {
	ps := Points{{ID: 70000, X: MapScale, Y: 0, Flags: InLabelled | InRandom, Pred: 9}}
	b, err := ps.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 20 { // 10 bytes as base64 in quotes
		t.Errorf("one point encodes as %s (%d bytes): want the packed 10 bytes", b, len(b))
	}
	for _, bad := range []Point{{ID: -1}, {X: MapScale + 1}, {Y: -1}, {Flags: 8}, {Pred: 10}} {
		if _, err := (Points{bad}).MarshalJSON(); err == nil || !strings.Contains(err.Error(), "map point") {
			t.Errorf("encoding %+v: %v, want a map point error", bad, err)
		}
	}
	for _, s := range []string{
		`{"kind":"insight","insight":{"points":"AAAA"}}`,             // 3 bytes, not a multiple of 10
		`{"kind":"insight","insight":{"points":"AAAAAAAAAAAAAAAA"}}`, // 12 bytes
		`{"kind":"insight","insight":{"points":"AAAAAOkDAAAAAA=="}}`, // X = 1001
		`{"kind":"insight","insight":{"points":[1,2]}}`,
	} {
		if _, err := Decode(s); err == nil || !strings.HasPrefix(err.Error(), "msg: map point") {
			t.Errorf("Decode(%s) = %v, want a msg: map point error", s, err)
		}
	}
}

// TestShareOut checks that a race's strategies are dealt out so the busiest worker has the
// least work it can: the default race's two MC/embedding-heavy strategies do not share a
// worker, every strategy goes to exactly one worker, in its order.
func TestShareOut(t *testing.T) {
	r := RaceDefaults()
	r.Strategies = []string{"margin", "random", "bald", "coreset"}
	got := ShareOut(r, 2)
	want := [][]string{{"random", "bald"}, {"margin", "coreset"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ShareOut(margin, random, bald, coreset; 2) = %v, want %v", got, want)
	}
	// With batches of 100, BatchBALD's greedy steps outweigh the rest: it races alone.
	r.Strategies, r.Batch = []string{"batchbald", "margin", "bald", "coreset"}, 100
	if got, want := ShareOut(r, 2), [][]string{{"batchbald"}, {"margin", "bald", "coreset"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ShareOut(batchbald, margin, bald, coreset; 2) at batch 100 = %v, want %v", got, want)
	}
	for _, c := range []struct {
		strategies []string
		n, shares  int
	}{{[]string{"random"}, 4, 1}, {[]string{"bald", "deepfool", "random", "margin", "entropy"}, 3, 3}, {[]string{"margin", "bald"}, 0, 1}} {
		r.Strategies = c.strategies
		got := ShareOut(r, c.n)
		var all []string
		for _, s := range got {
			if len(s) == 0 {
				t.Errorf("ShareOut(%v, %d) = %v: an empty share", c.strategies, c.n, got)
			}
			all = append(all, s...)
		}
		if len(got) != c.shares || len(all) != len(c.strategies) {
			t.Errorf("ShareOut(%v, %d) = %v: want %d shares holding every strategy once", c.strategies, c.n, got, c.shares)
		}
	}
}

func TestRaceValidate(t *testing.T) {
	if err := RaceDefaults().Validate(); err != nil {
		t.Errorf("default race: %v", err)
	}
	r := RaceDefaults()
	r.Strategies = append(r.Strategies, "nope")
	if err := r.Validate(); err == nil || !strings.HasPrefix(err.Error(), `msg: unknown race strategy "nope": want one of margin, `) {
		t.Errorf("race of an unknown strategy: error %v", err)
	}
}
