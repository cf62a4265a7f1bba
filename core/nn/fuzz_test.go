package nn

import (
	"bytes"
	"testing"
)

// FuzzLoad checks that Load never panics and that weights it accepts save to an archive
// that loads back to the same bytes.
func FuzzLoad(f *testing.F) {
	net, err := New("compact", 1)
	if err != nil {
		f.Fatal(err)
	}
	var b bytes.Buffer
	if err := net.Save(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:b.Len()/2])
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, in []byte) {
		net, err := Load(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := net.Save(&once); err != nil {
			t.Fatal(err)
		}
		back, err := Load(bytes.NewReader(once.Bytes()), int64(once.Len()))
		if err != nil {
			t.Fatalf("loading what Save wrote: %v", err)
		}
		back.Save(&twice)
		if back.Arch != net.Arch || !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("round trip changed the %s weights", net.Arch)
		}
	})
}
