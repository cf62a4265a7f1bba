package active

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"
)

// A probe of a candidate's own pixels ranks it where the round's strategy ranked it: the
// first digit of margin's batch is margin's first, and inside the batch; the twins flip.
func TestProbeRanksLikeTheStrategy(t *testing.T) {
	pool, _ := fixture(t)
	ctx := context.Background()
	l := start(t, personConfig("margin"))
	if _, err := l.Probe(pool.Image(0)); err == nil {
		t.Error("a probe before the query: no error")
	}
	r, err := l.Query(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := r.Picks[0].ID
	p, err := l.Probe(pool.Image(first))
	if err != nil {
		t.Fatal(err)
	}
	m := p.Scores[1]
	if m.Name != "margin" || m.Rank != 1 || !m.Asks || m.Of != r.Candidates || m.Value != r.Picks[0].Score {
		t.Errorf("margin of the batch's first digit: %+v, want rank 1 of %d with score %v", m, r.Candidates, r.Picks[0].Score)
	}
	var sum, mean float64
	for c := range p.Softmax {
		sum += p.Softmax[c]
		mean += p.Mean[c]
		if p.Std[c] < 0 || p.Softmax[c] > p.Softmax[p.Pred] {
			t.Errorf("class %d: softmax %v (pred %d at %v), spread %v", c, p.Softmax[c], p.Pred, p.Softmax[p.Pred], p.Std[c])
		}
	}
	if math.Abs(sum-1) > 1e-5 || math.Abs(mean-1) > 1e-5 || len(p.Passes) != 4 {
		t.Errorf("softmax sums to %v, the MC mean to %v, over %d passes", sum, mean, len(p.Passes))
	}
	for _, tw := range []struct {
		name string
		d    float64
		from int
		to   int
		img  []float32
	}{{"fgsm", p.FGSM.Distance, p.FGSM.From, p.FGSM.To, p.FGSM.Adversarial}, {"deepfool", p.DeepFool.Distance, p.DeepFool.From, p.DeepFool.To, p.DeepFool.Adversarial}} {
		if tw.from != p.Pred || tw.to == p.Pred || tw.to < 0 || !(tw.d > 0) || len(tw.img) != 784 {
			t.Errorf("%s twin: from %d to %d at %v (%d pixels), prediction %d", tw.name, tw.from, tw.to, tw.d, len(tw.img), p.Pred)
		}
	}
	again, err := l.Probe(pool.Image(first))
	if err != nil || again.Scores != p.Scores || !reflect.DeepEqual(again.Passes, p.Passes) {
		t.Errorf("a second probe of the same pixels differs (%v)", err)
	}
	if _, err := l.Probe(make([]uint8, 783)); err == nil {
		t.Error("a probe of 783 pixels: no error")
	}
}

// A drawing added with its label trains from the next round on, and a replay restores it.
func TestAddImageTrainsAndReplays(t *testing.T) {
	pool, _ := fixture(t)
	ctx := context.Background()
	l := start(t, personConfig("margin"))
	r, err := l.Query(ctx)
	if err != nil {
		t.Fatal(err)
	}
	saved := append(initialAnswers(l), person(t, l, r.Picks)...)
	drawing := slices.Clone(pool.Image(3))
	drawing[100] = 255
	if err := l.AddImage(drawing, 7); err != nil {
		t.Fatal(err)
	}
	saved = append(saved, Answer{ID: -1, Label: 7, Round: 1, Image: drawing})
	if got := l.labelledSet(0).N; got != 20 {
		t.Errorf("round 0 trains on %d images, want the 20 of the initial set", got)
	}
	if err := l.Submit(); err != nil {
		t.Fatal(err)
	}
	want := 20 + len(r.Picks) + 1
	for _, p := range r.Picks {
		if p.ID%7 == 0 {
			want--
		}
	}
	if got := l.labelledSet(1); got.N != want || got.Labels[got.N-1] != 7 || !slices.Equal(got.Image(got.N-1), drawing) || l.Added() != 1 {
		t.Errorf("round 1 trains on %d images (the last labelled %d), want %d with the drawing last", got.N, got.Labels[got.N-1], want)
	}
	if _, err := l.Query(ctx); err != nil {
		t.Fatal(err)
	}
	back := start(t, personConfig("margin"))
	if err := back.Replay(ctx, saved, 1, nil); err != nil {
		t.Fatal(err)
	}
	if back.Added() != 1 || !slices.Equal(back.Net().Params, l.Net().Params) {
		t.Errorf("replayed with %d drawings; the network differs: %v", back.Added(), !slices.Equal(back.Net().Params, l.Net().Params))
	}
	for _, bad := range [][]uint8{make([]uint8, 10), nil} {
		if err := l.AddImage(bad, 1); err == nil {
			t.Errorf("an image of %d pixels: no error", len(bad))
		}
	}
	if err := l.AddImage(drawing, 10); err == nil {
		t.Error("label 10: no error")
	}
}
