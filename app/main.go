//go:build !wasm

// Command alab is the active-learning lab off the browser (package alab/app/cli); built for
// the browser (GOOS=js GOARCH=wasm), the same directory is the page (package alab/app/ui).
//
//	alab train --arch compact --epochs 1 --out model.npz
//	alab eval --model model.npz
//	alab serve
package main

import (
	"os"

	"alab/app/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr)) }
