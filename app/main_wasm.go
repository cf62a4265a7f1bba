//go:build wasm

// The page (web/app.wasm): the go-app UI of the in-browser lab. It does not link the
// engine; it talks to the Web Worker that hosts it (web/worker.js, web/worker.wasm) in
// wasm/msg messages.
package main

import "github.com/maxence-charriere/go-app/v9/pkg/app"

func main() {
	app.Route("/", &lab{})
	app.Route("/race", &race{})
	app.RunWhenOnBrowser()
}
