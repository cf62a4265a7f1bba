package adversarial

import (
	"fmt"
	"math"
)

// batch is how many images a search advances together: one forward pass and one backward
// pass per gradient serve them all.
const batch = 64

// minBatch is the fewest images a pass runs once no image waits for a slot and the busy ones
// run alone (search.load): natively a product of 16 rows or more runs the SIMD kernel and of
// fewer gonum (core/gemm), so at 16 an image's bits do not depend on how many are left.
const minBatch = 16

// model is what a search needs from a classifier. netModel wraps an nn.Net; the tests use
// an exactly linear model.
type model interface {
	// batch returns the number of images per call.
	batch() int
	// classes returns the number of logits per image.
	classes() int
	// logitsTo writes the logits (n × classes) of the images x (n × 784, n ≤ batch) to dst.
	logitsTo(dst, x []float32)
	// gradTo writes to dst (n × 784) ∇ₓ Σᵢₖ seed[i,k]·logit[i,k] at the x of the last
	// logitsTo, whose n images seed (n × classes) and dst have.
	gradTo(dst, seed []float32)
}

// search runs a batch of slots, each carrying one image from its original to its first
// flipped version (or to the step limit). A slot that finishes is refilled with the next
// image, so the batch stays full and a few stubborn images never hold the others back; once
// none is left to load, the passes run on the busy slots only. Nothing is allocated after
// newSearch but, by netModel, one tensor header per number of slots in use.
type search struct {
	m       model
	classes int // m.classes()
	images  []float32
	maxIter int
	res     []Result
	next    int   // the next image to load into a free slot
	slot    []int // the image in each slot, or -1 if the slot is free
	n       int   // the slots the passes run: slot[:n]

	x      []float32 // the current images, batch × 784
	logits []float32 // their logits, batch × classes
	seed   []float32 // batch × classes
	grad   []float32 // batch × 784
	adv    []float32 // backing of every Result.Adversarial, N × 784
}

func newSearch(m model, images []float32, maxIter int) *search {
	n, b, k := len(images)/pixels, m.batch(), m.classes()
	s := &search{
		m: m, classes: k, images: images, maxIter: maxIter,
		res:    make([]Result, n),
		slot:   make([]int, b),
		x:      make([]float32, b*pixels),
		logits: make([]float32, b*k),
		seed:   make([]float32, b*k),
		grad:   make([]float32, b*pixels),
		adv:    make([]float32, n*pixels),
	}
	for i := range s.res {
		s.res[i] = Result{Distance: math.Inf(1), From: -1, To: -1}
	}
	for j := range s.slot {
		s.slot[j] = -1
	}
	return s
}

// image returns original image i; row, gradRow and logitRow the current image of slot j,
// its gradient and its logits.
func (s *search) image(i int) []float32    { return s.images[i*pixels : (i+1)*pixels] }
func (s *search) row(j int) []float32      { return s.x[j*pixels : (j+1)*pixels] }
func (s *search) gradRow(j int) []float32  { return s.grad[j*pixels : (j+1)*pixels] }
func (s *search) logitRow(j int) []float32 { return s.logits[j*s.classes : (j+1)*s.classes] }

// load fills the free slots with the next images and returns how many slots are busy.
func (s *search) load() int {
	busy := 0
	for j, i := range s.slot {
		if i < 0 && s.next < len(s.res) {
			i, s.next = s.next, s.next+1
			s.slot[j] = i
			copy(s.row(j), s.image(i))
		}
		if i >= 0 {
			busy++
		}
	}
	s.n = len(s.slot)
	if s.next < len(s.res) {
		return busy
	}
	// No image waits: the busy slots move to the front, in order, and the passes run on
	// them (and on free ones up to minBatch). An image's rows are computed alike wherever
	// it sits in the batch.
	k := 0
	for j, i := range s.slot {
		if i < 0 {
			continue
		}
		if j != k {
			s.slot[k], s.slot[j] = i, -1
			copy(s.row(k), s.row(j))
		}
		k++
	}
	s.n = max(busy, min(minBatch, len(s.slot)))
	return busy
}

// classify runs the current images forward. A newly loaded image records its prediction;
// an image whose prediction changed, or that has used all its steps, finishes and frees its
// slot.
func (s *search) classify() error {
	s.m.logitsTo(s.logits[:s.n*s.classes], s.x[:s.n*pixels])
	for j, i := range s.slot[:s.n] {
		if i < 0 {
			continue
		}
		p, r := argmax(s.logitRow(j)), &s.res[i]
		switch {
		case p < 0:
			return fmt.Errorf("adversarial: the logits of image %d are NaN after %d steps", i, r.Iters)
		case r.From < 0:
			r.From = p
		case p != r.From:
			s.finish(j, p)
		case r.Iters == s.maxIter:
			s.finish(j, -1)
		}
	}
	return nil
}

// finish ends the search in slot j: to is the new prediction, or -1 if there is none.
func (s *search) finish(j, to int) {
	i := s.slot[j]
	s.slot[j] = -1
	r := &s.res[i]
	r.To = to
	if to < 0 {
		return
	}
	r.Adversarial = s.adv[i*pixels : (i+1)*pixels : (i+1)*pixels]
	copy(r.Adversarial, s.row(j))
	r.Distance = distance(r.Adversarial, s.image(i))
}

// seedMargin sets the seed row of slot j to e_k − e_p, whose input gradient is ∇(f_k − f_p).
func (s *search) seedMargin(j, k, p int) {
	row := s.seed[j*s.classes : (j+1)*s.classes]
	clear(row)
	row[k], row[p] = 1, -1
}

// deepFool is DeepFool (see the exported function) on any model.
func deepFool(m model, images []float32, cfg Config) ([]Result, error) {
	s := newSearch(m, images, cfg.MaxIter)
	b := m.batch()
	w := make([]float32, b*pixels) // the chosen w_k of each slot
	best := make([]float64, b)     // its |f'_k|/‖w_k‖
	scale := make([]float64, b)    // (1+overshoot)(|f'_k| + 1e-4)/‖w_k‖²
	for s.load() > 0 {
		if err := s.classify(); err != nil {
			return nil, err
		}
		for j := range best {
			best[j] = math.Inf(1)
		}
		// One backward pass per other class: pass o takes, in each row, the o-th class
		// other than that row's original prediction.
		for o := range s.classes - 1 {
			clear(s.seed)
			for j, i := range s.slot[:s.n] {
				if i >= 0 {
					s.seedMargin(j, other(o, s.res[i].From), s.res[i].From)
				}
			}
			s.m.gradTo(s.grad[:s.n*pixels], s.seed[:s.n*s.classes])
			for j, i := range s.slot[:s.n] {
				if i < 0 {
					continue
				}
				p := s.res[i].From
				k := other(o, p)
				l, g := s.logitRow(j), s.gradRow(j)
				boxFace(g, s.row(j))
				f := math.Abs(float64(l[k]) - float64(l[p]))
				norm2 := dot(g, g)
				if norm2 == 0 {
					continue // f_k − f_p is flat here: no direction towards k
				}
				if d := f / math.Sqrt(norm2); d < best[j] {
					best[j] = d
					scale[j] = (1 + cfg.Overshoot) * (f + 1e-4) / norm2
					copy(w[j*pixels:(j+1)*pixels], g)
				}
			}
		}
		for j, i := range s.slot[:s.n] {
			if i < 0 {
				continue
			}
			if math.IsInf(best[j], 1) {
				s.finish(j, -1) // every margin is flat: DeepFool cannot move
				continue
			}
			// x₀ + (1+overshoot)(r_total + r) = x + (1+overshoot)·r, as r_total is kept
			// equal to (x − x₀)/(1+overshoot).
			x, wj := s.row(j), w[j*pixels:(j+1)*pixels]
			for t := range x {
				x[t] = clip(float32(float64(x[t]) + scale[j]*float64(wj[t])))
			}
			s.res[i].Iters++
		}
	}
	return s.res, nil
}

// boxFace zeroes the components of the step direction g that would push a pixel of x past
// 0 or 1: those pixels cannot move, and leaving them in would aim each step at a boundary
// the clipped image never reaches. On MNIST, where most pixels sit at 0 or 1, this is what
// lets DeepFool converge in a few iterations (without it, half the test digits need more
// than 10).
func boxFace(g, x []float32) {
	for t, v := range g {
		if (v < 0 && x[t] <= 0) || (v > 0 && x[t] >= 1) {
			g[t] = 0
		}
	}
}

// fgsm is the iterated FGSM (see the exported function) on any model.
func fgsm(m model, images []float32, cfg Config) ([]Result, error) {
	s := newSearch(m, images, cfg.MaxIter)
	step := float32(cfg.Step)
	for s.load() > 0 {
		if err := s.classify(); err != nil {
			return nil, err
		}
		clear(s.seed)
		for j, i := range s.slot[:s.n] {
			if i >= 0 {
				p := s.res[i].From
				s.seedMargin(j, runnerUp(s.logitRow(j), p), p)
			}
		}
		s.m.gradTo(s.grad[:s.n*pixels], s.seed[:s.n*s.classes])
		for j, i := range s.slot[:s.n] {
			if i < 0 {
				continue
			}
			x, g := s.row(j), s.gradRow(j)
			for t, v := range g {
				switch {
				case v > 0:
					x[t] = clip(x[t] + step)
				case v < 0:
					x[t] = clip(x[t] - step)
				}
			}
			s.res[i].Iters++
		}
	}
	return s.res, nil
}

// other returns the o-th class (0 ≤ o < classes−1) other than p.
func other(o, p int) int {
	if o >= p {
		return o + 1
	}
	return o
}

// argmax returns the index of the largest value, the first on ties, or -1 if any is NaN.
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x != x {
			return -1
		}
		if x > v[best] {
			best = i
		}
	}
	return best
}

// runnerUp returns the class with the largest logit other than p, the first on ties.
func runnerUp(v []float32, p int) int {
	best := other(0, p)
	for i, x := range v {
		if i != p && x > v[best] {
			best = i
		}
	}
	return best
}

func dot(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

func clip(v float32) float32 { return min(max(v, 0), 1) }
