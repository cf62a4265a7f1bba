package data_test

import (
	"testing"

	"alab/core/data"
	"alab/core/nn"
)

// A person may name as many classes as a network has outputs.
func TestMaxClassNamesIsTheNetworks(t *testing.T) {
	if data.MaxClassNames != nn.MaxClasses {
		t.Errorf("data.MaxClassNames = %d, nn.MaxClasses = %d: want equal", data.MaxClassNames, nn.MaxClasses)
	}
}
