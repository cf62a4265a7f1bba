package nn

import (
	"bytes"
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
