//go:build !wasm

package team

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// maxBody bounds a request body: a label or a work request is a few dozen bytes.
const maxBody = 4 << 10

// Work handed out per request: WorkItems unless the request asks for another number up to
// maxWork.
const (
	WorkItems = 6
	maxWork   = 20
)

//go:embed page.html
var page []byte

// Serve opens the project file path, restores it and serves it on addr until ctx is done.
// It says plainly when addr is not a loopback address.
func Serve(ctx context.Context, path, addr string, out io.Writer) error {
	logf := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	p, err := Open(path, logf)
	if err != nil {
		return err
	}
	defer p.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("team: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		logf("alab: WARNING: %s is not a loopback address: anyone who can reach this machine there can reach the project (a token is still needed for everything but the join page, and the traffic is not encrypted)", ln.Addr())
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	trained := make(chan error, 1)
	go func() { trained <- p.Run(ctx); cancel() }()
	go func() {
		<-ctx.Done()
		shut, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		srv.Shutdown(shut)
	}()
	logf("alab: serving the team project %s on http://%s/join (Ctrl-C stops)", path, ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("team: %w", err)
	}
	return <-trained
}

// Handler is the project's HTTP interface (docs/team-api.md): the join page, and the JSON
// API behind a Bearer token.
func (p *Project) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /join", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Write(page)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/join", http.StatusFound) })
	mux.HandleFunc("POST /api/work", p.auth(false, p.work))
	mux.HandleFunc("POST /api/labels", p.auth(false, p.postLabel))
	mux.HandleFunc("DELETE /api/labels/{id}", p.auth(false, p.deleteLabel))
	mux.HandleFunc("GET /api/status", p.auth(false, p.status))
	mux.HandleFunc("GET /api/agreement", p.auth(true, p.agreement))
	mux.HandleFunc("GET /api/team", p.auth(true, p.teamReport))
	mux.HandleFunc("GET /api/export.csv", p.auth(true, p.exportCSV))
	mux.HandleFunc("GET /api/export.json", p.auth(true, p.exportJSON))
	mux.HandleFunc("GET /api/model.npz", p.auth(true, p.modelNPZ))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			fail(w, refuse(http.StatusNotFound, "no %s %s: see docs/team-api.md", r.Method, r.URL.Path))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// auth wraps h: the request must carry a valid token (of an admin, if admin).
func (p *Project) auth(admin bool, h func(http.ResponseWriter, *http.Request, Annotator)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := authenticate(p.lookup, r.Header.Get("Authorization"))
		switch {
		case err != nil:
			w.Header().Set("WWW-Authenticate", `Bearer realm="alab team"`)
			fail(w, err)
		case admin && !a.Admin:
			fail(w, refuse(http.StatusForbidden, "%s is not an admin of this project", a.Name))
		default:
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			h(w, r, a)
		}
	}
}

// fail writes err as {"ok":false,"reason":…}: its status if it is a refusal, else 500.
func fail(w http.ResponseWriter, err error) {
	status, reason := http.StatusInternalServerError, "internal error: "+err.Error()
	var ae *apiError
	if errors.As(err, &ae) {
		status, reason = ae.status, ae.reason
	}
	writeJSON(w, status, map[string]any{"ok": false, "reason": reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads a bounded JSON body into v; an empty body leaves v as it is if empty is allowed.
func decode(r *http.Request, v any, empty bool) error {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return refuse(http.StatusRequestEntityTooLarge, "body over %d bytes", maxBody)
	case err != nil:
		return refuse(http.StatusBadRequest, "reading the body: %v", err)
	case len(bytes.TrimSpace(body)) == 0 && empty:
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return refuse(http.StatusBadRequest, "malformed JSON: %v", err)
	}
	if dec.More() {
		return refuse(http.StatusBadRequest, "malformed JSON: more than one value")
	}
	return nil
}

// A WorkItem is an item handed out: its pool ID, the round whose query chose it, its image.
type WorkItem struct {
	ID    int    `json:"id"`
	Round int    `json:"round"`
	PNG   string `json:"png"`
}

func (p *Project) work(w http.ResponseWriter, r *http.Request, a Annotator) {
	req := struct {
		Max int `json:"max"`
	}{WorkItems}
	if err := decode(r, &req, true); err != nil {
		fail(w, err)
		return
	}
	if req.Max < 1 || req.Max > maxWork {
		fail(w, refuse(http.StatusBadRequest, "max %d: want 1 to %d", req.Max, maxWork))
		return
	}
	items, err := p.q.lease(a.ID, req.Max)
	if err != nil {
		fail(w, err)
		return
	}
	out := make([]WorkItem, len(items))
	for i, it := range items {
		out[i] = WorkItem{ID: it.id, Round: it.round, PNG: p.png(it.id)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "lease_s": p.s.LeaseS})
}

func (p *Project) postLabel(w http.ResponseWriter, r *http.Request, a Annotator) {
	var req struct {
		ID      *int     `json:"id"`
		Label   *int     `json:"label"`
		Seconds *float64 `json:"seconds"`
	}
	if err := decode(r, &req, false); err != nil {
		fail(w, err)
		return
	}
	if req.ID == nil || req.Label == nil || req.Seconds == nil {
		fail(w, refuse(http.StatusBadRequest, `want {"id":N,"label":L,"seconds":X}`))
		return
	}
	if err := p.q.label(a.ID, *req.ID, *req.Label, *req.Seconds); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (p *Project) deleteLabel(w http.ResponseWriter, r *http.Request, a Annotator) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		fail(w, refuse(http.StatusBadRequest, "item %q: want an integer ID", r.PathValue("id")))
		return
	}
	if err := p.q.undo(a.ID, id); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (p *Project) modelNPZ(w http.ResponseWriter, r *http.Request, _ Annotator) {
	npz, err := p.q.model()
	switch {
	case err != nil:
		fail(w, err)
	case len(npz) == 0:
		fail(w, refuse(http.StatusNotFound, "no network trained yet"))
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="model.npz"`)
		w.Write(npz)
	}
}

// png returns pool item id as a data URL: a 28×28 greyscale PNG, dark ink on white.
func (p *Project) png(id int) string {
	if s, ok := p.pngs.Load(id); ok {
		return s.(string)
	}
	img := image.NewGray(image.Rect(0, 0, p.pool.Cols, p.pool.Rows))
	for i, v := range p.pool.Image(id) {
		img.Pix[i] = 255 - v
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	s := "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	p.pngs.Store(id, s)
	return s
}
