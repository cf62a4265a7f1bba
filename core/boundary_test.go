//go:build !js

// Package core_test holds checks on the engine as a whole.
package core_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEngineStaysPortable fails if anything under core/ depends on the browser or the UI:
// the engine must build and run natively, headless, and in a Web Worker.
func TestEngineStaysPortable(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list -deps ./...: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "syscall/js" || strings.HasPrefix(dep, "github.com/maxence-charriere/go-app") {
			t.Errorf("core/ depends on %s: the engine must not import the browser or the UI", dep)
		}
	}
}
