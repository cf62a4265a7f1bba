package active

import (
	"fmt"
	"math/rand/v2"
)

// Every random choice of a loop flows from Config.Seed through a named stream, derived here
// and nowhere else. A stream is either the run's (one sequence drawn in turn over the whole
// run) or a round's (drawn afresh in each round from the run's seed and the round's number),
// so a round's draws do not depend on how the rounds before it were driven.
//
//	"pool"     the run's: the initial set, then each round's candidates (a permutation of the
//	           unlabelled pool every round, whose prefix is the subset when one is asked for)
//	"round"    a round's: its network's fresh weights, its training order and dropout masks,
//	           the MC-dropout masks of its scoring
//	"pretrain" a round's: the warm-start steps on its labels run ahead of the next round
//	"select"   a round's: the strategy's own draws (query.Candidates.Rand)
//	"map"      a round's: the redundancy map's random batch and the points it shows
//
// The constants are those every result and golden file was made with.
var streams = map[string]struct {
	perRound bool
	offset   uint64 // added to the round's seed
	stream   uint64 // the second word of the PCG seed
}{
	"pool":     {false, 0, 0x1417},
	"round":    {true, 0, 0},
	"pretrain": {true, 0x9e37, 0},
	"select":   {true, 0, 0x5e1ec7},
	"map":      {true, 0, 0x4a11d0},
}

// Seed returns the seed of the named stream of a run with seed, in round (ignored for the
// run's own streams). A stream's seed is what a package that draws for itself takes
// (nn.New, train.Config.Seed); Rand is the stream as a generator. An unknown name is a
// programmer's error and panics.
func Seed(seed uint64, name string, round int) uint64 {
	s, ok := streams[name]
	if !ok {
		panic(fmt.Sprintf("active: unknown random stream %q", name))
	}
	if !s.perRound {
		return seed
	}
	return seed*1_000_003 + uint64(round) + s.offset
}

// Rand returns the named stream of a run with seed, in round, as a generator.
func Rand(seed uint64, name string, round int) *rand.Rand {
	return rand.New(rand.NewPCG(Seed(seed, name, round), streams[name].stream))
}
