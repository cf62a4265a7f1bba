package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"alab/wasm/webfiles"
)

// shell is what the server pre-renders before app.wasm takes over the page: the title and
// the explanation, so the first paint already says what the page is.
type shell struct{ app.Compo }

func (*shell) Render() app.UI {
	return app.Div().Class("lab").Body(
		app.Header().Class("top").Body(
			app.H1().Text("Batch active learning: you label, the network asks"),
			app.P().Class("lede").Text("Loading the network and 12,000 MNIST digits into this tab…"),
		),
	)
}

// webHandler returns the go-app handler of the page, served from dir (the web/ directory),
// with the version derived from the files' contents (a rebuild changes it, a restart does
// not), local icons and the worker's files cached for offline use.
func webHandler(dir string) (*app.Handler, error) {
	var missing []string
	h := sha256.New()
	for _, name := range webfiles.All {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			missing = append(missing, name)
			continue
		}
		fmt.Fprintf(h, "%s\x00", name)
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("serve: %s lacks %s: run `make web` first", dir, strings.Join(missing, ", "))
	}
	// go-app caches the page, app.wasm, the styles, scripts and PNG icons; the worker loads
	// the rest, and go-app v9 leaves out the SVG icon, the favicon of an offline visit. Of
	// the two engines the service worker caches the one this browser runs (serviceWorker).
	var cache []string
	for _, name := range []string{webfiles.WorkerJS, webfiles.SIMDJS, webfiles.WorkerWasm, webfiles.WorkerScalar, webfiles.WasmExec, webfiles.IconSVG} {
		cache = append(cache, webfiles.URL(name))
	}
	for _, name := range webfiles.All {
		if webfiles.IsData(name) && !webfiles.RaceOnly(name) {
			cache = append(cache, webfiles.URL(name))
		}
	}
	sw, err := serviceWorker()
	if err != nil {
		return nil, err
	}
	app.Route("/", &shell{})
	app.Route("/race", &shell{})
	return &app.Handler{
		ServiceWorkerTemplate: sw,
		Name:                  "alab — batch active learning",
		ShortName:             "alab",
		Title:                 "alab — you label, the network asks",
		Description:           "Batch active learning on MNIST in your browser: a CNN trained on your device asks you to label the digits it is least sure of.",
		Lang:                  "en",
		Icon: app.Icon{
			Default: webfiles.URL(webfiles.Icon192), Large: webfiles.URL(webfiles.Icon512), SVG: webfiles.URL(webfiles.IconSVG),
		},
		BackgroundColor:    "#f6f5f1",
		ThemeColor:         "#1f4e79",
		LoadingLabel:       "Loading the page… {progress}%",
		Styles:             []string{webfiles.URL(webfiles.Styles)},
		Scripts:            []string{webfiles.URL(webfiles.BootJS)},
		CacheableResources: cache,
		Version:            hex.EncodeToString(h.Sum(nil))[:16],
		// app.wasm is served compressed: its uncompressed length drives the progress bar.
		WasmContentLengthHeader: "X-Uncompressed-Length",
	}, nil
}

// serviceWorker is go-app's service worker, caching of the two engines (webfiles.WorkerWasm
// with WebAssembly SIMD, webfiles.WorkerScalar without) only the one simd.js says this
// browser runs — the one web/worker.js loads — so a first visit downloads one engine.
func serviceWorker() (string, error) {
	const list = "const resourcesToCache = {{.ResourcesToCache}};"
	if strings.Count(app.DefaultAppWorkerJS, list) != 1 {
		return "", fmt.Errorf("serve: go-app's service worker no longer declares %q; the engine it caches cannot be chosen", list)
	}
	chosen := fmt.Sprintf(`importScripts(%q);
const resourcesToCache = {{.ResourcesToCache}}.filter((url) => !url.endsWith("/" + (self.alabSIMD ? %q : %q)));`,
		webfiles.URL(webfiles.SIMDJS), webfiles.WorkerScalar, webfiles.WorkerWasm)
	return strings.Replace(app.DefaultAppWorkerJS, list, chosen, 1), nil
}

// contentSecurity is the Content-Security-Policy of every response: the page loads its
// scripts, styles, workers, data and icons from its own origin only, compiles WebAssembly
// ('wasm-unsafe-eval', for app.wasm and the worker's wasm), sets style attributes (go-app
// renders some), draws digits from data: and blob: URLs and starts the preview's inflating
// worker from a blob: URL; no other site may frame it.
const contentSecurity = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
	"worker-src 'self' blob:; manifest-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// secure wraps the server's handler: it answers GET and HEAD only (405 otherwise), and
// every response says not to sniff types and carries the CSP.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Content-Security-Policy", contentSecurity)
		hdr.Set("X-Frame-Options", "DENY") // frame-ancestors for browsers without CSP 2
		hdr.Set("Referrer-Policy", "no-referrer")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			hdr.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: want GET or HEAD", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// routes returns the server's whole HTTP handler: the page (go-app), the web/ files with
// their precompressed variants (.br, .gz) when the browser accepts them, and Go's own
// wasm_exec.js in place of the older copy go-app embeds; all of it through secure.
func routes(dir string) (http.Handler, error) {
	h, err := webHandler(dir)
	if err != nil {
		return nil, err
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	static := &precompressed{dir: root, version: h.Version}
	mux := http.NewServeMux()
	mux.Handle("/web/", static)
	for _, name := range []string{webfiles.WasmExec, webfiles.AppWasm} {
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			r2 := *r
			r2.URL.Path = webfiles.URL(name)
			static.ServeHTTP(w, &r2)
		})
	}
	mux.Handle("/", h)
	return secure(mux), nil
}

// precompressed serves dir's files under /web/, preferring name.br or name.gz (made by
// `make web`) when the request accepts that encoding. dir is absolute with its symlinks
// resolved; a file whose symlinks lead out of it is not found.
type precompressed struct {
	dir, version string
}

// inside reports whether file, with its symlinks resolved, lies in p.dir.
func (p *precompressed) inside(file string) bool {
	real, err := filepath.EvalSymlinks(file)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(p.dir, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func (p *precompressed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(strings.TrimPrefix(r.URL.Path, "/web/"))
	if name == "." || strings.HasPrefix(name, "..") || strings.Contains(name, "\\") {
		http.NotFound(w, r)
		return
	}
	file := filepath.Join(p.dir, filepath.FromSlash(name))
	fi, err := os.Stat(file)
	if err != nil || fi.IsDir() || !p.inside(file) {
		http.NotFound(w, r)
		return
	}
	typ := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".wasm":
		typ = "application/wasm"
	case ".gz":
		typ = "application/octet-stream" // the bundle: the worker decompresses it
	case ".js":
		typ = "text/javascript; charset=utf-8"
	}
	if typ == "" {
		typ = "application/octet-stream"
	}
	hdr := w.Header()
	hdr.Set("Content-Type", typ)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("X-Uncompressed-Length", fmt.Sprint(fi.Size()))
	serve := file
	enc := ""
	if path.Ext(name) != ".gz" {
		accept := r.Header.Get("Accept-Encoding")
		for _, e := range []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
			if !acceptsEncoding(accept, e.name) {
				continue
			}
			if _, err := os.Stat(file + e.ext); err == nil && p.inside(file+e.ext) {
				serve, enc = file+e.ext, e.name
				break
			}
		}
	}
	f, err := os.Open(serve)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	sfi, err := f.Stat()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if enc != "" {
		hdr.Set("Content-Encoding", enc)
	}
	hdr.Set("ETag", fmt.Sprintf(`"%s-%s-%x"`, p.version, enc, sfi.ModTime().UnixNano()))
	http.ServeContent(w, r, "", time.Time{}, f)
}

// acceptsEncoding reports whether an Accept-Encoding header accepts enc (q > 0).
func acceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(fields[0]), enc) {
			continue
		}
		for _, f := range fields[1:] {
			if q := strings.TrimSpace(f); q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				return false
			}
		}
		return true
	}
	return false
}

// firstVisit lists what a first visit downloads, with each file's size as served to a
// browser that accepts brotli and gzip: the total is the transfer budget `make size` reports.
func firstVisit(dir string) (files []string, sizes []int64, err error) {
	for _, name := range webfiles.All {
		if name == webfiles.Icon512 || webfiles.RaceOnly(name) || webfiles.Fallback(name) {
			continue // only for installing, for a race, or for a browser without SIMD
		}
		file := filepath.Join(dir, filepath.FromSlash(name))
		best := int64(-1)
		for _, ext := range []string{"", ".br", ".gz"} {
			if ext != "" && strings.HasSuffix(name, ".gz") {
				continue
			}
			fi, err := os.Stat(file + ext)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			if best < 0 || fi.Size() < best {
				best = fi.Size()
			}
		}
		if best < 0 {
			return nil, nil, fmt.Errorf("serve: %s is missing: run `make web` first", file)
		}
		files, sizes = append(files, name), append(sizes, best)
	}
	return files, sizes, nil
}

func runServe(args []string, out, errOut io.Writer) error {
	fs := newFlags("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on")
	dir := fs.String("web", "web", "the `directory` `make web` filled")
	size := fs.Bool("size", false, "print what a first visit transfers and exit")
	if err := fs.parse(args, errOut); err != nil {
		return err
	}
	if *size {
		files, sizes, err := firstVisit(*dir)
		if err != nil {
			return err
		}
		var total int64
		idx := make([]int, len(files))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return sizes[idx[a]] > sizes[idx[b]] })
		for _, i := range idx {
			fmt.Fprintf(out, "%10d  %s\n", sizes[i], files[i])
			total += sizes[i]
		}
		fmt.Fprintf(out, "%10d  total (%.2f MB; budget 8 MB)\n", total, float64(total)/1e6)
		if total > 8_000_000 {
			return fmt.Errorf("a first visit transfers %.2f MB: over the 8 MB budget", float64(total)/1e6)
		}
		return nil
	}
	handler, err := routes(*dir)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := newServer(handler)
	fmt.Fprintf(out, "alab: serving the lab on http://%s/ (Ctrl-C stops)\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// newServer returns the server of handler, with timeouts so that a client that sends or
// reads slowly, or idles, cannot hold a connection: the longest response, app.wasm (about
// 3 MB compressed), has a minute.
func newServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// runExportStatic writes a static site (go-app's pages plus the web/ files) to a directory
// that any file host can serve.
func runExportStatic(args []string, out, errOut io.Writer) error {
	fs := newFlags("export-static")
	dir := fs.String("web", "web", "the `directory` `make web` filled")
	force := fs.Bool("force", false, "write into a directory that is not empty, over what it holds")
	if err := fs.parseSome(args, errOut); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one output directory", errUsage)
	}
	outDir := fs.Arg(0)
	if err := checkExportDir(outDir, *dir, *force); err != nil {
		return err
	}
	h, err := webHandler(*dir)
	if err != nil {
		return err
	}
	if err := app.GenerateStaticWebsite(outDir, h); err != nil {
		return fmt.Errorf("export-static: writing %s: %s", outDir, oneLine(err))
	}
	// go-app's copy of wasm_exec.js is older than this Go's: use the one web/ holds.
	for _, name := range webfiles.All {
		dsts := []string{filepath.Join(outDir, "web", filepath.FromSlash(name))}
		if name == webfiles.WasmExec {
			dsts = append(dsts, filepath.Join(outDir, name))
		}
		for _, dst := range dsts {
			if err := copyFile(dst, filepath.Join(*dir, filepath.FromSlash(name))); err != nil {
				return fmt.Errorf("export-static: %w", err)
			}
		}
	}
	fmt.Fprintf(out, "alab: wrote a static site to %s\n", outDir)
	return nil
}

// checkExportDir refuses an output directory that is the web/ directory, inside it or
// holding it (the site would overwrite its own sources), and, unless force, one that is not
// empty (stale files would be served with the new ones).
func checkExportDir(outDir, webDir string, force bool) error {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		if r, err := filepath.EvalSymlinks(a); err == nil {
			return r
		}
		// Not there yet: resolve its nearest existing parent.
		if r, err := filepath.EvalSymlinks(filepath.Dir(a)); err == nil {
			return filepath.Join(r, filepath.Base(a))
		}
		return a
	}
	o, w := abs(outDir), abs(webDir)
	within := func(a, b string) bool { // a is b or inside it
		rel, err := filepath.Rel(b, a)
		return err == nil && (rel == "." || !strings.HasPrefix(rel, ".."))
	}
	if within(o, w) || within(w, o) {
		return fmt.Errorf("%w: %s would overwrite the web directory %s: want a directory outside it", errUsage, outDir, webDir)
	}
	entries, err := os.ReadDir(outDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("export-static: %w", err)
	case len(entries) > 0 && !force:
		return fmt.Errorf("%w: %s is not empty (%d entries): want an empty or new directory, or --force to write over it", errUsage, outDir, len(entries))
	}
	return nil
}

// oneLine is err's message on one line: go-app's errors print their tags as indented JSON.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func copyFile(dst, src string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
