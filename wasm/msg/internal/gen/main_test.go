package main

import (
	"bytes"
	"os"
	"testing"

	"alab/core/query"
	"alab/wasm/msg"
)

// TestGeneratedIsCurrent fails while wasm/msg/strategies.go is not what the registry
// generates: go generate ./wasm/msg rewrites it.
func TestGeneratedIsCurrent(t *testing.T) {
	want, err := source(query.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../strategies.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("wasm/msg/strategies.go is stale: run go generate ./wasm/msg")
	}
}

// TestStrategiesAreTheCatalog checks the compiled list against the catalog field by field,
// and that the settings' default strategy comes first.
func TestStrategiesAreTheCatalog(t *testing.T) {
	catalog := query.Catalog()
	if len(msg.Strategies) != len(catalog) {
		t.Fatalf("msg.Strategies has %d strategies, the catalog %d", len(msg.Strategies), len(catalog))
	}
	for i, info := range catalog {
		s := msg.Strategies[i]
		if s.Name != info.Name || s.Title != info.Title || s.NeedsMC != info.Needs.MC || s.NeedsModel != info.Needs.Model || s.Model != info.Model {
			t.Errorf("msg.Strategies[%d] = %+v, catalog %+v", i, s, info)
		}
	}
	if d := msg.Defaults().Strategy; msg.Strategies[0].Name != d {
		t.Errorf("first strategy %q, want the default %q", msg.Strategies[0].Name, d)
	}
}
