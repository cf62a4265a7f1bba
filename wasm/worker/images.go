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
// idbStore, under the key idbPool: one record {id, classes, names, labels, pixels} — the
// import's ID, its class names, each image's file name and label and their 28×28 pixels
// end to end (Uint8Arrays). A reload reads it back; an import replaces it.
const (
	idbName  = "alab"
	idbStore = "images"
	idbPool  = "pool"
	idbTest  = "test" // the same for a labelled test folder, with its labels
)

// previewImages is how many converted images an import shows the person.
const previewImages = 12

// converted is what convert made of a person's files: the images that convert, end to
// end, with their file names and labels, and the files skipped, each naming the file and why
// (the first msg.MaxSkipped).
type converted struct {
	pix     []byte
	names   []string
	labels  []uint8
	skipped []string
	files   int
	preview [][]byte
}

// convert converts the person's files (an array of File) as alab/core/data converts a
// folder, in the order of their names (a folder's path, webkitRelativePath, where the
// browser gives one), one file at a time. label gives each file's label from its name, or
// why the file is skipped. It is an error if there are no files or more than
// data.MaxImageFiles, or if none converts.
func convert(in *msg.Import, files js.Value, label func(name string) (uint8, error)) (*converted, error) {
	if files.Type() != js.TypeObject {
		return nil, fmt.Errorf("worker: an import without its files")
	}
	bg, err := data.ParseBackground(cmp.Or(in.Background, "auto"))
	if err != nil {
		return nil, err
	}
	n := files.Length()
	switch {
	case n == 0:
		return nil, fmt.Errorf("worker: no files chosen: want PNG, JPEG or GIF images")
	case n > data.MaxImageFiles:
		return nil, fmt.Errorf("worker: %d files: want at most %d", n, data.MaxImageFiles)
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

	out := &converted{files: n}
	var buf []byte
	var dec data.ImageDecoder
	skip := func(name string, err error) {
		if len(out.skipped) < msg.MaxSkipped {
			out.skipped = append(out.skipped, name+": "+err.Error())
		}
	}
	for done, i := range order {
		if done%50 == 0 {
			progress(fmt.Sprintf("converting your images: %d of %d", done, n))
		}
		f, name := files.Index(i), names[i]
		l, err := label(name)
		if err != nil {
			skip(name, err)
			continue
		}
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
		out.pix = append(out.pix, img...)
		out.names = append(out.names, name)
		out.labels = append(out.labels, l)
		if len(out.preview) < previewImages {
			out.preview = append(out.preview, slices.Clone(img))
		}
	}
	if len(out.names) == 0 {
		return nil, fmt.Errorf("worker: none of the %d files is a PNG, JPEG or GIF image that converts (first: %s)", n, strings.Join(out.skipped[:1], ""))
	}
	return out, nil
}

// imported is c as the page is told of it.
func (c *converted) imported(id string, classes []string) *msg.Imported {
	return &msg.Imported{ID: id, Classes: classes, Images: len(c.names), Files: c.files, Skipped: c.skipped, Preview: c.preview}
}

// importFiles converts the person's files to label (convert) and stores them (idbPool): a
// file that does not convert is skipped and named. It is an error if the class names are
// not valid, or if fewer than minImages convert.
func (w *worker) importFiles(in *msg.Import, files js.Value) error {
	classes, err := parseLabClasses(in)
	if err != nil {
		return err
	}
	start := time.Now()
	c, err := convert(in, files, func(string) (uint8, error) { return 0, nil })
	if err != nil {
		return err
	}
	if len(c.names) < minImages {
		return fmt.Errorf("worker: %d of the %d files convert: want at least %d images to label in batches", len(c.names), c.files, minImages)
	}
	out := c.imported(fmt.Sprintf("%d-%d", time.Now().UnixMilli(), c.files), classes)
	progress(fmt.Sprintf("storing %d images in this browser", out.Images))
	if err := store(idbPool, out.ID, classes, c); err != nil {
		return fmt.Errorf("worker: the browser refused to store your images (%v): nothing was imported", err)
	}
	progress(fmt.Sprintf("converted %d images (%d skipped) in %v", out.Images, c.files-out.Images, time.Since(start).Round(time.Millisecond)))
	post(msg.Msg{Kind: msg.KindImport, Imported: out})
	return nil
}

// importTest converts a labelled folder of the person's — one subfolder per class, named as
// the classes of import in.TestFor — and stores it as that import's test set (idbTest):
// each file's class is its folder below the folder chosen. A file outside a class folder,
// or in a folder that is not one of the classes, is skipped and named.
func (w *worker) importTest(in *msg.Import, files js.Value) error {
	classes, err := parseLabClasses(in)
	if err != nil {
		return err
	}
	if in.TestFor == "" {
		return fmt.Errorf("worker: a test folder for no import: import the images to label first")
	}
	c, err := convert(in, files, func(name string) (uint8, error) {
		_, rest, _ := strings.Cut(name, "/") // below the folder chosen
		class, _, ok := strings.Cut(rest, "/")
		if !ok {
			return 0, fmt.Errorf("not in a class folder: in the test folder, want one subfolder per class (%s)", strings.Join(classes, ", "))
		}
		k := slices.Index(classes, class)
		if k < 0 {
			return 0, fmt.Errorf("class folder %q is not one of the classes (%s)", class, strings.Join(classes, ", "))
		}
		return uint8(k), nil
	})
	if err != nil {
		return err
	}
	out := c.imported(in.TestFor, classes)
	out.Preview = nil
	if err := store(idbTest, in.TestFor, classes, c); err != nil {
		return fmt.Errorf("worker: the browser refused to store your test images (%v)", err)
	}
	post(msg.Msg{Kind: msg.KindImportTest, Imported: out})
	return nil
}

// parseLabClasses reads an import's class names: 2 to msg.LabClasses of them.
func parseLabClasses(in *msg.Import) ([]string, error) {
	if in == nil {
		return nil, fmt.Errorf("worker: an import without its settings")
	}
	classes, err := data.ParseClasses(in.Classes)
	if err != nil {
		return nil, err
	}
	if len(classes) > msg.LabClasses {
		return nil, fmt.Errorf("worker: %d classes: the lab labels from the keys 0 to 9, so want at most %d (alab team takes up to %d)", len(classes), msg.LabClasses, data.MaxClassNames)
	}
	return classes, nil
}

// minImages is the fewest images a session on images takes.
const minImages = 11

// startImages starts the session of in on the images of its import, read back from the
// browser's storage: a new one, or one restored from its saved labels.
func (w *worker) startImages(ctx context.Context, in *msg.Init) (*msg.Batch, error) {
	progress("reading your images from this browser")
	pool, names, classes, err := load(idbPool, in.Images.ID)
	if err != nil {
		return nil, err
	}
	var test *data.Set
	if in.Images.Test != nil {
		if test, _, _, err = load(idbTest, in.Images.ID); err != nil {
			return nil, err
		}
	}
	e, err := engine.NewImages(ctx, engine.Config{}, pool, names, len(classes), test, in.Settings)
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

// store writes c under key (idbPool or idbTest) as import id's, replacing what was there,
// and returns once the transaction is committed.
func store(key, id string, classes []string, c *converted) error {
	db, err := openDB()
	if err != nil {
		return err
	}
	defer db.Call("close")
	rec := js.Global().Get("Object").New()
	rec.Set("id", id)
	rec.Set("classes", jsStrings(classes))
	rec.Set("names", jsStrings(c.names))
	rec.Set("labels", jsBytes(c.labels))
	rec.Set("pixels", jsBytes(c.pix))
	tx := db.Call("transaction", idbStore, "readwrite")
	tx.Call("objectStore", idbStore).Call("put", rec, key)
	return wait(tx, "complete")
}

// jsBytes is b as a Uint8Array.
func jsBytes(b []byte) js.Value {
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return u8
}

// jsStrings is ss as a JavaScript array.
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

// load reads back what store wrote under key for import id: the images with their labels,
// each image's file name and the class names. It is an error if the browser holds none, or
// those of another import.
func load(key, id string) (*data.Set, []string, []string, error) {
	db, err := openDB()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("worker: your images: %v", err)
	}
	defer db.Call("close")
	req := db.Call("transaction", idbStore, "readonly").Call("objectStore", idbStore).Call("get", key)
	if err := wait(req, "success"); err != nil {
		return nil, nil, nil, fmt.Errorf("worker: your images: %v", err)
	}
	rec := req.Get("result")
	switch {
	case !rec.Truthy():
		return nil, nil, nil, fmt.Errorf("worker: this browser does not hold the images of import %s, which these labels are of: import them again", id)
	case rec.Get("id").String() != id:
		return nil, nil, nil, fmt.Errorf("worker: this browser holds the images of import %s, not of import %s, which these labels are of: import those again", rec.Get("id").String(), id)
	}
	names, classes := goStrings(rec.Get("names")), goStrings(rec.Get("classes"))
	pix, labels := rec.Get("pixels"), rec.Get("labels")
	const px = data.Side * data.Side
	if pix.Length() != len(names)*px || labels.Length() != len(names) {
		return nil, nil, nil, fmt.Errorf("worker: the stored images hold %d bytes and %d labels for %d files: want %d and %d", pix.Length(), labels.Length(), len(names), len(names)*px, len(names))
	}
	if err := data.CheckClasses(classes); err != nil {
		return nil, nil, nil, fmt.Errorf("worker: the stored images: %w", err)
	}
	set := &data.Set{N: len(names), Rows: data.Side, Cols: data.Side, Pix: make([]byte, pix.Length()), Labels: make([]uint8, len(names))}
	js.CopyBytesToGo(set.Pix, pix)
	js.CopyBytesToGo(set.Labels, labels)
	if err := set.Validate(len(classes)); err != nil {
		return nil, nil, nil, fmt.Errorf("worker: the stored images: %w", err)
	}
	return set, names, classes, nil
}
