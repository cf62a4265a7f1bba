package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"alab/core/active"
	"alab/core/nn"
	"alab/core/query"
	"alab/wasm/msg"
)

// MapPoints bounds the candidates drawn on the redundancy map (the batch, the random batch
// and the labelled digits are always drawn).
const MapPoints = 2000

// Insight describes the batch the last Query returned: a map of the candidates, the
// labelled digits and the batch on the first two principal components (stat.PC) of the
// network's penultimate-layer embeddings, and the same-size random batch it is compared
// with — their mean pairwise embedding distances and mean scores. The random batch is drawn
// from the same candidates with a seed of its own, so a restore draws the same one.
func (e *Engine) Insight(ctx context.Context) (*msg.Insight, error) {
	net, picks, round := e.loop.Net(), e.loop.Batch(), e.loop.Round()
	if net == nil || len(picks) == 0 {
		return nil, fmt.Errorf("engine: no batch to describe in round %d", round)
	}
	s, seed, set := e.settings, e.settings.Seed, e.loop.Set()
	start := time.Now()
	random, shown := e.loop.RandomBatch(MapPoints)
	flags := map[int]int{}
	for _, p := range picks {
		flags[p.ID] |= msg.InBatch
	}
	for _, id := range random {
		flags[id] |= msg.InRandom
	}
	for id := range flags {
		shown = append(shown, id)
	}
	slices.Sort(shown)
	shown = slices.Compact(shown)
	labelled := e.loop.Pool().Labelled()
	c := active.Gather(net, set, shown, labelled, query.Needs{Probs: true, Embeddings: true}, 0, seed, round)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// PCA of candidates and labelled digits together.
	n, l, d := c.Emb.N, c.LabelledEmb.N, c.Emb.D
	x := mat.NewDense(n+l, d, nil)
	for i := range n + l {
		src := c.Emb.Data
		row := i
		if i >= n {
			src, row = c.LabelledEmb.Data, i-n
		}
		for j := range d {
			x.Set(i, j, float64(src[row*d+j]))
		}
	}
	in := &msg.Insight{Round: round, Strategy: s.Strategy}
	var pc stat.PC
	xy := make([][2]float64, n+l)
	if pc.PrincipalComponents(x, nil) {
		var vecs mat.Dense
		pc.VectorsTo(&vecs)
		vars := pc.VarsTo(nil)
		var total float64
		for _, v := range vars {
			total += v
		}
		if total > 0 && len(vars) >= 2 {
			in.Variance = (vars[0] + vars[1]) / total
		}
		means := make([]float64, d)
		for j := range d {
			means[j] = mat.Sum(x.ColView(j)) / float64(n+l)
		}
		for i := range n + l {
			for k := 0; k < 2 && k < vecs.RawMatrix().Cols; k++ {
				var v float64
				for j := range d {
					v += (x.At(i, j) - means[j]) * vecs.At(j, k)
				}
				xy[i][k] = v
			}
		}
	}
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, p := range xy {
		for k := range 2 {
			lo[k], hi[k] = min(lo[k], p[k]), max(hi[k], p[k])
		}
	}
	scale := func(v float64, k int) int {
		if hi[k] <= lo[k] {
			return msg.MapScale / 2
		}
		return int(math.Round((v - lo[k]) / (hi[k] - lo[k]) * msg.MapScale))
	}
	row := map[int]int{}
	for i, id := range shown {
		row[id] = i
		pred := argmax(c.Probs.P[i*nn.Classes : (i+1)*nn.Classes])
		in.Points = append(in.Points, msg.Point{ID: id, X: scale(xy[i][0], 0), Y: scale(xy[i][1], 1), Flags: flags[id], Pred: pred})
	}
	for i, id := range labelled {
		p := xy[n+i]
		in.Points = append(in.Points, msg.Point{ID: id, X: scale(p[0], 0), Y: scale(p[1], 1), Flags: msg.InLabelled, Pred: int(e.loop.Pool().LabelOf(id))})
	}
	for _, id := range random {
		in.RandomPreds = append(in.RandomPreds, in.Points[row[id]].Pred)
	}
	batch := make([]int, len(picks))
	for i, p := range picks {
		batch[i] = p.ID
	}
	dist := func(ids []int) float64 {
		var sum float64
		var pairs int
		for a := range ids {
			ra := c.Emb.Data[row[ids[a]]*d : (row[ids[a]]+1)*d]
			for b := a + 1; b < len(ids); b++ {
				rb := c.Emb.Data[row[ids[b]]*d : (row[ids[b]]+1)*d]
				var ss float64
				for j := range ra {
					v := float64(ra[j] - rb[j])
					ss += v * v
				}
				sum += math.Sqrt(ss)
				pairs++
			}
		}
		if pairs == 0 {
			return 0
		}
		return sum / float64(pairs)
	}
	in.BatchDistance, in.RandomDistance = dist(batch), dist(random)

	// The strategy's scores of the random batch: its own selection over those digits alone.
	var scores []float64
	for _, p := range picks {
		if !math.IsNaN(p.Score) && !math.IsInf(p.Score, 0) {
			scores = append(scores, p.Score)
		}
	}
	in.BatchScore = msg.MeanOf(scores)
	if strategy, err := query.New(s.Strategy, query.Options{}); err == nil && in.BatchScore.N > 0 {
		rc := active.Gather(net, set, slices.Sorted(slices.Values(random)), labelled, strategy.Needs(), s.MCSamples, seed, round)
		if picks, err := strategy.Select(rc, len(random)); err == nil {
			scores = scores[:0]
			for _, p := range picks {
				if !math.IsNaN(p.Score) && !math.IsInf(p.Score, 0) {
					scores = append(scores, p.Score)
				}
			}
			in.RandomScore = msg.MeanOf(scores)
		}
	}
	in.Ms = msg.Ms(time.Since(start))
	return in, nil
}
