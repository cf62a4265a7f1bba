//go:build !wasm

package team

import (
	"runtime"
	"syscall"
)

// yieldToRequests runs the calling goroutine (the trainer) on an OS thread of its own at a
// lower priority (nice 10), so that when the cores are busy a label is answered before the
// next training step runs. The goroutine keeps the thread until it returns.
func yieldToRequests() {
	runtime.LockOSThread()
	// Best effort: where it is refused, training only competes with requests as equals.
	syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 10)
}
