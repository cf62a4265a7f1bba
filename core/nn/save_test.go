package nn

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"alab/core/npz"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, arch := range Architectures {
		net := trainSteps(t, arch, 11, 2)
		var buf bytes.Buffer
		if err := net.Save(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := Load(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if got.Arch != arch {
			t.Errorf("loaded architecture %q, want %q", got.Arch, arch)
		}
		for i := range net.Params {
			if got.Params[i] != net.Params[i] {
				t.Fatalf("%s: parameter %d changed in the round trip", arch, i)
			}
		}
	}
}

func TestLoadRejectsForeignWeights(t *testing.T) {
	net, _ := New("compact", 1)
	arrays := func() []npz.Array {
		var a []npz.Array
		for _, p := range net.Named {
			a = append(a, npz.Array{Name: p.Name, Shape: p.Shape, Data: p.Data})
		}
		return a
	}
	for _, c := range []struct {
		name string
		edit func([]npz.Array) []npz.Array
		want string
	}{
		{"missing", func(a []npz.Array) []npz.Array { return a[1:] }, `not compact: missing array "conv1.weight"`},
		{"extra", func(a []npz.Array) []npz.Array {
			return append(a, npz.Array{Name: "fc3.weight", Shape: []int{1}, Data: []float32{0}})
		}, `npz: fc3.weight.npy: unexpected array: no architecture (compact, gal) has it`},
		{"shape", func(a []npz.Array) []npz.Array {
			a[4].Shape = []int{256, 128}
			return a
		}, "npz: fc1.weight.npy: shape [256 128]: want one of [[128 256] [128 3872]]"},
	} {
		var buf bytes.Buffer
		if err := npz.Write(&buf, c.edit(arrays())); err != nil {
			t.Fatal(err)
		}
		_, err := Load(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := Load(strings.NewReader("not a zip"), 9); err == nil || !strings.HasPrefix(err.Error(), "npz:") {
		t.Errorf("garbage: error %v, want an npz format error", err)
	}
}

// A network of K classes saves fc2 as [K, 128] and loads back with K classes; the class count
// is bounded on both ways in.
func TestClasses(t *testing.T) {
	for _, k := range []int{2, 3, MaxClasses} {
		net := trainClasses(t, "compact", k, 5, 2)
		if p, _ := net.Param("fc2.weight"); net.Outputs() != k || p.Shape[0] != k || p.Shape[1] != 128 {
			t.Fatalf("%d classes: %d outputs, fc2.weight %v", k, net.Outputs(), p.Shape)
		}
		var buf bytes.Buffer
		if err := net.Save(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := Load(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil || got.Outputs() != k || got.Arch != "compact" || !slices.Equal(got.Params, net.Params) {
			t.Fatalf("%d classes: loaded %v with %d outputs", k, err, got.Outputs())
		}
	}
	for _, k := range []int{-1, 0, 1, MaxClasses + 1} {
		if _, err := NewClasses("compact", k, 1); err == nil || !strings.Contains(err.Error(), "want 2 to 100") {
			t.Errorf("NewClasses with %d classes: %v, want a refusal", k, err)
		}
	}
	// fc2 with 101 rows (and fc2.bias to match) is refused from its shape.
	net, _ := New("compact", 1)
	var arrays []npz.Array
	for _, p := range net.Named {
		a := npz.Array{Name: p.Name, Shape: p.Shape, Data: p.Data}
		if p.Name == "fc2.weight" || p.Name == "fc2.bias" {
			a.Shape = append([]int{MaxClasses + 1}, p.Shape[1:]...)
			a.Data = make([]float32, (MaxClasses+1)*len(p.Data)/Classes)
		}
		arrays = append(arrays, a)
	}
	var buf bytes.Buffer
	if err := npz.Write(&buf, arrays); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err == nil || !strings.Contains(err.Error(), "fc2.weight") || !strings.Contains(err.Error(), "101") {
		t.Errorf("weights of 101 classes: %v, want a refusal naming fc2.weight", err)
	}
}
