//go:build race

package cli

// raceDetector is true when the tests run under the race detector, whose shadow memory
// multiplies what a process holds (core/internal/race says the same for core's tests).
const raceDetector = true
