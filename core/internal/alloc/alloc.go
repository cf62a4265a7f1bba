// Package alloc measures what a piece of code allocates, for the tests that bound it.
package alloc

import "runtime"

// Bytes returns the bytes allocated while f runs (by every goroutine).
func Bytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
