package experiment

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"alab/core/curve"
	"alab/core/data"
	"alab/core/data/datatest"
	"alab/core/train"
)

// TestImagesRunAsIDX runs a tiny sweep on the IDX fixture and on the same digits written as
// PNGs in class folders (train/<digit>/%05d.png, test/<digit>/%05d.png): the curves are the
// same, number for number.
func TestImagesRunAsIDX(t *testing.T) {
	pool, test := datatest.Fixture(t)
	dir := t.TempDir()
	write := func(name string, s *data.Set) string { return datatest.WritePNGs(t, filepath.Join(dir, name), s) }
	imgTrain, imgTest, err := data.LoadImageSets(write("train", pool), write("test", test), data.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}

	spec := Spec{
		Strategies: []string{"random", "margin"}, Batches: []int{5}, Repeats: 1, Seed: 3,
		Init: 10, Rounds: 2, PoolSubset: 50, Train: train.Config{Steps: 10, Batch: 10},
		TestLimit: 100,
	}
	run := func(pool, test *data.Set) []curve.Row {
		rows, err := Execute(context.Background(), spec, spec.Runs(), pool, test, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			rows[i].TrainSeconds, rows[i].ScoreSeconds, rows[i].SelectSeconds = 0, 0, 0
		}
		return rows
	}
	fromIDX, fromImages := run(pool, test), run(imgTrain.Set, imgTest.Set)
	if len(fromIDX) != 2*3 {
		t.Fatalf("%d rows: want 2 runs × 3 rounds", len(fromIDX))
	}
	if !reflect.DeepEqual(fromIDX, fromImages) {
		t.Errorf("the images gave different curves than the IDX files:\n%v\n%v", fromImages, fromIDX)
	}
}
