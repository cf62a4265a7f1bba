package ui

import (
	"testing"

	"alab/wasm/msg"
)

func TestDescribePoint(t *testing.T) {
	for _, c := range []struct {
		flags              int
		pred               int
		role, class, guess string
	}{
		{0, 3, "a candidate", "pool", "the model says 3"},
		{msg.InBatch, 7, "in this batch (margin)", "batch", "the model says 7"},
		{msg.InRandom, 0, "in the random batch", "random", "the model says 0"},
		{msg.InBatch | msg.InRandom, 1, "in this batch and in the random batch", "batch", "the model says 1"},
		{msg.InLabelled, 9, "labelled", "labelled", "its label: 9"},
	} {
		role, class, guess := describePoint(msg.Point{ID: 12, Flags: c.flags, Pred: c.pred}, "margin")
		if role != c.role || class != c.class || guess != c.guess {
			t.Errorf("flags %b: %q, %q, %q; want %q, %q, %q", c.flags, role, class, guess, c.role, c.class, c.guess)
		}
	}
}
