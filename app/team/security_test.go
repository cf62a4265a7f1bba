//go:build !wasm

package team

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRefusals checks every refusal of the API: each gets its 4xx status and a JSON reason,
// and none changes what was committed.
func TestRefusals(t *testing.T) {
	ts := startProject(t, smallSettings(), "ada", "bob", "cy")
	mine := ts.work("bob", 2)
	if len(mine) != 2 {
		t.Fatalf("bob got %d items: want 2", len(mine))
	}
	var theirs []WorkItem
	for _, it := range ts.work("cy", 10) {
		if it.ID != mine[0].ID && it.ID != mine[1].ID {
			theirs = append(theirs, it)
		}
	}
	if st, why := ts.label("bob", mine[0].ID, 4); st != 200 {
		t.Fatalf("a good label: %d %s", st, why)
	}
	big := `{"id":1,"label":1,"seconds":1,"pad":"` + strings.Repeat("x", maxBody) + `"}`
	for _, c := range []struct {
		name, who, method, path, body string
		status                        int
		reason                        string
	}{
		{"no token", "", "POST", "/api/work", "", 401, "missing token"},
		{"unknown token", strings.Repeat("ab", 32), "GET", "/api/status", "", 401, "unknown token"},
		{"no token, another path", "", "GET", "/api/export.csv", "", 401, "missing token"},
		{"no such path", "", "GET", "/secret", "", 404, "no GET /secret"},
		{"not admin: csv", "bob", "GET", "/api/export.csv", "", 403, "not an admin"},
		{"not admin: json", "bob", "GET", "/api/export.json", "", 403, "not an admin"},
		{"not admin: model", "bob", "GET", "/api/model.npz", "", 403, "not an admin"},
		{"not admin: agreement", "bob", "GET", "/api/agreement", "", 403, "not an admin"},
		{"label over 9", "bob", "POST", "/api/labels", `{"id":` + itoa(mine[1].ID) + `,"label":10,"seconds":1}`, 400, "want 0 to 9"},
		{"label under -1", "bob", "POST", "/api/labels", `{"id":` + itoa(mine[1].ID) + `,"label":-2,"seconds":1}`, 400, "want 0 to 9"},
		{"negative seconds", "bob", "POST", "/api/labels", `{"id":` + itoa(mine[1].ID) + `,"label":1,"seconds":-1}`, 400, "seconds"},
		{"malformed JSON", "bob", "POST", "/api/labels", `{"id":`, 400, "malformed JSON"},
		{"unknown field", "bob", "POST", "/api/labels", `{"id":1,"label":1,"seconds":1,"as":"cy"}`, 400, "malformed JSON"},
		{"missing field", "bob", "POST", "/api/labels", `{"id":1,"label":1}`, 400, "want {"},
		{"oversized body", "bob", "POST", "/api/labels", big, 413, "body over"},
		{"not leased to the caller", "bob", "POST", "/api/labels", `{"id":` + itoa(theirs[0].ID) + `,"label":1,"seconds":1}`, 403, "not leased to you"},
		{"in no batch", "bob", "POST", "/api/labels", `{"id":499999,"label":1,"seconds":1}`, 404, "in no batch"},
		{"twice by one person", "bob", "POST", "/api/labels", `{"id":` + itoa(mine[0].ID) + `,"label":5,"seconds":1}`, 409, "labelled it already"},
		{"undo another's label", "cy", "DELETE", "/api/labels/" + itoa(mine[0].ID), "", 404, "no label of yours"},
		{"undo a bad ID", "bob", "DELETE", "/api/labels/x", "", 400, "integer"},
		{"work: bad max", "bob", "POST", "/api/work", `{"max":1000}`, 400, "want 1 to"},
	} {
		var r struct {
			OK     *bool  `json:"ok"`
			Reason string `json:"reason"`
		}
		st := ts.call(c.who, c.method, c.path, c.body, &r)
		if st != c.status || r.OK == nil || *r.OK || !strings.Contains(r.Reason, c.reason) {
			t.Errorf("%s: status %d, %+v: want %d and a reason with %q", c.name, st, r, c.status, c.reason)
		}
	}
	// The expired lease: cy's lease runs out.
	ts.advance(time.Duration(ts.p.s.LeaseS*float64(time.Second)) + time.Second)
	if st, why := ts.label("cy", theirs[0].ID, 1); st != 410 || !strings.Contains(why, "lease expired") {
		t.Errorf("an expired lease: %d %q: want 410", st, why)
	}
	// Revoked while the server runs: refused on the next request.
	if err := Revoke(ts.path, "cy"); err != nil {
		t.Fatal(err)
	}
	if st := ts.call("cy", "GET", "/api/status", "", nil); st != 401 {
		t.Errorf("a revoked token: status %d: want 401", st)
	}
	// What was acknowledged is all there is: bob's one label.
	var n int
	if err := ts.p.db.QueryRow(`SELECT count(*) FROM labels`).Scan(&n); err != nil || n != 1 {
		t.Errorf("labels committed: %d (%v): want 1", n, err)
	}
	// The join page needs no token, and holds no token either.
	if st := ts.call("", "GET", "/join", "", nil); st != 200 {
		t.Errorf("the join page: status %d", st)
	}
}

// TestOpenRefuses checks that a file that is not a team project, or of a newer schema, is
// refused with one line and left byte for byte as it was; and that init never overwrites.
func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a database\n"), 0o644)
	other := filepath.Join(dir, "other.sqlite")
	db, _ := sql.Open("sqlite", other)
	if _, err := db.Exec(`CREATE TABLE t (x); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	newer := filepath.Join(dir, "newer.sqlite")
	if err := Init(newer, Settings{Data: fixture}); err != nil {
		t.Fatal(err)
	}
	db, _ = sql.Open("sqlite", newer)
	db.Exec(`PRAGMA journal_mode = DELETE; PRAGMA user_version = 99`)
	db.Close()
	for _, c := range []struct{ path, want string }{
		{text, "is not a team project"},
		{other, "is not a team project (SQLite application id 0"},
		{newer, "schema version 99, newer than"},
		{filepath.Join(dir, "missing.sqlite"), "no such project"},
	} {
		before, _ := os.ReadFile(c.path)
		_, err := Open(c.path, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%s): %v: want one line with %q", filepath.Base(c.path), err, c.want)
		}
		if _, err := Invite(c.path, "x", false); err == nil {
			t.Errorf("Invite into %s: no error", filepath.Base(c.path))
		}
		after, _ := os.ReadFile(c.path)
		if !bytes.Equal(before, after) {
			t.Errorf("%s changed on a refused open", filepath.Base(c.path))
		}
		for _, side := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(c.path + side); err == nil {
				t.Errorf("a refused open left %s%s", filepath.Base(c.path), side)
			}
		}
		if err := Init(c.path, Settings{Data: fixture}); c.path != filepath.Join(dir, "missing.sqlite") && (err == nil || !strings.Contains(err.Error(), "never overwritten")) {
			t.Errorf("Init over %s: %v: want it refused", filepath.Base(c.path), err)
		}
	}
	for _, name := range []string{"", "a b", "<script>", strings.Repeat("a", 41)} {
		if _, err := Invite(newer, name, false); err == nil {
			t.Errorf("Invite(%q): no error", name)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a server writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServeSaysWhenNotLoopback checks that Serve warns, before serving, when it listens on
// an address beyond loopback, and not otherwise.
func TestServeSaysWhenNotLoopback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "team.sqlite")
	if err := Init(path, smallSettings()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		addr string
		warn bool
	}{{"127.0.0.1:0", false}, {"0.0.0.0:0", true}} {
		var out syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- Serve(ctx, path, c.addr, &out) }()
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "serving the team project"); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not serving after 30 s: %q", c.addr, out.String())
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: Serve: %v", c.addr, err)
		}
		if got := strings.Contains(out.String(), "WARNING"); got != c.warn {
			t.Errorf("%s: warned %v: want %v (%q)", c.addr, got, c.warn, out.String())
		}
	}
}
