package nn

// WebAssembly runs on one thread.
func init() { benchThreads = []int{1} }
