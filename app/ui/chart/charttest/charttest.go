// Package charttest checks charts against golden SVG files, for the tests of package chart
// and of the page that draws with it. `go test -update` rewrites the files.
package charttest

import (
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Golden checks that svg is well-formed XML and that it is the content of testdata/name,
// which -update rewrites.
func Golden(t *testing.T, name, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("%s is not well-formed XML: %v\n%s", name, err, svg)
		}
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(svg+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got := svg + "\n"; got != string(want) {
		t.Errorf("%s differs from its golden file (go test -update rewrites it; compare the two in a browser):\ngot  %s\nwant %s", path, got, want)
	}
}
