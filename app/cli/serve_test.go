//go:build !wasm

package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"alab/wasm/webfiles"
)

// fakeWeb writes a web/ directory holding every file the page needs (placeholders: the
// server only hashes and serves them) and returns it.
func fakeWeb(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "web")
	for _, name := range webfiles.All {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("placeholder of "+name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestServeRefusesAndProtects(t *testing.T) {
	dir := fakeWeb(t)
	secret := filepath.Join(filepath.Dir(dir), "secret.txt")
	os.WriteFile(secret, []byte("not for the web"), 0o644)
	if err := os.Symlink(secret, filepath.Join(dir, "leak.txt")); err != nil {
		t.Fatal(err)
	}
	os.Symlink(filepath.Dir(dir), filepath.Join(dir, "up"))
	h, err := routes(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(method, path string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/web/leak.txt", 404},
		{"GET", "/web/up/secret.txt", 404},
		{"GET", "/web/" + webfiles.Styles, 200},
		{"HEAD", "/web/" + webfiles.Styles, 200},
		{"GET", "/", 200},
		{"POST", "/", 405},
		{"PUT", "/web/" + webfiles.Styles, 405},
		{"DELETE", "/web/" + webfiles.Styles, 405},
		{"OPTIONS", "/", 405},
	} {
		resp := get(c.method, c.path)
		if resp.StatusCode != c.code {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.code)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q", c.method, c.path, got)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "'wasm-unsafe-eval'") {
			t.Errorf("%s %s: CSP %q", c.method, c.path, csp)
		}
		if c.code == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q", c.method, c.path, resp.Header.Get("Allow"))
		}
	}
	s := newServer(h)
	if s.ReadTimeout == 0 || s.WriteTimeout == 0 || s.IdleTimeout == 0 || s.ReadHeaderTimeout == 0 {
		t.Errorf("server timeouts: read %v, write %v, idle %v, header %v: want all set", s.ReadTimeout, s.WriteTimeout, s.IdleTimeout, s.ReadHeaderTimeout)
	}
}

func TestExportStaticRefuses(t *testing.T) {
	dir := fakeWeb(t)
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "old.html"), []byte("stale"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export-static", "-web", dir, dir}, "would overwrite the web directory"},
		{[]string{"export-static", "-web", dir, filepath.Join(dir, "site")}, "would overwrite the web directory"},
		{[]string{"export-static", "-web", dir, filepath.Dir(dir)}, "would overwrite the web directory"},
		{[]string{"export-static", "-web", dir, full}, "is not empty (1 entries): want an empty or new directory, or --force"},
		{[]string{"export-static", "-web", filepath.Join(dir, "missing"), t.TempDir()}, "run `make web` first"},
	} {
		code, out, errOut := alab(c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 || out != "" {
			t.Errorf("alab %s: exit %d, %q: want one line containing %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
	if code, _, errOut := alab("export-static", "-web", dir, "--force", full); code != 0 {
		t.Errorf("export-static --force into a non-empty directory: %s", errOut)
	}
	fresh := filepath.Join(t.TempDir(), "site")
	if code, _, errOut := alab("export-static", "-web", dir, fresh); code != 0 {
		t.Fatalf("export-static: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(fresh, "web", filepath.FromSlash(webfiles.Styles))); err != nil {
		t.Error(err)
	}
}
