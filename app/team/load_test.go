//go:build !wasm

package team

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"alab/core/data"
)

var (
	loadFor   = flag.Duration("load", 3*time.Second, "how long TestLoad's annotators label (make bench-team: 60s)")
	loadData  = flag.String("load.data", fixture, `MNIST directory of TestLoad's project ("" for the original MNIST)`)
	loadCount = flag.Int("load.annotators", 50, "TestLoad's simulated annotators")
)

// TestLoad has many simulated annotators label as fast as they can, on loopback, a server
// (the real alab, a process of its own) that retrains meanwhile: no acknowledged label may
// be lost and no item labelled more often than it needs; it reports the label latency
// (the goal: p99 ≤ 50 ms on a 2-core machine, which the annotators' simulation shares).
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds alab and runs a server")
	}
	dir := t.TempDir()
	bin := buildAlab(t, dir)
	db := filepath.Join(dir, "load.sqlite")
	s := Settings{Data: *loadData, Batch: 100, Overlap: 0.2, Seed: 7, TestLimit: 500, PoolSubset: 2000}
	if err := Init(db, s); err != nil {
		t.Fatal(err)
	}
	pool, _, err := data.MNIST(*loadData)
	if err != nil {
		t.Fatal(err)
	}
	a := &api{t: t, tokens: map[string]string{}}
	names := make([]string, *loadCount)
	for i := range names {
		names[i] = fmt.Sprintf("a%02d", i)
		if a.tokens[names[i]], err = Invite(db, names[i], false); err != nil {
			t.Fatal(err)
		}
	}
	srv := serveChild(t, bin, db)
	a.url = srv.url
	a.ready(names[0])

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * len(names)}}
	// post sends body as who: the status, the time to the whole answer, the answer.
	post := func(who, path, body string) (int, time.Duration, []byte) {
		req, _ := http.NewRequest("POST", srv.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+a.tokens[who])
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return 0, 0, nil
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, time.Since(start), raw
	}
	ctx, stop := context.WithTimeout(context.Background(), *loadFor)
	defer stop()
	var mu sync.Mutex
	var acks []ack
	var latencies []time.Duration
	refused := map[int]int{}
	var wg sync.WaitGroup
	for i, who := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 0x10ad)) // one label in 20 is a slip
			for ctx.Err() == nil {
				st, _, raw := post(who, "/api/work", `{"max":2}`)
				var w workReply
				if err := json.Unmarshal(raw, &w); st != 200 || err != nil {
					t.Errorf("%s: work: status %d, %v", who, st, err)
					return
				}
				if len(w.Items) == 0 {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				for _, it := range w.Items {
					label := int(pool.Labels[it.ID])
					if rng.IntN(20) == 0 {
						label = (label + 1) % 10
					}
					st, d, _ := post(who, "/api/labels", fmt.Sprintf(`{"id":%d,"label":%d,"seconds":0.1}`, it.ID, label))
					mu.Lock()
					if st == 200 {
						acks = append(acks, ack{it.ID, label, who})
						latencies = append(latencies, d)
					} else {
						refused[st]++
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	var st Status
	a.do(names[0], "GET", "/api/status", "", &st)
	srv.cmd.Process.Signal(syscall.SIGINT)
	srv.cmd.Wait()

	lost, over := checkStored(t, db, acks)
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))].Round(100 * time.Microsecond)
	}
	t.Logf("%d annotators for %v: %d labels acknowledged (%.0f/s), %d rounds queried, refused %v; lost %d, over their overlap %d; label latency p50 %v, p99 %v, max %v (goal p99 ≤ 50 ms)",
		len(names), *loadFor, len(acks), float64(len(acks))/loadFor.Seconds(), len(st.Curve), refused, lost, over,
		pct(0.5), pct(0.99), pct(1))
	if lost != 0 || over != 0 {
		t.Errorf("%d acknowledged labels lost, %d items over their overlap: want 0 and 0", lost, over)
	}
	if len(acks) == 0 {
		t.Error("no label acknowledged")
	}
	for st, n := range refused {
		t.Errorf("%d labels refused with status %d", n, st)
	}
}

// checkStored counts the acknowledged labels missing from the project file, and the items
// with more judgements than they need (two, or three after a disagreement, in the overlap).
func checkStored(t *testing.T, path string, acks []ack) (lost, over int) {
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Query(`SELECT l.item, l.label, a.name, i.needs FROM labels l JOIN annotators a ON a.id = l.annotator
		JOIN items i ON i.id = l.item ORDER BY l.id`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[ack]bool{}
	items := map[int]*item{}
	for rows.Next() {
		var k ack
		var needs int
		rows.Scan(&k.item, &k.label, &k.who, &needs)
		stored[k] = true
		if items[k.item] == nil {
			items[k.item] = &item{base: needs}
		}
		items[k.item].judgements = append(items[k.item].judgements, judgement{label: k.label})
	}
	rows.Close()
	for _, k := range acks {
		if !stored[k] {
			lost++
		}
	}
	for _, it := range items {
		if len(it.judgements) > it.needs() {
			over++
		}
	}
	return lost, over
}
