//go:build wasm

package ui

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// Run routes the page's three views and hands the page to go-app.
func Run() {
	app.Route("/", &lab{})
	app.Route("/race", &race{})
	app.Route("/draw", &drawView{})
	app.RunWhenOnBrowser()
}
