//go:build js && wasm

package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"syscall/js"
	"time"

	"alab/core/data"
	"alab/wasm/engine"
	"alab/wasm/msg"
	"alab/wasm/promise"
)

// The person's images are kept in the browser's IndexedDB, in database idbName, store
// idbStore, under the key idbPool: one record {id, classes, names, pixels} — the import's
// ID, its class names, each image's file name and their 28×28 pixels end to end (a
// Uint8Array). A reload reads it back; an import replaces it.
const (
	idbName  = "alab"
	idbStore = "images"
	idbPool  = "pool"
)

// previewImages is how many converted images an import shows the person.
const previewImages = 12

// importFiles converts the person's files (an array of File) as alab/core/data converts a
// folder, in the order of their names (a folder's path, webkitRelativePath, where the
// browser gives one), and stores them (idbPool). A file that does not convert is skipped
// and named; it is an error if none converts, if the class names are not valid, or if there
// are more than data.MaxImageFiles files.
func (w *worker) importFiles(in *msg.Import, files js.Value) error {
	if in == nil || files.Type() != js.TypeObject {
		return fmt.Errorf("worker: an import without its files")
	}
	classes, err := data.ParseClasses(in.Classes)
	if err != nil {
		return err
	}
	if len(classes) > msg.LabClasses {
		return fmt.Errorf("worker: %d classes: the lab labels from the keys 0 to 9, so want at most %d (alab team takes up to %d)", len(classes), msg.LabClasses, data.MaxClassNames)
	}
	bg, err := data.ParseBackground(cmp.Or(in.Background, "auto"))
	if err != nil {
		return err
	}
	n := files.Length()
	switch {
	case n == 0:
		return fmt.Errorf("worker: no files chosen: want PNG, JPEG or GIF images")
	case n > data.MaxImageFiles:
		return fmt.Errorf("worker: %d files: want at most %d", n, data.MaxImageFiles)
	}
	names := make([]string, n)
	for i := range n {
		f := files.Index(i)
		names[i] = f.Get("webkitRelativePath").String()
		if names[i] == "" || f.Get("webkitRelativePath").IsUndefined() {
			names[i] = f.Get("name").String()
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })

	out := msg.Imported{ID: fmt.Sprintf("%d-%d", time.Now().UnixMilli(), n), Classes: classes, Files: n}
	var kept []string
	var pix, buf []byte
	var dec data.ImageDecoder
	skip := func(name string, err error) {
		if len(out.Skipped) < msg.MaxSkipped {
			out.Skipped = append(out.Skipped, name+": "+err.Error())
		}
	}
	start := time.Now()
	for done, i := range order {
		if done%50 == 0 {
			progress(fmt.Sprintf("converting your images: %d of %d", done, n))
		}
		f, name := files.Index(i), names[i]
		if size := f.Get("size").Int(); size > data.MaxImageFileBytes {
			skip(name, fmt.Errorf("file of %d bytes: want at most %d", size, data.MaxImageFileBytes))
			continue
		}
		ab, err := promise.Await(f.Call("arrayBuffer"))
		if err != nil {
			skip(name, fmt.Errorf("unreadable: %v", err))
			continue
		}
		u8 := js.Global().Get("Uint8Array").New(ab)
		buf = slices.Grow(buf[:0], u8.Length())[:u8.Length()]
		js.CopyBytesToGo(buf, u8)
		img, err := dec.Decode(buf, bg)
		if err != nil {
			skip(name, err)
			continue
		}
		pix = append(pix, img...)
		kept = append(kept, name)
		if len(out.Preview) < previewImages {
			out.Preview = append(out.Preview, slices.Clone(img))
		}
	}
	out.Images = len(kept)
	skipped := n - out.Images
	if out.Images == 0 {
		return fmt.Errorf("worker: none of the %d files is a PNG, JPEG or GIF image that converts (first: %s)", n, strings.Join(out.Skipped[:1], ""))
	}
	if out.Images < minImages {
		return fmt.Errorf("worker: %d of the %d files convert: want at least %d images to label in batches", out.Images, n, minImages)
	}
	progress(fmt.Sprintf("storing %d images in this browser", out.Images))
	if err := storePool(out.ID, classes, kept, pix); err != nil {
		return fmt.Errorf("worker: the browser refused to store your images (%v): nothing was imported", err)
	}
	progress(fmt.Sprintf("converted %d images (%d skipped) in %v", out.Images, skipped, time.Since(start).Round(time.Millisecond)))
	post(msg.Msg{Kind: msg.KindImport, Imported: &out})
	return nil
}

// minImages is the fewest images a session on images takes.
const minImages = 11

// startImages starts the session of in on the images of its import, read back from the
// browser's storage: a new one, or one restored from its saved labels.
func (w *worker) startImages(ctx context.Context, in *msg.Init) (*msg.Batch, error) {
	progress("reading your images from this browser")
	pool, names, classes, err := loadPool(in.Images.ID)
	if err != nil {
		return nil, err
	}
	e, err := engine.NewImages(ctx, engine.Config{}, pool, names, len(classes), in.Settings)
	if err != nil {
		return nil, err
	}
	w.e = e
	if len(in.Labels) > 0 {
		progress(fmt.Sprintf("restoring your %d labels", len(in.Labels)))
		return e.Restore(ctx, *in)
	}
	progress(fmt.Sprintf("drawing a first batch at random from your %d images", pool.N))
	return e.Query(ctx)
}

// openDB opens the page's IndexedDB database, creating its store the first time.
func openDB() (js.Value, error) {
	idb := js.Global().Get("indexedDB")
	if !idb.Truthy() {
		return js.Value{}, fmt.Errorf("this browser gives the page no IndexedDB")
	}
	req := idb.Call("open", idbName, 1)
	upgrade := js.FuncOf(func(js.Value, []js.Value) any {
		db := req.Get("result")
		if !db.Get("objectStoreNames").Call("contains", idbStore).Bool() {
			db.Call("createObjectStore", idbStore)
		}
		return nil
	})
	defer upgrade.Release()
	req.Set("onupgradeneeded", upgrade)
	if err := wait(req, "success"); err != nil {
		return js.Value{}, err
	}
	return req.Get("result"), nil
}

// wait blocks until the IndexedDB request or transaction v fires done (or fails).
func wait(v js.Value, done string) error {
	ch := make(chan error, 1)
	ok := js.FuncOf(func(js.Value, []js.Value) any { ch <- nil; return nil })
	fail := js.FuncOf(func(js.Value, []js.Value) any {
		what := "failed"
		if e := v.Get("error"); e.Truthy() {
			what = e.Call("toString").String()
		}
		ch <- fmt.Errorf("IndexedDB: %s", what)
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	v.Set("on"+done, ok)
	v.Set("onerror", fail)
	v.Set("onabort", fail)
	return <-ch
}

// storePool writes an import's images (idbPool), replacing any earlier import's, and
// returns once the transaction is committed.
func storePool(id string, classes, names []string, pix []byte) error {
	db, err := openDB()
	if err != nil {
		return err
	}
	defer db.Call("close")
	u8 := js.Global().Get("Uint8Array").New(len(pix))
	js.CopyBytesToJS(u8, pix)
	rec := js.Global().Get("Object").New()
	rec.Set("id", id)
	rec.Set("classes", jsStrings(classes))
	rec.Set("names", jsStrings(names))
	rec.Set("pixels", u8)
	tx := db.Call("transaction", idbStore, "readwrite")
	tx.Call("objectStore", idbStore).Call("put", rec, idbPool)
	return wait(tx, "complete")
}

// strings_ is ss as a JavaScript array.
func jsStrings(ss []string) js.Value {
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return js.ValueOf(a)
}

// goStrings is the JavaScript array of strings a; nil if a is not an array.
func goStrings(a js.Value) []string {
	if !js.Global().Get("Array").Call("isArray", a).Bool() {
		return nil
	}
	ss := make([]string, a.Length())
	for i := range ss {
		ss[i] = a.Index(i).String()
	}
	return ss
}

// loadPool reads back the images of import id: the pool, each image's file name and the
// class names. It is an error if the browser holds no images, or those of another import.
func loadPool(id string) (*data.Set, []string, []string, error) {
	db, err := openDB()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("worker: your images: %v", err)
	}
	defer db.Call("close")
	req := db.Call("transaction", idbStore, "readonly").Call("objectStore", idbStore).Call("get", idbPool)
	if err := wait(req, "success"); err != nil {
		return nil, nil, nil, fmt.Errorf("worker: your images: %v", err)
	}
	rec := req.Get("result")
	switch {
	case !rec.Truthy():
		return nil, nil, nil, fmt.Errorf("worker: this browser no longer holds the images of this session (import %s): import them again", id)
	case rec.Get("id").String() != id:
		return nil, nil, nil, fmt.Errorf("worker: this browser holds the images of import %s, not of this session's (%s)", rec.Get("id").String(), id)
	}
	names, classes, u8 := goStrings(rec.Get("names")), goStrings(rec.Get("classes")), rec.Get("pixels")
	const px = data.Side * data.Side
	if u8.Length() != len(names)*px {
		return nil, nil, nil, fmt.Errorf("worker: the stored images hold %d bytes for %d files: want %d", u8.Length(), len(names), len(names)*px)
	}
	if err := data.CheckClasses(classes); err != nil {
		return nil, nil, nil, fmt.Errorf("worker: the stored images: %w", err)
	}
	set := &data.Set{N: len(names), Rows: data.Side, Cols: data.Side, Pix: make([]byte, u8.Length()), Labels: make([]uint8, len(names))}
	js.CopyBytesToGo(set.Pix, u8)
	return set, names, classes, nil
}
