//go:build !wasm

package team

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"alab/core/data"
)

// buildAlab builds the alab command into dir and returns its path.
func buildAlab(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "alab")
	if out, err := exec.Command("go", "build", "-o", bin, "alab/app").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// child is `alab team serve` running as a separate process.
type child struct {
	cmd *exec.Cmd
	out *bytes.Buffer
	url string
}

func serveChild(t *testing.T, bin, db string) *child {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &child{out: &bytes.Buffer{}, url: "http://" + addr}
	c.cmd = exec.Command(bin, "team", "serve", "--db", db, "--addr", addr)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.cmd.Process.Signal(syscall.SIGINT); c.cmd.Wait() })
	return c
}

// api is a client of a team server for a few named tokens.
type api struct {
	t      *testing.T
	url    string
	tokens map[string]string
}

func (a *api) do(who, method, path, body string, out any) int {
	a.t.Helper()
	for try := 0; ; try++ {
		req, _ := http.NewRequest(method, a.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+a.tokens[who])
		resp, err := http.DefaultClient.Do(req)
		if err != nil { // the server is starting
			if try > 600 {
				a.t.Fatalf("%s %s: %v", method, path, err)
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if out != nil && resp.StatusCode == 200 {
			if err := json.Unmarshal(raw, out); err != nil {
				a.t.Fatalf("%s %s: %v", method, path, err)
			}
		}
		return resp.StatusCode
	}
}

// ready waits until the server is not training, and returns its status.
func (a *api) ready(who string) Status {
	a.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var st Status
		if a.do(who, "GET", "/api/status", "", &st) == 200 && !st.Training && st.Round >= 0 {
			return st
		}
		if time.Now().After(deadline) {
			a.t.Fatal("the server stayed busy for 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type ack struct {
	item, label int
	who         string
}

// script is a fixed sequence of requests by two annotators taking turns: each asks for two
// items and labels them with the data's labels, one request an action. It depends only on
// the answers, so a run interrupted anywhere goes on where it stopped.
type script struct {
	truth   []uint8
	names   []string
	turn    int
	todo    []WorkItem
	actions int
	acks    []ack
	// untilTraining stops run right after a work request that set the next batch training.
	untilTraining bool
}

// run executes actions until the count reaches until, or the project has published round
// last (checked between turns).
func (s *script) run(a *api, until, last int) (finished bool) {
	for s.actions < until {
		who := s.names[s.turn%len(s.names)]
		if len(s.todo) == 0 {
			if st := a.ready(who); st.Round >= last {
				return true
			}
			var w workReply
			if st := a.do(who, "POST", "/api/work", `{"max":2}`, &w); st != 200 {
				a.t.Fatalf("work for %s: status %d", who, st)
			}
			s.todo, s.actions = w.Items, s.actions+1
			if os.Getenv("TEAM_TRACE") != "" {
				st := a.ready(who)
				a.t.Logf("action %d: %s work %d items (round %d, %d/%d)", s.actions, who, len(w.Items), st.Round, st.BatchLabelled, st.BatchSize)
			}
			if len(s.todo) == 0 {
				s.turn++
			}
			if s.untilTraining {
				var st Status
				if a.do(who, "GET", "/api/status", "", &st); st.Training {
					return false
				}
			}
			continue
		}
		it := s.todo[0]
		label := int(s.truth[it.ID])
		body := fmt.Sprintf(`{"id":%d,"label":%d,"seconds":0.5}`, it.ID, label)
		if st := a.do(who, "POST", "/api/labels", body, nil); st != 200 {
			a.t.Fatalf("action %d: %s labels %d: status %d", s.actions, who, it.ID, st)
		}
		s.acks = append(s.acks, ack{it.ID, label, who})
		s.todo, s.actions = s.todo[1:], s.actions+1
		if len(s.todo) == 0 {
			s.turn++
		}
	}
	return false
}

// batches returns the items of each round's batch, in the query's order.
func batches(t *testing.T, db string) [][]int {
	d, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Query(`SELECT round, id FROM items ORDER BY round, pos`)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]int
	for rows.Next() {
		var r, id int
		rows.Scan(&r, &id)
		for len(out) <= r {
			out = append(out, nil)
		}
		out[r] = append(out[r], id)
	}
	return out
}

// TestKillRestart kill -9s the real server in the middle of labelling and restarts it on the
// same file: every acknowledged label is there, the leases held are honoured, and the project
// queries the same next batches as a run never interrupted.
func TestKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds alab and runs two servers")
	}
	dir := t.TempDir()
	bin := buildAlab(t, dir)
	pool, _, err := data.MNIST(fixture)
	if err != nil {
		t.Fatal(err)
	}
	const last = 3 // run until round 3's batch is queried
	run := func(name string, killAt int) ([][]int, []ack, string) {
		db := filepath.Join(dir, name+".sqlite")
		if err := Init(db, smallSettings()); err != nil {
			t.Fatal(err)
		}
		a := &api{t: t, tokens: map[string]string{}}
		for _, who := range []string{"ada", "bob"} {
			if a.tokens[who], err = Invite(db, who, who == "ada"); err != nil {
				t.Fatal(err)
			}
		}
		s := &script{truth: pool.Labels, names: []string{"ada", "bob"}}
		srv := serveChild(t, bin, db)
		a.url = srv.url
		if killAt > 0 {
			// Once in the middle of labelling, once while the next batch trains.
			for _, training := range []bool{false, true} {
				s.untilTraining = training
				s.run(a, killAt, last)
				srv.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
				srv.cmd.Wait()
				t.Logf("killed after %d actions (%d labels acknowledged, %d items held, training %v)", s.actions, len(s.acks), len(s.todo), training)
				srv = serveChild(t, bin, db)
				a.url = srv.url
				killAt = 1000
			}
			s.untilTraining = false
		}
		if !s.run(a, 1000, last) {
			var st Status
			a.do("ada", "GET", "/api/status", "", &st)
			t.Fatalf("%s: round %d not reached in 1000 actions: %+v\n%s", name, last, st, srv.out)
		}
		srv.cmd.Process.Signal(syscall.SIGINT)
		srv.cmd.Wait()
		if os.Getenv("TEAM_TRACE") != "" {
			t.Logf("%s's server:\n%s", name, srv.out)
		}
		return batches(t, db), s.acks, db
	}
	want, _, _ := run("uninterrupted", 0)
	got, acks, db := run("killed", 34)
	if len(got) <= last || !slices.EqualFunc(got[:last+1], want[:last+1], slices.Equal) {
		t.Errorf("batches after the restart:\n%v\nwant those of the uninterrupted run:\n%v", got, want)
	}
	d, _ := sql.Open("sqlite", "file:"+db+"?mode=ro")
	defer d.Close()
	for _, k := range acks {
		var n int
		d.QueryRow(`SELECT count(*) FROM labels l JOIN annotators a ON a.id = l.annotator WHERE l.item = ? AND l.label = ? AND a.name = ?`,
			k.item, k.label, k.who).Scan(&n)
		if n != 1 {
			t.Errorf("acknowledged label %+v: %d rows: want 1", k, n)
		}
	}
	t.Logf("batches %v", got)
	t.Logf("%d acknowledged labels all present; batches of rounds 0–%d equal", len(acks), last)
}
