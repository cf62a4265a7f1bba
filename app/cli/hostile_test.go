//go:build linux

package cli

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// hostileEnv carries a command line, as JSON, to the child process TestHostileChild runs.
const hostileEnv = "ALAB_HOSTILE_ARGS"

// TestHostileChild runs the command line in hostileEnv and exits with its status: the
// child of TestHostileFiles, which measures its peak memory.
func TestHostileChild(t *testing.T) {
	js := os.Getenv(hostileEnv)
	if js == "" {
		t.Skip("the child of TestHostileFiles")
	}
	var args []string
	if err := json.Unmarshal([]byte(js), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(Run(args, io.Discard, os.Stderr))
}

// zeros writes n zero bytes to w.
func zeros(t *testing.T, w io.Writer, n int64) {
	if _, err := io.CopyN(w, zeroReader{}, n); err != nil {
		t.Fatal(err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// hostileNPZ writes an .npz whose one deflated member declares a float32 array of n
// elements named name, with the zeros it declares: a small file that inflates to 4n bytes.
func hostileNPZ(t *testing.T, path, name string, shape []int) {
	n := int64(1)
	for _, d := range shape {
		n *= int64(d)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	h := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s,), }", strings.Join(dims, ", "))
	h += strings.Repeat(" ", 63-(10+len(h))%64) + "\n"
	hdr := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(hdr[8:], uint16(len(h)))
	w.Write(append(hdr, h...))
	zeros(t, w, 4*n)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// hostileMNIST writes a data directory whose training images file (gzip) declares n images
// of rows×cols and holds that many zero bytes; the other three files are the fixture's.
func hostileMNIST(t *testing.T, dir string, n, rows, cols uint32) {
	os.MkdirAll(dir, 0o755)
	for _, name := range []string{"train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(filepath.Join(fixture, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	f, err := os.Create(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	var hdr [16]byte
	for i, v := range []uint32{0x803, n, rows, cols} {
		binary.BigEndian.PutUint32(hdr[4*i:], v)
	}
	zw.Write(hdr[:])
	zeros(t, zw, int64(n)*int64(rows)*int64(cols))
	zw.Close()
	f.Close()
}

// TestHostileFiles feeds each decoder a crafted file of at most 10 MB that declares far
// more than it could be used for, in a child process: each is refused with a one-line
// error while the child stays under 300 MB.
func TestHostileFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and inflates files of up to 10 MB")
	}
	dir := t.TempDir()
	var blob bytes.Buffer
	blob.WriteString(`{"strategies": ["random"], "batches": [`)
	for blob.Len() < 9<<20 {
		blob.WriteString("7,")
	}
	blob.WriteString("7]}")
	spec := filepath.Join(dir, "spec.json")
	os.WriteFile(spec, blob.Bytes(), 0o644)

	// A real shard (its summary.json is sound) whose curves.csv is then replaced.
	shard := filepath.Join(dir, "shard")
	if code, _, errOut := alab("run", "--data", fixture, "--out", shard, "--strategies", "random", "--init", "10",
		"--batch", "5", "--rounds", "1", "--steps", "3", "--test-limit", "20", "--pool-subset", "20"); code != 0 {
		t.Fatalf("a shard to spoil: %s", errOut)
	}
	var csvBlob bytes.Buffer
	csvBlob.WriteString("strategy,batch_size,repeat,round,labelled,test_accuracy,label_entropy,train_seconds,score_seconds,select_seconds,histogram\n")
	csvBlob.WriteString(strings.Repeat("x", 9<<20))
	os.WriteFile(filepath.Join(shard, "curves.csv"), csvBlob.Bytes(), 0o644)

	for _, c := range []struct {
		name  string
		setup func(t *testing.T) []string
		want  string
	}{
		{"npz member of 2^27 floats", func(t *testing.T) []string {
			p := filepath.Join(dir, "big.npz")
			hostileNPZ(t, p, "fc1.weight", []int{1 << 13, 1 << 14})
			return []string{"eval", "--data", fixture, "--model", p}
		}, "fc1.weight.npy: shape [8192 16384]: want one of [[128 256] [128 3872]]"},
		{"npz member of an unknown name", func(t *testing.T) []string {
			p := filepath.Join(dir, "name.npz")
			hostileNPZ(t, p, "x", []int{1 << 27})
			return []string{"eval", "--data", fixture, "--model", p}
		}, "x.npy: unexpected array: no architecture (compact, gal) has it"},
		{"IDX of 2.7 million digits", func(t *testing.T) []string {
			d := filepath.Join(dir, "many")
			hostileMNIST(t, d, 2_700_000, 28, 28)
			return []string{"train", "--data", d}
		}, "images file has count = 2700000: want at most 1048576"},
		{"IDX of a million zero digits", func(t *testing.T) []string {
			d := filepath.Join(dir, "bomb")
			hostileMNIST(t, d, 1<<20, 28, 28)
			return []string{"train", "--data", d}
		}, "want at most 16 times the compressed size"},
		{"IDX of 4096x4096 images", func(t *testing.T) []string {
			d := filepath.Join(dir, "wide")
			hostileMNIST(t, d, 10, 4096, 4096)
			return []string{"train", "--data", d}
		}, "images of 4096x4096: want 28x28"},
		{"spec of a million batch sizes", func(t *testing.T) []string {
			return []string{"run", "--data", fixture, "--out", filepath.Join(dir, "out"), "--spec", spec}
		}, "batch size 7 listed twice"},
		{"curves.csv of one 9 MB field", func(t *testing.T) []string {
			return []string{"merge", "--out", filepath.Join(dir, "merged"), shard}
		}, "curves.csv"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := c.setup(t)
			for _, a := range args {
				if fi, err := os.Stat(a); err == nil && !fi.IsDir() && fi.Size() > 10<<20 {
					t.Fatalf("%s is %d bytes: want at most 10 MB", a, fi.Size())
				}
			}
			js, _ := json.Marshal(args)
			cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$")
			cmd.Env = append(os.Environ(), hostileEnv+"="+string(js))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatalf("alab %s: %v, want a non-zero exit", strings.Join(args, " "), err)
			}
			line := strings.TrimSuffix(stderr.String(), "\n")
			if strings.Contains(line, "\n") || !strings.Contains(line, c.want) {
				t.Errorf("alab %s: stderr %q, want one line containing %q", strings.Join(args, " "), stderr.String(), c.want)
			}
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
			t.Logf("peak RSS %d MB", rss>>20)
			if rss > 300<<20 && !raceDetector { // the detector's shadow memory is not the command's
				t.Errorf("alab %s: peak RSS %d MB: want under 300 MB", strings.Join(args, " "), rss>>20)
			}
		})
	}
}
