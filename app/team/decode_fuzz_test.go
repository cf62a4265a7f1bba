//go:build !wasm

package team

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecodeLabel feeds request bodies to the label body's decoder: it never panics, and
// whatever it refuses it refuses with a 4xx reason.
func FuzzDecodeLabel(f *testing.F) {
	for _, seed := range []string{`{"id":1,"label":3,"seconds":1.5}`, `{"id":`, `[]`, `{"id":1}{"id":2}`,
		`{"id":1e400,"label":3,"seconds":1}`, `{"as":"bob"}`, strings.Repeat(" ", maxBody+1), ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/api/labels", strings.NewReader(body))
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, maxBody)
		var v struct {
			ID      *int     `json:"id"`
			Label   *int     `json:"label"`
			Seconds *float64 `json:"seconds"`
		}
		err := decode(req, &v, false)
		var ae *apiError
		if err != nil && (!errors.As(err, &ae) || ae.status < 400 || ae.status > 499 || ae.reason == "") {
			t.Fatalf("decode(%q): %v: want a 4xx refusal with a reason", body, err)
		}
		if len(body) > maxBody && (err == nil || ae.status != http.StatusRequestEntityTooLarge) {
			t.Fatalf("decode of %d bytes: %v: want 413", len(body), err)
		}
	})
}
