package query

import (
	"fmt"
	"math"
)

// MaxDALSubBatches is the largest DALSubBatches Validate accepts.
const MaxDALSubBatches = 1000

// Validate reports the first option outside its allowed range, naming the option, its value
// and what is allowed. Zero always means the default. New calls it.
func (o Options) Validate() error {
	floats := []struct {
		name, def string
		v         float64
	}{
		{"Beta", "1", o.Beta},
		{"Overshoot", "0.02", o.Overshoot},
		{"FGSMStep", "0.01", o.FGSMStep},
	}
	for _, f := range floats {
		if !(f.v >= 0) || math.IsInf(f.v, 1) {
			return fmt.Errorf("query: invalid %s %v: want a finite value ≥ 0 (0 means %s)", f.name, f.v, f.def)
		}
	}
	if o.DALSubBatches < 0 || o.DALSubBatches > MaxDALSubBatches {
		return fmt.Errorf("query: invalid DALSubBatches %d: want 0 to %d (0 means 10)", o.DALSubBatches, MaxDALSubBatches)
	}
	// The adversarial searches own the ranges of their knobs.
	return o.adversarial().Validate()
}
