//go:build !wasm && !linux

package team

// yieldToRequests does nothing where a thread has no priority of its own to lower.
func yieldToRequests() {}
