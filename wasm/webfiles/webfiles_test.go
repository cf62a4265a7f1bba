package webfiles

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestScripts checks that the scripts of web/, which run before Go has started, fetch the
// files by the manifest's names: worker.js its one `const files = {…};` line, boot.js the
// worker's URL.
func TestScripts(t *testing.T) {
	src, err := os.ReadFile("../../web/worker.js")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for l := range strings.Lines(string(src)) {
		if s, ok := strings.CutPrefix(l, "const files = "); ok {
			line = strings.TrimSuffix(strings.TrimSpace(s), ";")
		}
	}
	var files struct {
		Exec, Wasm, Scalar, SIMD, FirstNet string
		Bundle                             []string
	}
	if err := json.Unmarshal([]byte(line), &files); err != nil {
		t.Fatalf("web/worker.js: its `const files = {…};` line %q: %v", line, err)
	}
	for _, c := range []struct{ what, got, want string }{
		{"exec", files.Exec, WasmExec},
		{"wasm", files.Wasm, WorkerWasm},
		{"scalar", files.Scalar, WorkerScalar},
		{"simd", files.SIMD, SIMDJS},
		{"firstNet", files.FirstNet, FirstNet},
	} {
		if c.got != c.want {
			t.Errorf("web/worker.js fetches %q as files.%s, the manifest names it %q", c.got, c.what, c.want)
		}
	}
	if !slices.Equal(files.Bundle, Bundle[:]) {
		t.Errorf("web/worker.js fetches the bundle %q, the manifest's is %q (in that order)", files.Bundle, Bundle)
	}

	boot, err := os.ReadFile("../../web/boot.js")
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Quote(URL(WorkerJS)); !strings.Contains(string(boot), "new Worker("+want) {
		t.Errorf("web/boot.js does not start the worker from %s", want)
	}
}

// TestManifest checks that the lists agree with the names: every file once, and what is
// compressed or race-only among them.
func TestManifest(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range All {
		if seen[name] {
			t.Errorf("%s is listed twice", name)
		}
		seen[name] = true
	}
	for _, name := range append(slices.Clone(Compressed), Bundle[:]...) {
		if !seen[name] {
			t.Errorf("%s is not in All", name)
		}
	}
	var data, race, fallback []string
	for _, name := range All {
		if Fallback(name) {
			fallback = append(fallback, name)
		}
		if IsData(name) {
			data = append(data, name)
		}
		if RaceOnly(name) {
			race = append(race, name)
		}
	}
	if want := append(Bundle[:], FirstNet, RaceNet); !slices.Equal(data, want) {
		t.Errorf("the data files are %q, want %q", data, want)
	}
	if !slices.Equal(race, []string{RaceNet}) {
		t.Errorf("the race-only files are %q, want the race's network alone", race)
	}
	if !slices.Equal(fallback, []string{WorkerScalar}) {
		t.Errorf("the fallback files are %q, want the scalar engine alone", fallback)
	}
	if URL(PoolImages) != "/web/data/pool-images.idx.gz" {
		t.Errorf("URL(PoolImages) = %q", URL(PoolImages))
	}
}
