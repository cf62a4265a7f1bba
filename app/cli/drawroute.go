//go:build !wasm

package cli

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// The draw view's path, served like the other views (serve.go's routes).
func init() { app.Route("/draw", &shell{}) }
