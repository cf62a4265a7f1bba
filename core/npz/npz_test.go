package npz

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testArrays returns a 4-D, a 2-D, a 1-D, a scalar and an empty array; the values include
// -0, ±Inf and a NaN with a payload, which must survive bit for bit.
func testArrays() []Array {
	conv := make([]float32, 4*1*3*3)
	for i := range conv {
		conv[i] = float32(i)*0.25 - 3
	}
	return []Array{
		{Name: "conv1.weight", Shape: []int{4, 1, 3, 3}, Data: conv},
		{Name: "fc.weight", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0x7fc01234)}},
		{Name: "fc.bias", Shape: []int{3}, Data: []float32{float32(math.Copysign(0, -1)), 1e-38, -1e38}},
		{Name: "temperature", Shape: []int{}, Data: []float32{1.5}},
		{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
	}
}

func write(t testing.TB, arrays []Array) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, arrays); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func read(b []byte) ([]Array, error) { return Read(bytes.NewReader(b), int64(len(b))) }

// equalArrays reports whether a and b hold the same names, shapes and bit patterns.
func equalArrays(a, b []Array) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || len(a[i].Shape) != len(b[i].Shape) || len(a[i].Data) != len(b[i].Data) {
			return false
		}
		for j := range a[i].Shape {
			if a[i].Shape[j] != b[i].Shape[j] {
				return false
			}
		}
		for j := range a[i].Data {
			if math.Float32bits(a[i].Data[j]) != math.Float32bits(b[i].Data[j]) {
				return false
			}
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	want := testArrays()
	b := write(t, want)
	got, err := read(b)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !equalArrays(got, want) {
		t.Errorf("Read(Write(x)) = %v, want %v", got, want)
	}
	if again := write(t, got); !bytes.Equal(again, b) {
		t.Errorf("Write is not deterministic: %d bytes, then %d bytes", len(b), len(again))
	}
	if got, err := read(write(t, nil)); err != nil || len(got) != 0 {
		t.Errorf("empty archive: Read = %v, %v; want no arrays", got, err)
	}
}

// TestGolden pins the exact bytes Write produces; run with -update after a deliberate change.
func TestGolden(t *testing.T) {
	const path = "testdata/golden.npz"
	b := write(t, testArrays())
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("Write output differs from %s (run go test -update if the change is deliberate)", path)
	}
}

// TestHeader checks the header layout NumPy's format.py produces: the total is a multiple of 64,
// padding is 1 to 64 bytes, and the first axis has room to grow to 21 digits.
func TestHeader(t *testing.T) {
	for _, tc := range []struct {
		shape []int
		dict  string
	}{
		{[]int{}, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }"},
		{[]int{7}, "{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }" + strings.Repeat(" ", 20)},
		{[]int{32, 1, 3, 3}, "{'descr': '<f4', 'fortran_order': False, 'shape': (32, 1, 3, 3), }" + strings.Repeat(" ", 19)},
	} {
		h := header(tc.shape)
		if len(h)%64 != 0 || !strings.HasPrefix(h, "\x93NUMPY\x01\x00") || !strings.HasSuffix(h, "\n") {
			t.Errorf("header(%v) = %q: want magic, version 1.0, a multiple of 64 bytes ending in a newline", tc.shape, h)
			continue
		}
		if n := int(binary.LittleEndian.Uint16([]byte(h[8:]))); n != len(h)-10 {
			t.Errorf("header(%v): length field %d, want %d", tc.shape, n, len(h)-10)
		}
		if dict := strings.TrimRight(h[10:], " \n"); dict+strings.Repeat(" ", len(tc.dict)-len(strings.TrimRight(tc.dict, " "))) != tc.dict {
			t.Errorf("header(%v) dict = %q, want %q", tc.shape, dict, tc.dict)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		arrays []Array
		want   string
	}{
		{"empty name", []Array{{Name: "", Shape: []int{}, Data: []float32{1}}}, "npz: array 0 has an empty name"},
		{"duplicate", []Array{{Name: "a", Data: []float32{1}}, {Name: "a", Data: []float32{2}}}, "npz: a: duplicate name"},
		{"too few", []Array{{Name: "w", Shape: []int{2, 3}, Data: make([]float32, 5)}}, "npz: w: shape (2, 3) needs 6 elements, Data has 5"},
		{"scalar", []Array{{Name: "s", Data: nil}}, "npz: s: shape () needs 1 elements, Data has 0"},
		{"negative", []Array{{Name: "w", Shape: []int{2, -3}}}, "npz: w: shape (2, -3): negative dimension -3"},
		{"overflow", []Array{{Name: "w", Shape: []int{math.MaxInt32, math.MaxInt32, 0}}}, "npz: w: shape (2147483647, 2147483647, 0): too many elements"},
		{"dims", []Array{{Name: "w", Shape: make([]int, 65)}}, "npz: w: shape has 65 dimensions: want at most 64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, tc.arrays)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Write error = %v, want %q", err, tc.want)
			}
		})
	}
}

// member is one file of a hand-made zip archive.
type member struct {
	name    string
	content string
	method  uint16 // zip.Store or zip.Deflate
}

// zipOf returns a zip archive of the members, in order.
func zipOf(t testing.TB, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: m.method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(m.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// npy returns a .npy file of the given version (1 or 2) with dict as header and data after it.
func npy(version byte, dict, data string) string {
	h := dict + "\n"
	if version == 1 {
		return magic + "\x01\x00" + string(binary.LittleEndian.AppendUint16(nil, uint16(len(h)))) + h + data
	}
	return magic + string([]byte{version, 0}) + string(binary.LittleEndian.AppendUint32(nil, uint32(len(h)))) + h + data
}

// dict returns a header dict with the given descr, fortran_order and shape values.
func dict(descr, fortran, shape string) string {
	return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }"
}

var (
	f4x2    = dict("'<f4'", "False", "(2,)")
	twoF32s = "\x00\x00\x80\x3f\x00\x00\x00\x40" // 1, 2
)

type badInput struct {
	name    string
	archive []byte
	want    string
}

// badInputs returns malformed archives and the error Read must report for each.
func badInputs(t testing.TB) []badInput {
	one := func(name, content string) []byte { return zipOf(t, member{name: name, content: content}) }
	v1 := func(dict, data string) []byte { return one("a.npy", npy(1, dict, data)) }
	good := npy(1, f4x2, twoF32s)
	crc := zipOf(t, member{name: "a.npy", content: good})
	crc[bytes.Index(crc, []byte(twoF32s))] ^= 1
	return []badInput{
		{"not a zip", []byte("PK but not really a zip file"), "npz: zip: not a valid zip file"},
		{"not npy", one("weights.txt", good), "npz: weights.txt: not a .npy member"},
		{"directory", one("dir/", ""), "npz: dir/: not a .npy member"},
		{"empty name", one(".npy", good), "npz: .npy: empty array name"},
		{"duplicate", zipOf(t, member{name: "a.npy", content: good}, member{name: "a.npy", content: good}), "npz: a.npy: duplicate member"},
		{"empty member", one("a.npy", ""), "npz: a.npy: reading magic: unexpected EOF"},
		{"bad magic", one("a.npy", "\x93NUMPZ"+good[6:]), `npz: a.npy: bad magic "\x93NUMPZ": want "\x93NUMPY"`},
		{"version 3.0", one("a.npy", npy(3, f4x2, twoF32s)), "npz: a.npy: unsupported .npy version 3.0: want 1.0 or 2.0"},
		{"version 1.1", one("a.npy", magic+"\x01\x01"+good[8:]), "npz: a.npy: unsupported .npy version 1.1: want 1.0 or 2.0"},
		{"v2 short", one("a.npy", magic+"\x02\x00\x10\x00"), "npz: a.npy: reading header length: unexpected EOF"},
		{"v2 huge header", one("a.npy", magic+"\x02\x00\x00\x00\x00\x40"), "npz: a.npy: header length 1073741824: want at most 65535"},
		{"header overrun", one("a.npy", magic+"\x01\x00\xff\x00{}"), "npz: a.npy: header length 255 overruns the 12-byte member"},
		{"f8", v1(dict("'<f8'", "False", "(2,)"), twoF32s+twoF32s), "npz: a.npy: dtype '<f8': want '<f4' (float32)"},
		{"big-endian", v1(dict("'>f4'", "False", "(2,)"), twoF32s), "npz: a.npy: dtype '>f4': want '<f4' (float32)"},
		{"structured", v1(dict("[('x', '<f4')]", "False", "(2,)"), twoF32s), "npz: a.npy: malformed header: want a string at byte 10, got '['"},
		{"fortran", v1(dict("'<f4'", "True", "(2,)"), twoF32s), "npz: a.npy: fortran_order is True: want C order"},
		{"no brace", v1("'descr': '<f4'", ""), "npz: a.npy: malformed header: want '{' at byte 0, got '\\''"},
		{"unterminated", v1("{'descr': '<f4', ", ""), "npz: a.npy: malformed header: want a string at byte 18, got end of header"},
		{"escape", v1(`{'descr': '<f\x34', }`, ""), `npz: a.npy: malformed header: want a string without escapes at byte 10, got '\''`},
		{"unknown key", v1("{'descr': '<f4', 'dtype': 'f4'}", ""), "npz: a.npy: header: unexpected key 'dtype'"},
		{"duplicate key", v1("{'descr': '<f4', 'descr': '<f4'}", ""), "npz: a.npy: header: duplicate key 'descr'"},
		{"missing key", v1("{'descr': '<f4', 'fortran_order': False}", ""), "npz: a.npy: header: missing key 'shape'"},
		{"bad bool", v1(dict("'<f4'", "0", "(2,)"), twoF32s), "npz: a.npy: malformed header: want True or False at byte 34, got '0'"},
		{"list shape", v1(dict("'<f4'", "False", "[2]"), twoF32s), "npz: a.npy: malformed header: want '(' at byte 50, got '['"},
		{"int shape", v1(dict("'<f4'", "False", "(2)"), twoF32s), "npz: a.npy: malformed header: want ',' after the only dimension at byte 52, got ')'"},
		{"leading zero", v1(dict("'<f4'", "False", "(02,)"), twoF32s), "npz: a.npy: malformed header: want a dimension at byte 51, got '0'"},
		{"trailing junk", v1(f4x2+" x", twoF32s), "npz: a.npy: malformed header: want end of header at byte 58, got 'x'"},
		{"negative", v1(dict("'<f4'", "False", "(-1, 2)"), twoF32s), "npz: a.npy: shape (-1, 2): negative dimension -1"},
		{"dim out of range", v1(dict("'<f4'", "False", "(99999999999999999999,)"), ""), "npz: a.npy: shape dimension 99999999999999999999: out of range"},
		{"overflow", v1(dict("'<f4'", "False", "(4294967296, 4294967296)"), ""), "npz: a.npy: shape (4294967296, 4294967296): too many elements"},
		{"2^40 elements", v1(dict("'<f4'", "False", "(1099511627776,)"), twoF32s), "npz: a.npy: shape (1099511627776,) needs 4398046511104 bytes of data, member has 8"},
		{"too many dims", v1(dict("'<f4'", "False", "("+strings.Repeat("1, ", 65)+")"), ""), "npz: a.npy: shape has more than 64 dimensions"},
		{"short data", v1(dict("'<f4'", "False", "(2, 3)"), twoF32s), "npz: a.npy: shape (2, 3) needs 24 bytes of data, member has 8"},
		{"long data", v1(f4x2, twoF32s+"\x00"), "npz: a.npy: shape (2,) needs 8 bytes of data, member has 9"},
		{"checksum", crc, "npz: a.npy: reading data: zip: checksum error"},
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range badInputs(t) {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.name == "overflow" || tc.name == "2^40 elements") && math.MaxInt == math.MaxInt32 {
				t.Skip("needs 64-bit int")
			}
			got, err := read(tc.archive)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Read error = %v, want %q", err, tc.want)
			}
			if got != nil {
				t.Errorf("Read returned arrays with an error: %v", got)
			}
		})
	}
}

func TestReadVersion2AndDeflate(t *testing.T) {
	b := zipOf(t,
		member{name: "v2.npy", content: npy(2, f4x2, twoF32s)},
		member{name: "deflated.npy", content: npy(1, "{ \"shape\" : ( 2 , ) ,\"fortran_order\":False,'descr':\"<f4\"}", twoF32s), method: zip.Deflate},
	)
	got, err := read(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Array{{Name: "v2", Shape: []int{2}, Data: []float32{1, 2}}, {Name: "deflated", Shape: []int{2}, Data: []float32{1, 2}}}
	if !equalArrays(got, want) {
		t.Errorf("Read = %v, want %v", got, want)
	}
}

// TestReadLyingSize reads a member whose zip directory claims 4 GiB of data, matching its
// header, while the deflated stream holds only a few bytes: Read must refuse it from the
// sizes alone, without allocating anything near the claimed size.
func TestReadLyingSize(t *testing.T) {
	if math.MaxInt == math.MaxInt32 {
		t.Skip("needs 64-bit int")
	}
	const n = 1<<30 - 64 // with its 128-byte header, just under 4 GiB
	shape := []int{n}
	content := header(shape) + twoF32s
	b := zipOf(t, member{name: "a.npy", content: content, method: zip.Deflate})
	cd := bytes.Index(b, []byte("PK\x01\x02")) // central directory entry: uncompressed size at 24
	binary.LittleEndian.PutUint32(b[cd+24:], uint32(len(header(shape)))+4*n)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := read(b)
	runtime.ReadMemStats(&after)
	compressed := binary.LittleEndian.Uint32(b[cd+20:]) // as this Go's flate wrote it
	if want := fmt.Sprintf("npz: a.npy: declares 4294967168 bytes from %d compressed: more than deflate can expand", compressed); err == nil || err.Error() != want {
		t.Errorf("Read error = %v, want %q", err, want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("Read allocated %d bytes for a %d-byte archive", alloc, len(b))
	}
}
