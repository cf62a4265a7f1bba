//go:build !wasm

package team

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

const fixture = "../../testdata/mnist-small"

// smallSettings is a quick project on the fixture: batches of 10, 3 of them overlapped.
func smallSettings() Settings {
	return Settings{Data: fixture, Batch: 10, Overlap: 0.3, Seed: 3, TestLimit: 100}
}

// testServer is a running project behind an httptest server, with tokens by name.
type testServer struct {
	t      *testing.T
	path   string
	p      *Project
	srv    *httptest.Server
	tokens map[string]string
	mu     sync.Mutex
	now    time.Time // the queue's clock
}

// startProject creates a project with s, invites the names (the first as admin), opens it,
// runs its trainer and serves it; it waits for round 0's batch.
func startProject(t *testing.T, s Settings, names ...string) *testServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "team.sqlite")
	if err := Init(path, s); err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, path: path, tokens: map[string]string{}, now: time.Now()}
	for i, name := range names {
		tok, err := Invite(path, name, i == 0)
		if err != nil {
			t.Fatal(err)
		}
		ts.tokens[name] = tok
	}
	p, err := Open(path, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	ts.p = p
	p.q.clock = func() time.Time { ts.mu.Lock(); defer ts.mu.Unlock(); return ts.now }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	ts.srv = httptest.NewServer(p.Handler())
	t.Cleanup(func() {
		ts.srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		p.Close()
	})
	ts.waitRound(0)
	return ts
}

// advance moves the queue's clock on by d.
func (ts *testServer) advance(d time.Duration) {
	ts.mu.Lock()
	ts.now = ts.now.Add(d)
	ts.mu.Unlock()
}

// waitRound waits until batch r is published and its network tested.
func (ts *testServer) waitRound(r int) {
	ts.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		q := ts.p.q
		q.mu.Lock()
		ok := len(q.rounds) > r && !q.advancing
		q.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.t.Fatalf("round %d was not published within 60 s", r)
}

// call sends a request as name ("" for no token) and decodes the JSON answer into out
// (which may be nil); it returns the status.
func (ts *testServer) call(name, method, path, body string, out any) int {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.srv.URL+path, bytes.NewReader([]byte(body)))
	if err != nil {
		ts.t.Fatal(err)
	}
	if name != "" {
		tok, ok := ts.tokens[name]
		if !ok {
			tok = name // a literal token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			ts.t.Fatalf("%s %s: %v in %q", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

type workReply struct {
	Items  []WorkItem `json:"items"`
	LeaseS float64    `json:"lease_s"`
}

// work asks for up to max items as name.
func (ts *testServer) work(name string, max int) []WorkItem {
	ts.t.Helper()
	var w workReply
	if st := ts.call(name, "POST", "/api/work", `{"max":`+itoa(max)+`}`, &w); st != 200 {
		ts.t.Fatalf("work for %s: status %d", name, st)
	}
	return w.Items
}

// label labels item id as name and returns the status and reason.
func (ts *testServer) label(name string, id, label int) (int, string) {
	var r struct {
		OK     bool   `json:"ok"`
		Reason string `json:"reason"`
	}
	st := ts.call(name, "POST", "/api/labels", `{"id":`+itoa(id)+`,"label":`+itoa(label)+`,"seconds":1.5}`, &r)
	return st, r.Reason
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
