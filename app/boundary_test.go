//go:build !wasm

package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// pageLinks are the packages of core/ the page links: what both sides share (the curves'
// rows, the strategies' cost model, the IDX header, and core/data for FitDigitTo, which turns a
// drawing into the network's input), importing nothing but the standard library.
var pageLinks = map[string]bool{"alab/core/curve": true, "alab/core/query/cost": true, "alab/core/data/idx": true, "alab/core/data": true}

// TestPageDoesNotLinkEngine fails if the page's binary (this package built for the
// browser, web/app.wasm) depends on the engine: the engine runs in the worker, and the page
// stays small and starts fast. wasm/msg and wasm/promise, which both sides use, are checked
// with it; the team server (app/team and its SQLite) stays out too. The one package of
// core/ it may link is core/data/idx, the IDX header alone (the standard library alone), by
// which it reads the pool's images.
func TestPageDoesNotLinkEngine(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go list -deps .: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		engine := strings.HasPrefix(dep, "alab/core/") && !pageLinks[dep] || strings.HasPrefix(dep, "alab/wasm/engine")
		if engine || strings.HasPrefix(dep, "gorgonia.org/") || strings.HasPrefix(dep, "gonum.org/") ||
			strings.HasPrefix(dep, "modernc.org/") || strings.HasPrefix(dep, "alab/app/team") {
			t.Errorf("the page (GOOS=js GOARCH=wasm ./app) depends on %s: it must not link the engine", dep)
		}
	}
}
