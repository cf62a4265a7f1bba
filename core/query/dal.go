package query

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"alab/core/gemm"
)

// dal is Discriminative Active Learning (Gissin & Shalev-Shwartz 2019): a small classifier
// learns to tell the labelled set (class 0) from the candidates (class 1) on the
// embeddings, and the candidates it finds most "unlabelled-looking", those least like
// anything labelled, are picked. The batch is split into sub-batches (Options.DALSubBatches,
// 10 by default, at most k) of sizes differing by at most one; after each, its picks move
// to the labelled side and a fresh classifier is trained.
//
// Picks are ranked by the classifier's logit, ties to the earlier candidate; Pick.Score is
// P(unlabelled), the logit's sigmoid, under the classifier of the pick's sub-batch.
//
// Departures from the authors' code, which trains an MLP with three hidden layers of 256
// for up to hundreds of epochs (until 98 % training accuracy) on the labelled set and at
// most 10 times as many unlabelled samples, with class weights inverse to class sizes:
// the classifier here is D → 32 → ReLU → 32 → ReLU → 1 trained for a fixed dalSteps Adam
// steps on minibatches drawn half from each side (so the classes weigh the same, and every
// candidate can be drawn), on embeddings standardized per feature over both sides. This
// keeps a round of 10 sub-batches near a second while the classifier can still carve out
// the regions where candidates have no labelled neighbour, which is all DAL asks of it.
// All randomness (initial weights, minibatches) comes from c.Rand.
type dal struct {
	subBatches int
}

// Discriminator settings; see the type comment.
const (
	dalHidden = 32   // width of both hidden layers
	dalBatch  = 64   // minibatch size, half labelled and half unlabelled
	dalSteps  = 200  // Adam steps per classifier
	dalLR     = 1e-3 // Adam step size (β₁ 0.9, β₂ 0.999, ε 1e-8)
)

func newDAL(o Options) Strategy { return dal{subBatches: o.DALSubBatches} }

func (dal) Needs() Needs { return Needs{Embeddings: true} }

func (s dal) Select(c *Candidates, k int) ([]Pick, error) {
	if err := checkK(k); err != nil {
		return nil, err
	}
	if s.subBatches < 0 {
		return nil, fmt.Errorf("query: invalid DALSubBatches %d: want ≥ 0", s.subBatches)
	}
	if err := checkEmbeddings(c); err != nil {
		return nil, err
	}
	n := len(c.IDs)
	k = min(k, n)
	picks := make([]Pick, 0, k)
	if k == 0 {
		return picks, nil
	}
	if c.LabelledEmb.N == 0 {
		return nil, errors.New("query: dal needs a labelled set to tell the candidates from: the labelled set is empty")
	}
	if err := checkRand("dal", c); err != nil {
		return nil, err
	}
	subs := cmp.Or(s.subBatches, 10)
	subs = min(subs, k)

	d := newDALData(c)
	net := newMLP([]int{c.Emb.D, dalHidden, dalHidden, 1}, 256)
	logits := make([]float32, n)
	for b := range subs {
		net.train(d, c.Rand)
		d.logitsTo(logits, net)
		for _, i := range d.unlabelled {
			if math.IsNaN(float64(logits[i])) {
				return nil, fmt.Errorf("query: dal classifier's score of sample %d is NaN", c.IDs[i])
			}
		}
		// Highest logit first; the stable sort keeps candidate order on ties.
		slices.SortStableFunc(d.unlabelled, func(i, j int) int { return cmp.Compare(logits[j], logits[i]) })
		size := k / subs
		if b < k%subs {
			size++
		}
		for _, i := range d.unlabelled[:size] {
			picks = append(picks, Pick{ID: c.IDs[i], Score: 1 / (1 + math.Exp(-float64(logits[i])))})
			d.labelled = append(d.labelled, d.lab.N+i)
		}
		d.unlabelled = d.unlabelled[size:]
		slices.Sort(d.unlabelled)
	}
	return picks, nil
}

// dalData is DAL's training set. A row r < lab.N is row r of the labelled embeddings; a row
// lab.N + i is candidate i's embedding. Rows are standardized when read.
type dalData struct {
	lab, cand   Matrix
	mean, scale []float32 // per feature: x ↦ (x − mean)·scale
	labelled    []int     // rows on the labelled side: the labelled set, then the picks
	unlabelled  []int     // candidates (indices into cand) not picked yet, in order
}

func newDALData(c *Candidates) *dalData {
	d := &dalData{lab: c.LabelledEmb, cand: c.Emb}
	dim := c.Emb.D
	sum, sq := make([]float64, dim), make([]float64, dim)
	for _, m := range []Matrix{d.lab, d.cand} {
		for i := range m.N {
			for j, v := range m.Row(i) {
				sum[j] += float64(v)
				sq[j] += float64(v) * float64(v)
			}
		}
	}
	total := float64(d.lab.N + d.cand.N)
	d.mean, d.scale = make([]float32, dim), make([]float32, dim)
	for j := range dim {
		mean := sum[j] / total
		d.mean[j], d.scale[j] = float32(mean), 1
		if v := sq[j]/total - mean*mean; v > 1e-12 {
			d.scale[j] = float32(1 / math.Sqrt(v))
		}
	}
	d.labelled = make([]int, d.lab.N)
	for r := range d.labelled {
		d.labelled[r] = r
	}
	d.unlabelled = make([]int, d.cand.N)
	for i := range d.unlabelled {
		d.unlabelled[i] = i
	}
	return d
}

// rowTo writes the standardized row r (see dalData) to dst.
func (d *dalData) rowTo(dst []float32, r int) {
	var src []float32
	if r < d.lab.N {
		src = d.lab.Row(r)
	} else {
		src = d.cand.Row(r - d.lab.N)
	}
	for j, v := range src {
		dst[j] = (v - d.mean[j]) * d.scale[j]
	}
}

// logitsTo sets dst[i] to the network's logit for every unlabelled candidate i.
func (d *dalData) logitsTo(dst []float32, net *mlp) {
	dim := d.cand.D
	for lo := 0; lo < len(d.unlabelled); lo += net.maxRows {
		rows := d.unlabelled[lo:min(lo+net.maxRows, len(d.unlabelled))]
		x := net.acts[0]
		for r, i := range rows {
			d.rowTo(x[r*dim:(r+1)*dim], d.lab.N+i)
		}
		z := net.forward(len(rows))
		for r, i := range rows {
			dst[i] = z[r]
		}
	}
}

// mlp is a fully connected ReLU network with one output, the logit of P(class 1).
// All parameters sit in one flat buffer: layer l's weights W_l (sizes[l] × sizes[l+1],
// row-major, so a batch's outputs are X·W_l) at off[l], followed by its sizes[l+1] biases.
// Gradients and Adam's moments have the same layout.
type mlp struct {
	sizes, off   []int
	maxRows      int         // rows a forward pass takes at most
	step         int         // Adam steps taken
	acts, deltas [][]float32 // per layer, batch × sizes[l]: the inputs (acts[0]) and outputs, and their gradients
	p, g, m1, m2 []float32   // parameters, gradients, Adam's first and second moments
}

func newMLP(sizes []int, maxRows int) *mlp {
	n := &mlp{sizes: sizes, maxRows: maxRows}
	total := 0
	for l := range len(sizes) - 1 {
		n.off = append(n.off, total)
		total += (sizes[l] + 1) * sizes[l+1]
	}
	for _, s := range sizes {
		n.acts = append(n.acts, make([]float32, maxRows*s))
		n.deltas = append(n.deltas, make([]float32, maxRows*s))
	}
	n.p, n.g = make([]float32, total), make([]float32, total)
	n.m1, n.m2 = make([]float32, total), make([]float32, total)
	return n
}

// layer returns layer l's weights and biases within buf (p, g, m1 or m2).
func (n *mlp) layer(buf []float32, l int) (w, b []float32) {
	in, out := n.sizes[l], n.sizes[l+1]
	w = buf[n.off[l] : n.off[l]+in*out]
	return w, buf[n.off[l]+in*out : n.off[l]+(in+1)*out]
}

// reset draws fresh weights (He initialization: normal with variance 2/fan-in), zeroes the
// biases and restarts Adam.
func (n *mlp) reset(r *rand.Rand) {
	clear(n.p)
	clear(n.m1)
	clear(n.m2)
	n.step = 0
	for l := range len(n.sizes) - 1 {
		w, _ := n.layer(n.p, l)
		std := math.Sqrt(2 / float64(n.sizes[l]))
		for i := range w {
			w[i] = float32(r.NormFloat64() * std)
		}
	}
}

// forward runs the first rows of acts[0] through the network and returns their logits.
func (n *mlp) forward(rows int) []float32 {
	last := len(n.sizes) - 2
	for l := range last + 1 {
		in, out := n.sizes[l], n.sizes[l+1]
		x, y := n.acts[l], n.acts[l+1][:rows*out]
		w, b := n.layer(n.p, l)
		for r := range rows {
			copy(y[r*out:(r+1)*out], b)
		}
		gemm.Mul(false, false, rows, out, in, x, in, w, out, 1, y, out)
		if l < last {
			for i, v := range y {
				y[i] = max(v, 0)
			}
		}
	}
	return n.acts[last+1][:rows]
}

// backward sets n.g to the gradient of the loss given deltas[last] (the gradient with
// respect to the logits of the rows of the last forward).
func (n *mlp) backward(rows int) {
	clear(n.g)
	for l := len(n.sizes) - 2; l >= 0; l-- {
		in, out := n.sizes[l], n.sizes[l+1]
		dy := n.deltas[l+1][:rows*out]
		gw, gb := n.layer(n.g, l)
		gemm.Mul(true, false, in, out, rows, n.acts[l], in, dy, out, 1, gw, out) // gW = Xᵀ·dY
		for r := range rows {
			for j, v := range dy[r*out : (r+1)*out] {
				gb[j] += v
			}
		}
		if l == 0 {
			break
		}
		w, _ := n.layer(n.p, l)
		dx := n.deltas[l][:rows*in]
		gemm.Mul(false, true, rows, in, out, dy, out, w, out, 0, dx, in) // dX = dY·Wᵀ
		for i, a := range n.acts[l][:rows*in] {
			if a <= 0 { // ReLU
				dx[i] = 0
			}
		}
	}
}

// adam takes one Adam step along n.g.
func (n *mlp) adam() {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	n.step++
	c1 := 1 - math.Pow(b1, float64(n.step))
	c2 := 1 - math.Pow(b2, float64(n.step))
	lr := float32(dalLR * math.Sqrt(c2) / c1)
	for i, g := range n.g {
		n.m1[i] = b1*n.m1[i] + (1-b1)*g
		n.m2[i] = b2*n.m2[i] + (1-b2)*g*g
		n.p[i] -= lr * n.m1[i] / (float32(math.Sqrt(float64(n.m2[i]))) + eps)
	}
}

// train fits a fresh network to tell d.labelled (class 0) from d.unlabelled (class 1)
// by minimizing the mean binary cross-entropy with Adam for dalSteps steps.
func (n *mlp) train(d *dalData, r *rand.Rand) {
	n.reset(r)
	dim, half := d.cand.D, dalBatch/2
	x, dz := n.acts[0], n.deltas[len(n.sizes)-1]
	for range dalSteps {
		for i := range dalBatch {
			if i < half {
				d.rowTo(x[i*dim:(i+1)*dim], d.labelled[r.IntN(len(d.labelled))])
			} else {
				d.rowTo(x[i*dim:(i+1)*dim], d.lab.N+d.unlabelled[r.IntN(len(d.unlabelled))])
			}
		}
		z := n.forward(dalBatch)
		// The gradient of the cross-entropy of sigmoid(z) for label y is sigmoid(z) − y.
		for i, v := range z {
			y := float32(0)
			if i >= half {
				y = 1
			}
			dz[i] = (float32(1/(1+math.Exp(-float64(v)))) - y) / dalBatch
		}
		n.backward(dalBatch)
		n.adam()
	}
}
