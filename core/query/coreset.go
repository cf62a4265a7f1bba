package query

import (
	"math"
	"runtime"
	"sync"

	"alab/core/gemm"
)

// coreset is Sener & Savarese's core-set selection (2018) in its greedy form: k-center
// farthest-first traversal over the embeddings, a 2-approximation of the k-center problem.
// The centres start as the labelled set; each pick is the candidate farthest (in Euclidean
// distance) from every centre so far, ties to the earlier candidate, and becomes a centre.
// If the labelled set is empty the first pick is a candidate drawn with c.Rand, scored 0
// (its distance to no centre is undefined). Every other Pick.Score is the pick's distance
// to its nearest centre when it was chosen, so scores never increase along the batch.
type coreset struct{}

func newCoreset(Options) Strategy { return coreset{} }

func (coreset) Needs() Needs { return Needs{Embeddings: true} }

func (s coreset) Select(c *Candidates, k int) ([]Pick, error) {
	k, err := checkSelect(s, c, k)
	if err != nil {
		return nil, err
	}
	if err := checkFiniteEmbeddings(c); err != nil {
		return nil, err
	}
	x := c.Emb
	picks := make([]Pick, 0, k)
	if k == 0 {
		return picks, nil
	}

	// dist[i] is candidate i's squared distance to its nearest centre, or -1 once chosen.
	dist := make([]float32, x.N)
	var next int
	var score float64
	if c.LabelledEmb.N > 0 {
		nearestSqDistTo(dist, x, c.LabelledEmb)
		next = farthest(dist, 0, x.N)
		score = math.Sqrt(float64(dist[next]))
	} else {
		if err := checkRand("coreset", c); err != nil {
			return nil, err
		}
		for i := range dist {
			dist[i] = float32(math.Inf(1))
		}
		next = c.Rand.IntN(x.N)
	}
	for {
		picks = append(picks, Pick{ID: c.IDs[next], Score: score})
		dist[next] = -1
		if len(picks) == k {
			return picks, nil
		}
		next = addCentre(dist, x, x.Row(next))
		score = math.Sqrt(float64(dist[next]))
	}
}

// addCentre lowers dist to the squared distances to centre wherever it is nearer, skipping
// chosen candidates (dist -1), and returns the unchosen candidate now farthest from every
// centre (the earliest on ties). Distances of finite embeddings are never NaN (at worst
// +Inf), so with an unchosen candidate left there is always a winner.
//
// Each candidate's distance is computed on its own, so the work is cut into one chunk of
// candidates per processor; the chunks' winners are compared in order, so neither the
// distances nor the winner depend on the number of chunks.
func addCentre(dist []float32, x Matrix, centre []float32) int {
	parts := chunks(x.N, x.D)
	best := make([]int, parts)
	forChunks(parts, x.N, func(p, lo, hi int) {
		for i := lo; i < hi; i++ {
			if dist[i] < 0 {
				continue
			}
			if d := sqDist(x.Row(i), centre); d < dist[i] {
				dist[i] = d
			}
		}
		best[p] = farthest(dist, lo, hi)
	})
	next := -1
	for _, i := range best {
		if i >= 0 && (next < 0 || dist[i] > dist[next]) {
			next = i
		}
	}
	return next
}

// chunks returns how many pieces to cut n items of cost multiply-adds each into: one per
// processor (1 under WebAssembly), or 1 when the work is too small to pay for goroutines.
func chunks(n, cost int) int {
	if n*cost < 1<<15 {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), n)
}

// forChunks runs f(p, lo, hi) concurrently on each of parts contiguous chunks [lo, hi) of
// [0, n) and returns when all are done.
func forChunks(parts, n int, f func(p, lo, hi int)) {
	if parts == 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { f(p, p*n/parts, (p+1)*n/parts) })
	}
	wg.Wait()
}

// farthest returns the index in [lo, hi) of the largest non-negative dist, the earliest on
// ties, or -1 if there is none.
func farthest(dist []float32, lo, hi int) int {
	best, bestD := -1, float32(-1)
	for i := lo; i < hi; i++ {
		if dist[i] > bestD {
			best, bestD = i, dist[i]
		}
	}
	return best
}

// nearestSqDistTo sets dst[i] to the squared distance from row i of x to the nearest row
// of centres.
//
// The nearest centre is found with ‖a−b‖² = ‖a‖² + ‖b‖² − 2a·b, all dot products of a block
// of candidates with a block of centres coming from one matrix product: about D times
// fewer operations outside gemm than a loop over pairs. That expansion cancels badly for
// near neighbours, so the distance to the nearest centre found is then recomputed directly.
func nearestSqDistTo(dst []float32, x, centres Matrix) {
	const bm, bn = 256, 256 // block of candidates × block of centres: 256 KiB of dot products
	d := x.D
	xn, cn := rowSqNorms(x), rowSqNorms(centres)
	nearest := make([]int, x.N)
	for i := range dst {
		dst[i] = float32(math.Inf(1))
	}
	dots := make([]float32, bm*bn)
	for i0 := 0; i0 < x.N; i0 += bm {
		m := min(bm, x.N-i0)
		for j0 := 0; j0 < centres.N; j0 += bn {
			n := min(bn, centres.N-j0)
			gemm.Mul(false, true, m, n, d, x.Data[i0*d:], d, centres.Data[j0*d:], d, 0, dots, bn)
			for i := range m {
				row := dots[i*bn : i*bn+n]
				best, bestD := nearest[i0+i], dst[i0+i]
				for j, dot := range row {
					if e := xn[i0+i] + cn[j0+j] - 2*dot; e < bestD {
						best, bestD = j0+j, e
					}
				}
				nearest[i0+i], dst[i0+i] = best, bestD
			}
		}
	}
	for i := range dst {
		dst[i] = sqDist(x.Row(i), centres.Row(nearest[i]))
	}
}

// rowSqNorms returns the squared Euclidean norm of every row of m.
func rowSqNorms(m Matrix) []float32 {
	n := make([]float32, m.N)
	for i := range n {
		n[i] = dot32(m.Row(i), m.Row(i))
	}
	return n
}

// sqDist returns ‖a−b‖². Four accumulators let the additions overlap; the order of the
// sum depends only on len(a).
func sqDist(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		a4, b4 := a[i:i+4:i+4], b[i:i+4:i+4]
		d0, d1, d2, d3 := a4[0]-b4[0], a4[1]-b4[1], a4[2]-b4[2], a4[3]-b4[3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// dot32 returns a·b, summed like sqDist. Its loop is sqDist's shape on products, kept apart
// by design: each is a hot loop of its own, and a shared one would add a call per element.
func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		a4, b4 := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += a4[0] * b4[0]
		s1 += a4[1] * b4[1]
		s2 += a4[2] * b4[2]
		s3 += a4[3] * b4[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
