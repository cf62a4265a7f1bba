//go:build !wasm

// Command webbuild finishes web/ after the two wasm binaries are built (see the Makefile's
// `web` target): it writes the data bundle from the MNIST files of the GoMNIST module and
// the network of a first visit's round 0 and that of the default race, trained here
// (wasm/engine.Start, engine.RaceStart),
// copies this Go's wasm_exec.js, draws the icons and precompresses what is served
// compressed: name.br (brotli, the smallest, for browsers) and name.gz (gzip level 9).
//
//	go run ./wasm/webbuild -web web -goroot "$(go env GOROOT)"
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sync"

	"alab/core/data"
	"alab/wasm/engine"
	"alab/wasm/msg"
	"alab/wasm/webfiles"

	"github.com/andybalholm/brotli"
)

func main() {
	web := flag.String("web", "web", "the web `directory`")
	goroot := flag.String("goroot", "", "GOROOT, for lib/wasm/wasm_exec.js (go env GOROOT)")
	pool := flag.Int("pool", 10000, "MNIST training digits in the pool (the first ones)")
	test := flag.Int("test", 2000, "MNIST test digits (the first ones)")
	quality := flag.Int("brotli", 10, "brotli `quality` (0–11; 11 is smallest and slowest)")
	flag.Parse()
	if err := build(*web, *goroot, *pool, *test, *quality); err != nil {
		fmt.Fprintln(os.Stderr, "webbuild:", err)
		os.Exit(1)
	}
}

func build(web, goroot string, pool, test, quality int) error {
	if goroot == "" {
		return fmt.Errorf("-goroot is required (go env GOROOT)")
	}
	if err := bundle(web, pool, test); err != nil {
		return err
	}
	exec, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(webPath(web, webfiles.WasmExec), exec, 0o644); err != nil {
		return err
	}
	for _, ic := range []struct {
		name string
		size int
	}{{webfiles.Icon192, 192}, {webfiles.Icon512, 512}} {
		if err := writePNG(webPath(web, ic.name), icon(ic.size)); err != nil {
			return err
		}
	}
	errs := make([]error, len(webfiles.Compressed))
	var wg sync.WaitGroup
	for i, name := range webfiles.Compressed {
		wg.Go(func() { errs[i] = compress(webPath(web, name), quality) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// webPath is where file name of the manifest (wasm/webfiles) lives in the web directory web.
func webPath(web, name string) string { return filepath.Join(web, filepath.FromSlash(name)) }

// compress writes path.gz and path.br.
func compress(path string, quality int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := writeGzip(path+".gz", b); err != nil {
		return err
	}
	var buf bytes.Buffer
	bw := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: quality, LGWin: 24})
	if _, err := bw.Write(b); err != nil {
		return err
	}
	if err := bw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path+".br", buf.Bytes(), 0o644)
}

// bundle writes the first pool training digits and the first test digits as gzip IDX, and
// the networks of round 0, into web's data files.
func bundle(web string, pool, test int) error {
	tr, te, err := data.MNIST("")
	if err != nil {
		return err
	}
	if pool > tr.N || test > te.N {
		return fmt.Errorf("want %d training and %d test digits: MNIST has %d and %d", pool, test, tr.N, te.N)
	}
	if err := os.MkdirAll(filepath.Dir(webPath(web, webfiles.PoolImages)), 0o755); err != nil {
		return err
	}
	sets := []struct {
		images, labels string
		set            *data.Set
	}{{webfiles.PoolImages, webfiles.PoolLabels, tr.Head(pool)}, {webfiles.TestImages, webfiles.TestLabels, te.Head(test)}}
	for _, s := range sets {
		var img, lab bytes.Buffer
		if err := data.EncodeImages(&img, s.set.Pix, s.set.N, s.set.Rows, s.set.Cols); err != nil {
			return err
		}
		if err := data.EncodeLabels(&lab, s.set.Labels); err != nil {
			return err
		}
		if err := writeGzip(webPath(web, s.images), img.Bytes()); err != nil {
			return err
		}
		if err := writeGzip(webPath(web, s.labels), lab.Bytes()); err != nil {
			return err
		}
	}
	// A first visit's round 0 (network and batch), with the browser's defaults, over the same pool.
	start, err := engine.TrainStart(context.Background(), engine.Config{}, sets[0].set, sets[1].set, msg.Defaults())
	if err != nil {
		return err
	}
	var js bytes.Buffer
	if err := engine.WriteStart(&js, start); err != nil {
		return err
	}
	if err := writeGzip(webPath(web, webfiles.FirstNet), js.Bytes()); err != nil {
		return err
	}
	// The default race's round 0, fetched by a race's workers (not by a first visit).
	race, err := engine.TrainRaceStart(context.Background(), msg.RaceDefaults(), sets[0].set, sets[1].set)
	if err != nil {
		return err
	}
	js.Reset()
	if err := engine.WriteRaceStart(&js, race); err != nil {
		return err
	}
	return writeGzip(webPath(web, webfiles.RaceNet), js.Bytes())
}

func writeGzip(path string, b []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(b); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// icon draws a pixelated "7" on the page's blue, as the app's icon.
func icon(size int) image.Image {
	glyph := []string{
		"........",
		".######.",
		"......#.",
		".....#..",
		"....#...",
		"...#....",
		"...#....",
		"........",
	}
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	bg, ink := color.RGBA{0x1f, 0x4e, 0x79, 0xff}, color.RGBA{0xf6, 0xf5, 0xf1, 0xff}
	cell := size / len(glyph)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			c := bg
			gy, gx := y/cell, x/cell
			if gy < len(glyph) && gx < len(glyph[gy]) && glyph[gy][gx] == '#' {
				c = ink
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func writePNG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
