package adversarial

// WebAssembly runs on one thread.
func init() { benchThreads = []int{1} }
