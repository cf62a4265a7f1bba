package nn

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"strings"
	"testing"

	"alab/core/internal/alloc"
	"alab/core/npz"
)

// TestLoadHostileArchive loads a 2 MB archive whose one deflated member declares, in its
// .npy header and zip directory alike, 2^29 float32 zeros (2 GiB) that its stream really
// holds: Load must refuse the shape from the header, allocating almost nothing.
func TestLoadHostileArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("deflates 2 GiB")
	}
	const n = 1 << 29
	// The .npy header of a float32 array of shape (n,), as npz.Write writes it.
	var hdr bytes.Buffer
	if err := npz.Write(&hdr, []npz.Array{{Name: "fc1.weight", Shape: []int{0}}}); err != nil {
		t.Fatal(err)
	}
	head := npyHeader(t, hdr.Bytes())
	head = strings.Replace(head, "(0,)", "(536870912,)", 1)[:len(head)] // same length: the spare spaces absorb the digits

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "fc1.weight.npy", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, head)
	zeros := make([]byte, 1<<20)
	for range 4 * n / len(zeros) {
		w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 10<<20 {
		t.Fatalf("hostile archive is %d bytes: want at most 10 MB", buf.Len())
	}
	var err2 error
	alloc := alloc.Bytes(func() { _, err2 = Load(bytes.NewReader(buf.Bytes()), int64(buf.Len())) })
	want := "npz: fc1.weight.npy: shape [536870912]: want one of [[128 256] [128 3872]]"
	if err2 == nil || err2.Error() != want {
		t.Errorf("Load error = %v, want %q", err2, want)
	}
	if alloc > 300<<20 {
		t.Errorf("Load allocated %d MB for a %d-byte archive: want under 300 MB", alloc>>20, buf.Len())
	}
}

// npyHeader returns the .npy header of the only member of an archive npz.Write wrote. It
// opens the member as core/npz's own tests do, by design: tests of two packages share no code.
func npyHeader(t *testing.T, archive []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
