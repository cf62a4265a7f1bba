//go:build race

// Package race says whether the race detector is on: tests that count allocations skip
// under it, since the detector allocates for itself.
package race

// Enabled is true when the binary is built with -race.
const Enabled = true
