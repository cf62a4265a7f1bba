// Package webfiles is the manifest of web/: the name of every file the page needs beside
// go-app's own, which of them a first visit loads, and where they are served. `make web`
// (wasm/webbuild) writes them, alab serve and alab export-static serve them, the page and
// its worker fetch them: all by these names. web/worker.js, which fetches the data bundle
// before Go has started, spells the names out; this package's test checks it against the
// manifest.
package webfiles

// The files, by their path in web/.
const (
	AppWasm = "app.wasm" // the page's UI (app/, built for GOOS=js GOARCH=wasm)
	// The engine (wasm/worker), twice: WorkerWasm with WebAssembly SIMD kernels
	// (GOEXPERIMENT=simd), WorkerScalar without, for a browser whose WebAssembly.validate
	// refuses SIMD. Both compute bitwise the same; a visit loads one of them.
	WorkerWasm   = "worker.wasm"
	WorkerScalar = "worker-scalar.wasm"
	WorkerJS     = "worker.js"    // the Web Worker that runs one of them
	SIMDJS       = "simd.js"      // tells the worker and the service worker which one
	BootJS       = "boot.js"      // starts the worker as the page loads
	WasmExec     = "wasm_exec.js" // Go's support script for both binaries
	Styles       = "app.css"
	Icon192      = "icon-192.png"
	Icon512      = "icon-512.png" // for installing the page only: not part of a visit
	IconSVG      = "icon.svg"

	// The data bundle: the first 10,000 MNIST training digits (the pool) and the first
	// 2,000 test digits, as gzip-compressed IDX files.
	PoolImages = "data/pool-images.idx.gz"
	PoolLabels = "data/pool-labels.idx.gz"
	TestImages = "data/test-images.idx.gz"
	TestLabels = "data/test-labels.idx.gz"
	// The networks of round 0, trained by `make web`: a first visit's (engine.Start) and
	// the default race's (engine.RaceStart), as gzip-compressed JSON.
	FirstNet = "data/first-net.json.gz"
	RaceNet  = "data/race-net.json.gz"
)

// Bundle is the data bundle in the order web/worker.js hands it to worker.wasm.
var Bundle = [4]string{PoolImages, PoolLabels, TestImages, TestLabels}

// All lists every file of web/ the page needs, beside go-app's own.
var All = []string{
	AppWasm, WorkerWasm, WorkerScalar, WorkerJS, BootJS, SIMDJS, WasmExec, Styles, Icon192, Icon512, IconSVG,
	PoolImages, PoolLabels, TestImages, TestLabels, FirstNet, RaceNet,
}

// Compressed lists the files served precompressed (name.br and name.gz beside them, made
// by `make web`); the data files are gzip already.
var Compressed = []string{WorkerWasm, WorkerScalar, AppWasm, WasmExec, WorkerJS, BootJS, SIMDJS, Styles}

// Fallback says whether a file is loaded only by a browser without WebAssembly SIMD (see
// WorkerScalar): it is not part of a first visit where SIMD runs.
func Fallback(name string) bool { return name == WorkerScalar }

// RaceOnly says whether a file is fetched only when a race starts: it is not part of a
// first visit, nor cached for offline use — a race offline trains its round 0 itself.
func RaceOnly(name string) bool { return name == RaceNet }

// IsData says whether a file is part of the data web/data/ holds.
func IsData(name string) bool { return len(name) > 5 && name[:5] == "data/" }

// URL is where the page's server serves a file of web/.
func URL(name string) string { return "/web/" + name }
