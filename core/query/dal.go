package query

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"alab/core/nn"

	"gorgonia.org/tensor"
)

// dal is Discriminative Active Learning (Gissin & Shalev-Shwartz 2019): a small classifier
// learns to tell the labelled set (class 0) from the candidates (class 1) on the
// embeddings, and the candidates it finds most "unlabelled-looking", those least like
// anything labelled, are picked. The batch is split into sub-batches (Options.DALSubBatches,
// 10 by default, at most k) of sizes differing by at most one; after each, its picks move
// to the labelled side and a fresh classifier is trained.
//
// Picks are ranked by the classifier's logit of P(unlabelled) (the difference of its two
// logits), ties to the earlier candidate; Pick.Score is P(unlabelled), the logit's sigmoid,
// under the classifier of the pick's sub-batch.
//
// Departures from the authors' code, which trains an MLP with three hidden layers of 256
// for up to hundreds of epochs (until 98 % training accuracy) on the labelled set and at
// most 10 times as many unlabelled samples, with class weights inverse to class sizes:
// the classifier here is core/nn's MLP D → 32 → ReLU → 32 → ReLU → 2 (a softmax over the two
// sides, as the authors' output layer) trained with nn's Adam for a fixed dalSteps steps on
// minibatches drawn half from each side (so the classes weigh the same, and every candidate
// can be drawn), on embeddings standardized per feature over both sides. This
// keeps a round of 10 sub-batches near a second while the classifier can still carve out
// the regions where candidates have no labelled neighbour, which is all DAL asks of it.
// All randomness (the seed of each classifier's initial weights, minibatches) comes from
// c.Rand.
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
	k, err := checkSelect(s, c, k)
	if err != nil {
		return nil, err
	}
	if s.subBatches < 0 {
		return nil, fmt.Errorf("query: invalid DALSubBatches %d: want ≥ 0", s.subBatches)
	}
	if err := checkFiniteEmbeddings(c); err != nil {
		return nil, err
	}
	n := len(c.IDs)
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
	m := newDALClassifier(c.Emb.D)
	logits := make([]float32, n)
	for b := range subs {
		if err := m.train(d, c.Rand); err != nil {
			return nil, err
		}
		m.logitsTo(logits, d)
		for _, i := range d.unlabelled {
			if math.IsNaN(float64(logits[i])) {
				return nil, fmt.Errorf("query: dal classifier's score of sample %d is NaN", c.IDs[i])
			}
		}
		sortDesc(d.unlabelled, logits)
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

// dalClassifier is DAL's network: nn's MLP (Embeddings.D → 32 → ReLU → 32 → ReLU → 2
// logits, labelled and unlabelled), with buffers for its inputs.
type dalClassifier struct {
	net   *nn.Net
	x     []float32 // dalRows standardized rows, read by the network through the tensors below
	batch *tensor.Dense
	ys    []uint8 // the minibatch's labels: dalBatch/2 zeros (labelled), then ones
}

// dalRows is how many rows a forward pass takes at most.
const dalRows = 256

func newDALClassifier(dim int) *dalClassifier {
	x := make([]float32, dalRows*dim)
	ys := make([]uint8, dalBatch)
	for i := dalBatch / 2; i < dalBatch; i++ {
		ys[i] = 1
	}
	return &dalClassifier{x: x, ys: ys,
		batch: tensor.New(tensor.WithShape(dalBatch, dim), tensor.WithBacking(x[:dalBatch*dim]))}
}

// train fits a fresh network, its weights drawn from r, to tell d.labelled (class 0) from
// d.unlabelled (class 1) by minimizing the mean cross-entropy with Adam for dalSteps steps,
// each on a minibatch drawn with r.
func (m *dalClassifier) train(d *dalData, r *rand.Rand) error {
	dim := d.cand.D
	net, err := nn.NewMLP([]int{dim, dalHidden, dalHidden, 2}, r.Uint64())
	if err != nil {
		return err
	}
	m.net = net
	opt := &nn.Adam{LR: dalLR}
	for range dalSteps {
		for i := range dalBatch {
			if i < dalBatch/2 {
				d.rowTo(m.x[i*dim:(i+1)*dim], d.labelled[r.IntN(len(d.labelled))])
			} else {
				d.rowTo(m.x[i*dim:(i+1)*dim], d.lab.N+d.unlabelled[r.IntN(len(d.unlabelled))])
			}
		}
		m.net.TrainBatch(m.batch, m.ys, opt, nil)
	}
	return nil
}

// logitsTo sets dst[i] to the classifier's logit of P(unlabelled) for every unlabelled
// candidate i: the difference of its two logits, whose sigmoid is that probability.
func (m *dalClassifier) logitsTo(dst []float32, d *dalData) {
	dim := d.cand.D
	for lo := 0; lo < len(d.unlabelled); lo += dalRows {
		rows := d.unlabelled[lo:min(lo+dalRows, len(d.unlabelled))]
		for r, i := range rows {
			d.rowTo(m.x[r*dim:(r+1)*dim], d.lab.N+i)
		}
		x := tensor.New(tensor.WithShape(len(rows), dim), tensor.WithBacking(m.x[:len(rows)*dim]))
		z := m.net.Forward(x, nn.Pass{Mode: nn.Infer, NoGrad: true}).Float32s()
		for r, i := range rows {
			dst[i] = z[2*r+1] - z[2*r]
		}
	}
}
