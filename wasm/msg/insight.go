package msg

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"alab/core/curve"
)

// Flags of a map Point: what the digit is this round. A point may be both in the batch and
// in the random batch.
const (
	InLabelled = 1 << iota // labelled already (seed set or a person)
	InBatch                // queried by the strategy this round
	InRandom               // in the same-size random batch drawn for comparison
)

// MapScale is the range of Point.X and Point.Y: coordinates are scaled to 0…MapScale.
const MapScale = 1000

// Point is one digit on the redundancy map: its pool ID, its position on the first two
// principal components of the network's penultimate-layer embeddings (scaled to
// 0…MapScale, y up), what it is this round (Flags) and the model's prediction.
type Point struct {
	ID    int `json:"i"`
	X     int `json:"x"`
	Y     int `json:"y"`
	Flags int `json:"f,omitempty"`
	Pred  int `json:"p"`
}

// Points are the redundancy map's points. On the wire they are packed into one base64
// string, 10 bytes a point (ID as a little-endian uint32, X and Y as uint16, Flags, Pred):
// under WebAssembly (node, machine loaded) decoding an insight of 2000 points took 52 ms as
// JSON objects and takes 18 ms packed — most of that is encoding/json scanning the string.
type Points []Point

const pointBytes = 10

// MarshalJSON packs the points; one that does not fit the packed form (a negative or huge
// ID, a coordinate outside 0…MapScale, a class outside 0–9) is an error.
func (ps Points) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, pointBytes*len(ps))
	for _, p := range ps {
		if err := p.check(); err != nil {
			return nil, err
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(p.ID))
		b = binary.LittleEndian.AppendUint16(b, uint16(p.X))
		b = binary.LittleEndian.AppendUint16(b, uint16(p.Y))
		b = append(b, byte(p.Flags), byte(p.Pred))
	}
	return json.Marshal(b)
}

// UnmarshalJSON unpacks what MarshalJSON wrote and checks every point.
func (ps *Points) UnmarshalJSON(data []byte) error {
	var b []byte
	if err := json.Unmarshal(data, &b); err != nil {
		return fmt.Errorf("map points: %w", err)
	}
	if len(b)%pointBytes != 0 {
		return fmt.Errorf("map points: %d bytes: want a multiple of %d", len(b), pointBytes)
	}
	out := make(Points, len(b)/pointBytes)
	for i := range out {
		r := b[i*pointBytes : (i+1)*pointBytes]
		out[i] = Point{ID: int(binary.LittleEndian.Uint32(r)), X: int(binary.LittleEndian.Uint16(r[4:])),
			Y: int(binary.LittleEndian.Uint16(r[6:])), Flags: int(r[8]), Pred: int(r[9])}
		if err := out[i].check(); err != nil {
			return err
		}
	}
	*ps = out
	return nil
}

func (p Point) check() error {
	switch {
	case p.ID < 0 || p.ID > math.MaxUint32:
		return fmt.Errorf("map point ID %d: want 0 to %d", p.ID, uint32(math.MaxUint32))
	case p.X < 0 || p.X > MapScale || p.Y < 0 || p.Y > MapScale:
		return fmt.Errorf("map point %d at (%d, %d): want coordinates 0 to %d", p.ID, p.X, p.Y, MapScale)
	case p.Flags < 0 || p.Flags > InLabelled|InBatch|InRandom:
		return fmt.Errorf("map point %d has flags %d: want a combination of %d, %d and %d", p.ID, p.Flags, InLabelled, InBatch, InRandom)
	case p.Pred < 0 || p.Pred > 9:
		return fmt.Errorf("map point %d is of class %d: want 0 to 9", p.ID, p.Pred)
	}
	return nil
}

// Mean is a sample mean with its standard error.
type Mean struct {
	Mean float64 `json:"mean"`
	SE   float64 `json:"se"`
	N    int     `json:"n"`
}

// MeanOf returns the mean of v and its standard error (0 for fewer than two values).
func MeanOf(v []float64) Mean {
	m := Mean{N: len(v)}
	if len(v) == 0 {
		return m
	}
	for _, x := range v {
		m.Mean += x
	}
	m.Mean /= float64(len(v))
	if len(v) > 1 {
		var ss float64
		for _, x := range v {
			ss += (x - m.Mean) * (x - m.Mean)
		}
		m.SE = math.Sqrt(ss / float64(len(v)-1) / float64(len(v)))
	}
	return m
}

// Insight is what the worker computes about the batch on screen, after it is shown: the
// redundancy map and how the batch compares with a random batch of the same size drawn from
// the same candidates.
type Insight struct {
	Round    int    `json:"round"`
	Strategy string `json:"strategy"`
	Points   Points `json:"points"`
	// Variance is the share of the embeddings' variance the two components explain.
	Variance float64 `json:"variance"`
	// RandomPreds are the model's predictions for the random batch.
	RandomPreds []int `json:"randomPreds"`
	// Mean pairwise Euclidean distance between the embeddings of the batch's digits and of
	// the random batch's.
	BatchDistance  float64 `json:"batchDistance"`
	RandomDistance float64 `json:"randomDistance"`
	// The strategy's scores of the batch and of the random batch (N = 0 if the strategy
	// could not score them, e.g. a restored batch).
	BatchScore  Mean    `json:"batchScore"`
	RandomScore Mean    `json:"randomScore"`
	Ms          float64 `json:"ms"`
}

// WithinNoise reports whether the batch's mean score is within two standard errors (of
// the difference) of the random batch's: the strategy's ranking then tells the batch apart
// from random no better than noise does.
func (in *Insight) WithinNoise() bool {
	b, r := in.BatchScore, in.RandomScore
	if b.N < 2 || r.N < 2 {
		return false
	}
	se := math.Hypot(b.SE, r.SE)
	return math.Abs(b.Mean-r.Mean) <= 2*se
}

// Histogram counts the classes 0–9 in v (other values are ignored).
func Histogram(v []int) [10]int {
	var h [10]int
	for _, c := range v {
		if c >= 0 && c < 10 {
			h[c]++
		}
	}
	return h
}

// Race asks a worker to run Strategies in turn, each from the same initial set (it depends
// on Seed alone), labelled by MNIST's ground truth, as `alab run` does with the same flags:
// a round trains Steps steps (warm-started from the previous round), evaluates on the
// bundle's test digits, scores PoolSubset candidates and queries Batch digits, until
// Budget digits are labelled.
type Race struct {
	Strategies []string `json:"strategies"`
	Batch      int      `json:"batch"`
	Init       int      `json:"init"`
	Budget     int      `json:"budget"`
	PoolSubset int      `json:"poolSubset"`
	MCSamples  int      `json:"mcSamples"`
	Steps      int      `json:"steps"`
	Seed       uint64   `json:"seed"`
}

// raceTrainOps is the work of a race round besides its strategy's, in forward passes of one
// image through the compact network, per training step: a step trains on 32 digits (as
// alab/wasm/engine.RaceSpec sets), a forward and a backward pass of about raceStepOps
// forward passes each; the test is a pass over the bundle's 2000 test digits.
const (
	raceStepOps = 3 * 32
	raceTestOps = 2000
)

// roundCost is the work of a race round of the strategy named, in forward passes of one image
// through the compact network: training, testing, and the strategy's own Ops at the race's
// settings.
func roundCost(r Race, name string) float64 {
	s, _ := StrategyNamed(name)
	return float64(r.Steps*raceStepOps+raceTestOps) + s.Ops(s.Candidates(r.PoolSubset), r.Batch, r.MCSamples)
}

// Ops is the work of the strategy named over the whole race, in forward passes of one image
// through the compact network: round 0 (training and testing) and a round for each batch
// until Budget digits are labelled.
func (r Race) Ops(name string) float64 {
	rounds := 0
	if r.Batch > 0 && r.Budget > r.Init {
		rounds = (r.Budget - r.Init + r.Batch - 1) / r.Batch
	}
	return float64(r.Steps*raceStepOps+raceTestOps) + float64(rounds)*roundCost(r, name)
}

// ShareOut divides the strategies of race r among n workers so that their work is about
// even (each strategy in turn, the costliest at r's settings first, goes to the least loaded
// worker): the race lasts as long as its busiest worker. Each share keeps the strategies'
// order; a worker with nothing to do gets no share.
func ShareOut(r Race, n int) [][]string {
	strategies := r.Strategies
	n = max(1, min(n, len(strategies)))
	costs := make([]float64, len(strategies))
	order := make([]int, len(strategies))
	for i, s := range strategies {
		costs[i], order[i] = roundCost(r, s), i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(costs[b], costs[a]) })
	load := make([]float64, n)
	owner := make([]int, len(strategies))
	for _, i := range order {
		w := slices.Index(load, slices.Min(load))
		owner[i] = w
		load[w] += costs[i]
	}
	shares := make([][]string, n)
	for i, s := range strategies {
		shares[owner[i]] = append(shares[owner[i]], s)
	}
	return shares
}

// RaceDefaults are the race's settings on a first visit.
func RaceDefaults() Race {
	return Race{
		Strategies: []string{"random", "margin", "bald", "coreset"},
		Batch:      10, Init: 20, Budget: 200, PoolSubset: 2000, MCSamples: 20, Steps: 40, Seed: 1,
	}
}

// Validate reports the first setting outside its range.
func (r Race) Validate() error {
	for _, s := range r.Strategies {
		if _, ok := StrategyNamed(s); !ok {
			return fmt.Errorf("msg: unknown race strategy %q: want one of %s", s, strings.Join(strategyNames(), ", "))
		}
	}
	switch {
	case len(r.Strategies) == 0:
		return fmt.Errorf("msg: a race needs at least one strategy")
	case r.Batch < 1 || r.Batch > 1000:
		return fmt.Errorf("msg: invalid race batch size %d: want 1 to 1000", r.Batch)
	case r.Init < 10:
		return fmt.Errorf("msg: invalid initial set %d: want at least 10", r.Init)
	case r.Budget <= r.Init:
		return fmt.Errorf("msg: invalid budget %d: want more than the initial %d", r.Budget, r.Init)
	case r.PoolSubset < 0 || r.MCSamples < 1 || r.Steps < 1:
		return fmt.Errorf("msg: invalid race settings %+v", r)
	}
	return nil
}

// Row is one round of a race run: the row `alab run` writes to curves.csv for the same
// spec (curve.WriteCSV writes a race's rows), with the classes its batch queried.
type Row = curve.Row
