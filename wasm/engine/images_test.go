package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"alab/wasm/msg"
)

// A session on the person's images: no seed set, a random round 0 without predictions,
// labels 0 to classes−1 only, file names on every item, the accuracy estimated on every
// fifth label (held out, with its interval), and a restore from the saved labels that
// queries the same next batch.
func TestImagesSession(t *testing.T) {
	pool, _ := fixture(t)
	truth := slices.Clone(pool.Labels)
	// Three classes: digits 0–2 of the fixture, as if a person's images.
	var keep []int
	for i, l := range truth {
		if l < 3 {
			keep = append(keep, i)
		}
	}
	set := pool.Subset(keep)
	files := make([]string, set.N)
	for i := range files {
		files[i] = fmt.Sprintf("img-%03d.png", i)
	}
	labelsOf := slices.Clone(set.Labels)
	clear(set.Labels) // no ground truth
	ctx := context.Background()
	s := msg.Settings{Strategy: "margin", Batch: 10, PoolSubset: 100, Seed: 3}
	e, err := NewImages(ctx, quick, set, files, 3, nil, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Query(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 10 || len(e.SeedSet()) != 0 {
		t.Fatalf("round 0: %d items, %d seed labels: want 10 and none", len(b.Items), len(e.SeedSet()))
	}
	for _, it := range b.Items {
		if it.Pred != -1 || it.Truth != -1 || it.MNIST != -1 || it.Name != files[it.ID] {
			t.Fatalf("round 0 item %+v: want no prediction, no truth, no MNIST index, its file's name", it)
		}
	}
	if a, err := e.Accuracy(b); a != nil || err != nil {
		t.Fatalf("round 0 accuracy %+v, %v: want none (no network)", a, err)
	}
	if err := e.Add([]msg.Label{{ID: b.Items[0].ID, Label: 3, Round: 1}}); err == nil {
		t.Error("label 3 of 3 classes accepted: want it refused")
	}
	var saved []msg.Label
	for r := 1; r <= 3; r++ {
		var ls []msg.Label
		for _, it := range b.Items {
			ls = append(ls, msg.Label{ID: it.ID, Label: int(labelsOf[it.ID]), Round: r, Name: it.Name})
		}
		if err := e.Submit(ls); err != nil {
			t.Fatal(err)
		}
		saved = append(saved, ls...)
		if b, err = e.Query(ctx); err != nil {
			t.Fatal(err)
		}
		a, err := e.Accuracy(b)
		if err != nil {
			t.Fatal(err)
		}
		if want := 10 * r / 5; a == nil || !a.HeldOut || a.TestSize != want || a.Low > a.Accuracy || a.Accuracy > a.High {
			t.Fatalf("round %d accuracy %+v: want a held-out estimate on %d labels inside its interval", r, a, want)
		}
		for _, it := range b.Items {
			if it.Pred < 0 || it.Pred > 2 {
				t.Fatalf("round %d: prediction %d: want 0 to 2", r, it.Pred)
			}
		}
	}
	again, err := NewImages(ctx, quick, set, files, 3, nil, s)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := again.Restore(ctx, msg.Init{Settings: s, Labels: saved, Round: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(rb), ids(b)) {
		t.Errorf("restored batch %v: want %v, the batch the session queried", ids(rb), ids(b))
	}
	for _, c := range []struct {
		classes int
		files   []string
	}{{1, files}, {11, files}, {3, files[1:]}} {
		if _, err := NewImages(ctx, quick, set, c.files, c.classes, nil, s); err == nil {
			t.Errorf("%d classes, %d names for %d images: accepted, want refused", c.classes, len(c.files), set.N)
		}
	}
}

// With a labelled test set of the person's, the accuracy is measured on it, not estimated
// on held-out labels.
func TestImagesSessionWithTestSet(t *testing.T) {
	pool, test := fixture(t)
	files := make([]string, pool.N)
	for i := range files {
		files[i] = fmt.Sprintf("%d.png", i)
	}
	labelsOf := slices.Clone(pool.Labels)
	set := *pool
	set.Labels = make([]uint8, pool.N) // no ground truth
	ctx := context.Background()
	s := msg.Settings{Strategy: "entropy", Batch: 10, PoolSubset: 100, Seed: 5}
	e, err := NewImages(ctx, quick, &set, files, 10, test, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Query(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ls []msg.Label
	for _, it := range b.Items {
		ls = append(ls, msg.Label{ID: it.ID, Label: int(labelsOf[it.ID]), Round: 1})
	}
	if err := e.Submit(ls); err != nil {
		t.Fatal(err)
	}
	if b, err = e.Query(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := e.Accuracy(b)
	if err != nil {
		t.Fatal(err)
	}
	if a == nil || a.HeldOut || a.TestSize != test.N || a.Accuracy < 0 || a.Accuracy > 1 {
		t.Errorf("accuracy %+v: want one measured on the %d test images", a, test.N)
	}
}
