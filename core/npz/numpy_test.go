package npz

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// The reference is Debian's Python with python3-numpy, not whatever python3 is first on PATH.
const python = "/usr/bin/python3"

// runPython runs script with args under python and returns its standard output, skipping the
// test where there is no subprocess or no NumPy.
func runPython(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses on " + runtime.GOOS)
	}
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		if os.Getenv("ALAB_REQUIRE_PYTHON") != "" { // CI installs it: a skip there would hide a failure
			t.Fatalf("%s cannot import numpy (%v): apt-get install -y python3-numpy", python, err)
		}
		t.Skipf("%s cannot import numpy (%v): apt-get install -y python3-numpy", python, err)
	}
	cmd := exec.Command(python, append([]string{"-c", script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.Bytes())
	}
	return out
}

// loadScript prints, for each array numpy.load finds in the archive, its dtype, shape, sum,
// raw bytes and the bytes numpy.save would write for it.
const loadScript = `
import io, json, sys
import numpy as np
out = []
with np.load(sys.argv[1]) as z:
    for k in z.files:
        a = z[k]
        npy = io.BytesIO()
        np.save(npy, a)
        out.append({"name": k, "dtype": a.dtype.str, "shape": list(a.shape),
                    "sum": float(np.nansum(a[np.isfinite(a)].astype(np.float64))),
                    "data": a.tobytes().hex(), "npy": npy.getvalue().hex()})
json.dump(out, sys.stdout)
`

// TestNumPyLoadsWrite checks that numpy.load reads what Write writes, and that each member is
// byte for byte what numpy.save writes for the same array.
func TestNumPyLoadsWrite(t *testing.T) {
	arrays := testArrays()
	b := write(t, arrays)
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Name, Dtype, Data, Npy string
		Shape                  []int
		Sum                    float64
	}
	if err := json.Unmarshal(runPython(t, loadScript, path), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(arrays) {
		t.Fatalf("numpy found %d arrays, want %d", len(got), len(arrays))
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range arrays {
		g := got[i]
		var sum float64
		for _, v := range a.Data {
			if !math.IsInf(float64(v), 0) && !math.IsNaN(float64(v)) {
				sum += float64(v)
			}
		}
		if g.Name != a.Name || g.Dtype != "<f4" || !slices.Equal(g.Shape, a.Shape) || math.Abs(g.Sum-sum) > 1e-6*(1+math.Abs(sum)) {
			t.Errorf("numpy read %s %s %v sum %g, want %s <f4 %v sum %g", g.Name, g.Dtype, g.Shape, g.Sum, a.Name, a.Shape, sum)
		}
		if want := hex.EncodeToString(encode(a.Data)); g.Data != want {
			t.Errorf("%s: numpy read data %s, want %s", a.Name, g.Data, want)
		}
		member := readAll(t, zr.File[i])
		if npy := hex.EncodeToString(member); g.Npy != npy {
			t.Errorf("%s: member differs from numpy.save output:\n got  %s\n want %s", a.Name, npy, g.Npy)
		}
	}
}

func encode(data []float32) []byte {
	var b []byte
	for _, v := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func readAll(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// savezScript writes, into the directory argv[1], numpy_savez.npz with numpy.savez (stored
// members) and numpy_savez_compressed.npz with numpy.savez_compressed (deflated members), both
// holding the arrays numpyArrays describes, plus f8.npz and fortran.npz, which Read must reject.
const savezScript = `
import os, sys
import numpy as np
def f(*shape):
    return ((np.arange(int(np.prod(shape)), dtype=np.float32) - 3) * np.float32(0.25)).reshape(shape)
arrays = {"conv1.weight": f(4, 1, 3, 3), "fc.weight": f(3, 5), "fc.bias": f(5), "scale": np.float32(2.5),
          "empty": np.zeros((0, 3), np.float32)}
np.savez(os.path.join(sys.argv[1], "numpy_savez.npz"), **arrays)
np.savez_compressed(os.path.join(sys.argv[1], "numpy_savez_compressed.npz"), **arrays)
np.savez(os.path.join(sys.argv[1], "f8.npz"), w=f(2, 3).astype(np.float64))
np.savez(os.path.join(sys.argv[1], "fortran.npz"), w=f(2, 3).T)
`

// numpyArrays returns the arrays savezScript saves.
func numpyArrays() []Array {
	f := func(name string, shape ...int) Array {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = (float32(i) - 3) * 0.25
		}
		return Array{Name: name, Shape: shape, Data: data}
	}
	return []Array{f("conv1.weight", 4, 1, 3, 3), f("fc.weight", 3, 5), f("fc.bias", 5),
		{Name: "scale", Shape: []int{}, Data: []float32{2.5}}, f("empty", 0, 3)}
}

// TestReadNumPySavez reads what numpy.savez and numpy.savez_compressed write. With -update it
// also refreshes the copies in testdata that TestReadNumPyTestdata reads without Python.
func TestReadNumPySavez(t *testing.T) {
	dir := t.TempDir()
	runPython(t, savezScript, dir)
	for _, name := range []string{"numpy_savez.npz", "numpy_savez_compressed.npz"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		checkNumPyArchive(t, name, b)
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range map[string]string{
		"f8.npz":      "npz: w.npy: dtype '<f8': want '<f4' (float32)",
		"fortran.npz": "npz: w.npy: fortran_order is True: want C order",
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := read(b); err == nil || err.Error() != want {
			t.Errorf("%s: Read error = %v, want %q", name, err, want)
		}
	}
}

// TestReadNumPyTestdata reads archives numpy wrote, kept in testdata so that this check runs
// everywhere, including under WASM.
func TestReadNumPyTestdata(t *testing.T) {
	for _, name := range []string{"numpy_savez.npz", "numpy_savez_compressed.npz"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		checkNumPyArchive(t, name, b)
	}
}

func checkNumPyArchive(t *testing.T, name string, b []byte) {
	t.Helper()
	got, err := read(b)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if want := numpyArrays(); !equalArrays(got, want) {
		t.Errorf("%s: Read = %v, want %v", name, got, want)
	}
}
