package engine

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"alab/core/nn"
	"alab/wasm/msg"
	"alab/wasm/webfiles"
)

// startSeeds returns the shipped start network of web/ (gunzipped), if `make web` has built
// it, and a small record of an untrained compact network.
func startSeeds(f *testing.F, name string, small any, write func(io.Writer, any) error) [][]byte {
	var seeds [][]byte
	if gz, err := os.ReadFile(filepath.Join("..", "..", "web", filepath.FromSlash(name))); err == nil {
		if zr, err := gzip.NewReader(bytes.NewReader(gz)); err == nil {
			if b, err := io.ReadAll(zr); err == nil {
				seeds = append(seeds, b)
			}
		}
	}
	var b bytes.Buffer
	if err := write(&b, small); err != nil {
		f.Fatal(err)
	}
	return append(seeds, b.Bytes(), b.Bytes()[:b.Len()/2])
}

func compactWeights(f *testing.F) []byte {
	net, err := nn.New("compact", 1)
	if err != nil {
		f.Fatal(err)
	}
	var b bytes.Buffer
	if err := net.Save(&b); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

// FuzzReadStart checks that ReadStart never panics, and that a Start it accepts gives its
// round 0 to a session that matches it without panicking.
func FuzzReadStart(f *testing.F) {
	small := &Start{Arch: "compact", ColdSteps: 10, Batch: 32, Seed: 1, Weights: compactWeights(f),
		Labels: []msg.Label{{ID: 3, Label: 1}}, Settings: msg.Defaults()}
	for _, s := range startSeeds(f, webfiles.FirstNet, small, func(w io.Writer, v any) error { return WriteStart(w, v.(*Start)) }) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := ReadStart(bytes.NewReader(in))
		if err != nil {
			return
		}
		if s.net == nil || s.net.Arch != s.Arch {
			t.Fatalf("accepted a start of %q with weights %v", s.Arch, s.net)
		}
		s.roundZero(Config{Arch: s.Arch, ColdSteps: s.ColdSteps, Batch: s.Batch}, msg.Settings{Seed: s.Seed})
	})
}

// FuzzReadRaceStart checks that ReadRaceStart never panics, nor the race's round 0 taken
// from what it accepts.
func FuzzReadRaceStart(f *testing.F) {
	small := &RaceStart{Seed: 1, Init: 20, Steps: 10, Labelled: []int{1, 2, 3}, TestN: 100, Accuracy: 0.5, Weights: compactWeights(f)}
	for _, s := range startSeeds(f, webfiles.RaceNet, small, func(w io.Writer, v any) error { return WriteRaceStart(w, v.(*RaceStart)) }) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := ReadRaceStart(bytes.NewReader(in))
		if err != nil {
			return
		}
		s.roundZero(msg.Race{Seed: s.Seed, Init: s.Init, Steps: s.Steps}, s.TestN)
	})
}
