package engine

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"alab/core/data"
	"alab/core/data/datatest"
	"alab/core/nn"
	"alab/core/train"
	"alab/wasm/msg"
)

// fixture loads the few hundred real MNIST digits kept in testdata/.
func fixture(t testing.TB) (pool, test *data.Set) { return datatest.Fixture(t) }

var quick = Config{ColdSteps: 20, PreSteps: 4, WarmSteps: 5, Batch: 16}

// answer labels a batch from ground truth, as a careful person would.
func answer(b *msg.Batch, round int) []msg.Label {
	var ls []msg.Label
	for _, it := range b.Items {
		ls = append(ls, msg.Label{ID: it.ID, Label: it.Truth, Round: round, Seconds: 1})
	}
	return ls
}

func ids(b *msg.Batch) []int {
	var out []int
	for _, it := range b.Items {
		out = append(out, it.ID)
	}
	return out
}

// firstBatch runs a first visit's round 0 with cfg and settings s, as the worker does.
func firstBatch(t *testing.T, cfg Config, s msg.Settings) (*msg.Batch, *Engine) {
	t.Helper()
	pool, test := fixture(t)
	e, err := New(context.Background(), cfg, pool, test, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Query(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b.Seeded = e.SeedSet() // as the worker sends it
	return b, e
}

// session runs a first visit and rounds submitted batches; it returns every saved label
// and the batch on screen.
func session(t *testing.T, s msg.Settings, rounds int) ([]msg.Label, *msg.Batch, *Engine) {
	t.Helper()
	b, e := firstBatch(t, quick, s)
	labels := slices.Clone(b.Seeded)
	ctx := context.Background()
	var err error
	for r := 1; r <= rounds; r++ {
		if r%2 == 1 { // as the worker does while the person labels (or not: same chain)
			if _, err := e.Pretrain(ctx); err != nil {
				t.Fatal(err)
			}
		}
		ls := answer(b, r)
		if r == 1 && len(ls) > 1 {
			ls[1].Label = msg.Skip
		}
		if err := e.Submit(ls); err != nil {
			t.Fatal(err)
		}
		labels = append(labels, ls...)
		if b, err = e.Query(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return labels, b, e
}

func TestRounds(t *testing.T) {
	s := msg.Settings{Strategy: "margin", Batch: 5, PoolSubset: 200}
	labels, b, e := session(t, s, 2)
	if len(labels) != 30 {
		t.Fatalf("%d labels after the seed set and 2 batches, want 30", len(labels))
	}
	if got := e.Labelled(); got != 29 {
		t.Errorf("labelled %d, want 29 (one skipped)", got)
	}
	if b.Labelled != 29 || len(b.Items) != 5 || b.Round != 2 || b.Accuracy != -1 || b.TestSize == 0 {
		t.Errorf("batch: labelled %d, %d items, round %d, accuracy %v", b.Labelled, len(b.Items), b.Round, b.Accuracy)
	}
	acc, _, err := e.Evaluate()
	if err != nil || acc <= 0 || acc > 1 {
		t.Errorf("Evaluate: %v, %v", acc, err)
	}
	if err := e.SaveModel(&bytes.Buffer{}); err != nil {
		t.Error(err)
	}
	for _, it := range b.Items {
		if slices.ContainsFunc(labels, func(l msg.Label) bool { return l.ID == it.ID }) {
			t.Errorf("sample %d queried again", it.ID)
		}
		if len(it.Image) != 784 || it.Prob <= 0 || it.Prob > 1 {
			t.Errorf("item %+v", it)
		}
	}
}

// The exported model is the one whose accuracy the page shows, even after the worker has
// gone on pre-training the next round's network.
func TestSaveModelIsTheRoundsNetwork(t *testing.T) {
	_, _, e := session(t, msg.Settings{Strategy: "margin", Batch: 5, PoolSubset: 200}, 1)
	acc, _, err := e.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pretrain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := e.SaveModel(&buf); err != nil {
		t.Fatal(err)
	}
	net, err := nn.Load(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := train.Accuracy(net, e.loop.Test(), 0)
	if err != nil || got != acc {
		t.Errorf("the exported model's accuracy is %v (%v), want the round's %v", got, err, acc)
	}
}

// A reload restores the session exactly: the same batch on screen, and the same batches after.
func TestRestoreIsExact(t *testing.T) {
	pool, test := fixture(t)
	ctx := context.Background()
	for _, strategy := range []string{"margin", "bald", "coreset", "fgsm"} {
		s := msg.Settings{Strategy: strategy, Batch: 4, PoolSubset: 150, MCSamples: 5, Seed: 9}
		labels, onScreen, e := session(t, s, 2)
		// Half the batch on screen answered before the reload.
		partial := answer(onScreen, 3)[:2]
		saved := append(slices.Clone(labels), partial...)

		r, err := New(ctx, quick, pool, test, s)
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.Restore(ctx, msg.Init{Settings: s, Labels: saved, Pending: ids(onScreen), Round: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !b.Restored || !slices.Equal(ids(b), ids(onScreen)) {
			t.Fatalf("%s: restored batch %v, want %v", strategy, ids(b), ids(onScreen))
		}
		a1, _, err := e.Evaluate()
		if err != nil {
			t.Fatal(err)
		}
		if a2, _, err := r.Evaluate(); err != nil || a1 != a2 {
			t.Errorf("%s: restored accuracy %v (%v), want %v", strategy, a2, err, a1)
		}
		for i := range b.Items {
			if b.Items[i].Pred != onScreen.Items[i].Pred {
				t.Errorf("%s: restored prediction %d, want %d", strategy, b.Items[i].Pred, onScreen.Items[i].Pred)
			}
		}
		for _, x := range []*Engine{e, r} {
			if err := x.Submit(answer(onScreen, 3)); err != nil {
				t.Fatal(err)
			}
		}
		next1, err := e.Query(ctx)
		if err != nil {
			t.Fatal(err)
		}
		next2, err := r.Query(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(next1), ids(next2)) {
			t.Errorf("%s: after a reload the next batch is %v, without %v", strategy, ids(next2), ids(next1))
		}
	}
}

func TestAddRejects(t *testing.T) {
	pool, test := fixture(t)
	e, err := New(context.Background(), quick, pool, test, msg.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	free := e.loop.Pool().Unlabelled()
	for _, l := range []msg.Label{{ID: -1}, {ID: pool.N}, {ID: free[0], Label: 10}, {ID: free[0], Label: -2}, {ID: e.SeedSet()[0].ID, Label: 1}} {
		if err := e.Add([]msg.Label{l}); err == nil {
			t.Errorf("Add(%+v): no error", l)
		}
	}
	if err := e.Add([]msg.Label{{ID: free[1], Label: 3}, {ID: free[2], Label: msg.Skip}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range free[1:3] {
		if err := e.Add([]msg.Label{{ID: id, Label: 3}}); err == nil {
			t.Errorf("answering %d twice: no error", id)
		}
	}
	if err := e.SetSettings(msg.Settings{Seed: 2}); err == nil {
		t.Error("another seed mid-session: no error")
	}
	if err := e.SaveModel(&bytes.Buffer{}); err == nil {
		t.Error("SaveModel before training: no error")
	}
}

// TestTimings reports how long the rounds the browser runs take on this machine (and,
// under GOOS=js, under WebAssembly) at the reference point: 100 labels, batch 10,
// pool subset 2000, T=20. It needs the full MNIST files (ALAB_ENGINE_TIMINGS=1 to run).
func TestTimings(t *testing.T) {
	if os.Getenv("ALAB_ENGINE_TIMINGS") == "" {
		t.Skip("set ALAB_ENGINE_TIMINGS=1 to time rounds on full MNIST")
	}
	dir := os.Getenv("ALAB_MNIST_DIR")
	tr, te, err := data.MNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	pool, test := tr.Head(10000), te.Head(2000)
	ctx := context.Background()
	e, err := New(ctx, Config{}, pool, test, msg.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	b0, err := e.Query(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, strategy := range msg.Strategies {
		s := msg.Settings{Strategy: strategy.Name, Batch: 10}
		start := time.Now()
		if _, err := e.Pretrain(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.Submit(answer(b0, e.Round()+1)); err != nil {
			t.Fatal(err)
		}
		if err := e.SetSettings(s); err != nil {
			t.Fatal(err)
		}
		b, err := e.Query(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b0 = b
		acc, d, err := e.Evaluate()
		if err != nil {
			t.Fatal(err)
		}
		b.Accuracy, b.Timings.Evaluate = acc, msg.Ms(d)
		t.Logf("%-20s labelled %3d acc %.3f total %6.0f ms (train %5.0f eval %5.0f score %5.0f select %5.0f) wall %v",
			strategy.Name, b.Labelled, b.Accuracy, b.Timings.Total, b.Timings.Train, b.Timings.Evaluate, b.Timings.Score, b.Timings.Select, time.Since(start).Round(time.Millisecond))
	}
}

// A drawn digit: the probe's answer survives the message codec, and a drawing labelled by
// the person trains and is restored with the session.
func TestProbeAndDrawnLabel(t *testing.T) {
	pool, test := fixture(t)
	ctx := context.Background()
	s := msg.Settings{Strategy: "margin", Batch: 4, PoolSubset: 150, MCSamples: 5, Seed: 9}
	labels, onScreen, e := session(t, s, 1)
	drawing := slices.Clone(pool.Image(onScreen.Items[0].ID))
	p, err := e.Probe(drawing)
	if err != nil {
		t.Fatal(err)
	}
	back, err := msg.Decode(msg.Encode(msg.Msg{Kind: msg.KindProbe, Probe: p}))
	if err != nil {
		t.Fatal(err)
	}
	q := back.Probe
	if q.Pred != onScreen.Items[0].Pred || len(q.Passes) != 5 || len(q.Scores) != 5 || q.Scores[1].Rank != 1 || q.Deep.To == q.Pred || q.Deep.Distance <= 0 || len(q.FGSM.Image) != 784 {
		t.Errorf("probe of the batch's first digit: pred %d (item's %d), %d passes, scores %+v, twins %d→%d at %v", q.Pred, onScreen.Items[0].Pred, len(q.Passes), q.Scores, q.Pred, q.Deep.To, q.Deep.Distance)
	}
	drawn := msg.Label{ID: -1, Label: 6, Round: 2, Image: drawing}
	ls := append(answer(onScreen, 2), drawn)
	if err := e.Submit(ls); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Query(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := New(ctx, quick, pool, test, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Restore(ctx, msg.Init{Settings: s, Labels: append(labels, ls...), Round: 2}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.loop.Net().Params, e.loop.Net().Params) || r.loop.Added() != 1 {
		t.Errorf("a session with a drawn label restores another network (%d drawings)", r.loop.Added())
	}
	if err := e.Add([]msg.Label{{ID: -1, Label: 3, Image: drawing[:700]}}); err == nil {
		t.Error("a drawing of 700 pixels: no error")
	}
}
