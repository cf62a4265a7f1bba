package npz

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead checks that Read never panics, hangs or allocates much more than its input holds,
// and that whatever it accepts survives Write and Read unchanged.
func FuzzRead(f *testing.F) {
	f.Add(write(f, testArrays()))
	f.Add(write(f, nil))
	for _, tc := range badInputs(f) {
		f.Add(tc.archive)
	}
	paths, err := filepath.Glob("testdata/*.npz")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(checkRead)
}

// FuzzReadMember fuzzes a single .npy member inside a well-formed zip archive, so that
// mutations reach the .npy decoder instead of failing the zip checksum.
func FuzzReadMember(f *testing.F) {
	for _, s := range []string{npy(1, f4x2, twoF32s), npy(2, f4x2, twoF32s), header([]int{2, 1, 3}) + strings.Repeat("\x00", 24)} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, content []byte, deflate bool) {
		m := member{name: "a.npy", content: string(content), method: zip.Store}
		if deflate {
			m.method = zip.Deflate
		}
		checkRead(t, zipOf(t, m))
	})
}

// checkRead reads b and, if Read accepts it, checks that Write and Read give the arrays back.
func checkRead(t *testing.T, b []byte) {
	arrays, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return
	}
	var buf bytes.Buffer
	if err := Write(&buf, arrays); err != nil {
		t.Fatalf("Write(Read(x)): %v", err)
	}
	again, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("Read(Write(Read(x))): %v", err)
	}
	if !equalArrays(again, arrays) {
		t.Fatalf("Read(Write(a)) = %v, want a = %v", again, arrays)
	}
}
