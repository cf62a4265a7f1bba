package active

import (
	"math/rand/v2"

	"alab/core/data"
	"alab/core/nn"
	"alab/core/query"

	"gorgonia.org/tensor"
)

// chunk is how many images go through the network at once when scoring.
const chunk = 256

// inferTo runs the network with dropout off over images ids of set, chunk by chunk, and
// returns their softmax probabilities and/or penultimate embeddings.
func inferTo(net *nn.Net, set *data.Set, ids []int, wantProbs, wantEmb bool) (query.Probs, query.Matrix) {
	var probs query.Probs
	var emb query.Matrix
	k := net.Outputs()
	if wantProbs {
		probs = query.Probs{N: len(ids), C: k, P: make([]float32, len(ids)*k)}
	}
	forChunks(set, ids, func(lo int, x *tensor.Dense) {
		logits := net.Forward(x, nn.Pass{Mode: nn.Infer, NoGrad: true}).Float32s()
		if wantProbs {
			nn.SoftmaxTo(probs.P[lo*k:], logits, k)
		}
		if wantEmb {
			e := net.Embedding()
			d := e.Shape()[1]
			if emb.Data == nil {
				emb = query.Matrix{N: len(ids), D: d, Data: make([]float32, len(ids)*d)}
			}
			copy(emb.Data[lo*d:], e.Float32s())
		}
	})
	return probs, emb
}

// mcProbs runs t Monte-Carlo dropout passes over images ids. The deterministic body of the
// network runs once per chunk and only the head runs per pass (exact: see nn.Net.Body), on
// the units its masks keep (nn.Net.MCHeadTo). Pass p uses the same dropout masks for every
// candidate (consistent MC dropout, as BatchBALD needs): its Rand is re-seeded from
// (seed, p) for each chunk.
func mcProbs(net *nn.Net, set *data.Set, ids []int, t int, seed uint64) query.MCProbs {
	n, k := len(ids), net.Outputs()
	mc := query.MCProbs{T: t, N: n, C: k, P: make([]float32, t*n*k)}
	body := net.Body()
	logits := make([]float32, chunk*k)
	src := rand.NewPCG(0, 0)
	rng := rand.New(src)
	forChunks(set, ids, func(lo int, x *tensor.Dense) {
		// The body's output stays valid while the head runs: the head writes only its own
		// buffers.
		feat := net.ForwardRange(x, 0, body, nn.Pass{Mode: nn.Infer, NoGrad: true})
		rows := feat.Shape()[0]
		for p := 0; p < t; p++ {
			src.Seed(seed, uint64(p))
			net.MCHeadTo(logits[:rows*k], feat, rng)
			nn.SoftmaxTo(mc.P[(p*n+lo)*k:(p*n+lo+rows)*k], logits[:rows*k], k)
		}
	})
	return mc
}

// forChunks converts images ids of set to network inputs, chunk images at a time, and calls
// f with the offset of each chunk in ids.
func forChunks(set *data.Set, ids []int, f func(lo int, x *tensor.Dense)) {
	var x *tensor.Dense
	for lo := 0; lo < len(ids); lo += chunk {
		hi := min(lo+chunk, len(ids))
		if x == nil || x.Shape()[0] != hi-lo {
			x = nn.NewInput(hi - lo)
		}
		set.ToFloat32To(x.Float32s(), ids[lo:hi])
		f(lo, x)
	}
}
