//go:build wasm

// The page (web/app.wasm): the go-app UI of the in-browser lab (package alab/app/ui). It
// does not link the engine; it talks to the Web Worker that hosts it (web/worker.js,
// web/worker.wasm) in wasm/msg messages.
package main

import "alab/app/ui"

func main() { ui.Run() }
