package active

import (
	"alab/core/data"
	"alab/core/nn"
	"alab/core/query"
)

// Gather returns the candidates ids of set with exactly what needs asks for, computed with
// net: probabilities and embeddings from one deterministic pass, mcSamples dropout passes,
// the images for searches that run the network. labelled are the labelled IDs (their
// embeddings, for the batch-aware strategies). Every random choice flows from the run's
// seed through round's streams (Seed), as in Loop.Query, which calls it; so does a
// description of the round's batch (the browser's redundancy map).
func Gather(net *nn.Net, set *data.Set, ids, labelled []int, needs query.Needs, mcSamples int, seed uint64, round int) *query.Candidates {
	c := &query.Candidates{IDs: ids, Rand: Rand(seed, "select", round)}
	if needs.Probs || needs.Embeddings {
		c.Probs, c.Emb = inferTo(net, set, ids, needs.Probs, needs.Embeddings)
	}
	if needs.Embeddings {
		_, c.LabelledEmb = inferTo(net, set, labelled, false, true)
	}
	if needs.MC {
		c.MC = mcProbs(net, set, ids, mcSamples, Seed(seed, "round", round))
	}
	if needs.Model {
		c.Net = net
		c.Images = make([]float32, len(ids)*set.Rows*set.Cols)
		set.ToFloat32To(c.Images, ids)
	}
	return c
}
