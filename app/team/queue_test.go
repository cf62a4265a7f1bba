//go:build !wasm

package team

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBatchFlow labels one batch with three annotators: each single item once, each
// overlapped item by two different people who never see each other's label, a
// disagreement settled by a third; the next batch is queried once the last items are leased.
func TestBatchFlow(t *testing.T) {
	ts := startProject(t, smallSettings(), "ada", "bob", "cy")
	truth := ts.p.pool.Labels
	q := ts.p.q
	batch := q.rounds[0].items
	overlapped := map[int]bool{}
	for _, it := range batch[:ts.p.s.overlapped(len(batch))] {
		overlapped[it.id] = true
	}
	if len(overlapped) != 3 {
		t.Fatalf("%d overlapped items in a batch of %d: want 3", len(overlapped), len(batch))
	}
	// ada and bob take the batch in turns; bob contradicts ada on the first overlapped item.
	disputed := batch[0].id
	seen := map[string]map[int]bool{"ada": {}, "bob": {}, "cy": {}}
	for round := 0; round < 10; round++ {
		for _, who := range []string{"ada", "bob"} {
			for _, it := range ts.work(who, 2) {
				if seen[who][it.ID] {
					t.Fatalf("%s was given item %d twice", who, it.ID)
				}
				seen[who][it.ID] = true
				label := int(truth[it.ID])
				if who == "bob" && it.ID == disputed {
					label = (label + 1) % 10
				}
				if st, why := ts.label(who, it.ID, label); st != 200 {
					t.Fatalf("%s labels %d: %d %s", who, it.ID, st, why)
				}
			}
		}
	}
	q.mu.Lock()
	it := q.items[disputed]
	needs, n, resolved := it.needs(), len(it.judgements), it.resolved
	q.mu.Unlock()
	if needs != 3 || n != 2 || resolved {
		t.Fatalf("the disputed item: needs %d, %d judgements, resolved %v: want 3, 2, false", needs, n, resolved)
	}
	// cy, the third, settles it.
	got := ts.work("cy", 20)
	var third bool
	for _, w := range got {
		third = third || w.ID == disputed
	}
	if !third {
		t.Fatalf("cy was not asked about the disputed item %d (got %v)", disputed, got)
	}
	if st, why := ts.label("cy", disputed, int(truth[disputed])); st != 200 {
		t.Fatalf("cy: %d %s", st, why)
	}
	for _, it := range batch {
		q.mu.Lock()
		resolved, final, n := it.resolved, it.final, len(it.judgements)
		q.mu.Unlock()
		want := 1
		if overlapped[it.id] {
			want = 2
		}
		if it.id == disputed {
			want = 3
		}
		if !resolved || final != int(truth[it.id]) || n != want {
			t.Errorf("item %d: resolved %v as %d with %d judgements: want %d with %d", it.id, resolved, final, n, truth[it.id], want)
		}
	}
	// Agreement per pair: ada and bob share the three overlapped items and differ on one;
	// cy shares the disputed one with each.
	var ag struct{ Pairs []Pair }
	if st := ts.call("ada", "GET", "/api/agreement", "", &ag); st != 200 || len(ag.Pairs) != 3 {
		t.Fatalf("agreement: status %d, %+v: want 3 pairs", st, ag.Pairs)
	}
	if p := ag.Pairs[0]; p.A != "ada" || p.B != "bob" || p.Items != 3 || p.Percent < 66.6 || p.Percent > 66.7 || p.Kappa == nil {
		t.Errorf("ada · bob: %+v: want 3 items, 66.7 %% agreement and a kappa", p)
	}
	ts.waitRound(1)
	q.mu.Lock()
	next := len(q.rounds[1].items)
	q.mu.Unlock()
	if next == 0 {
		t.Fatal("round 1 has no batch")
	}
	// Undo while the batch is open, refused once it is trained on.
	var fedID, openID int = -1, -1
	q.mu.Lock()
	for _, it := range batch {
		if it.fed > 0 && it.labelledBy(idOf(t, ts, "ada")) {
			fedID = it.id
		}
	}
	q.mu.Unlock()
	if fedID >= 0 {
		if st := ts.call("ada", "DELETE", "/api/labels/"+itoa(fedID), "", nil); st != 409 {
			t.Errorf("undo of a label trained on: status %d: want 409", st)
		}
	}
	w := ts.work("ada", 1)
	openID = w[0].ID
	ts.label("ada", openID, 1)
	if st := ts.call("ada", "DELETE", "/api/labels/"+itoa(openID), "", nil); st != 200 {
		t.Errorf("undo of an open label: status %d: want 200", st)
	}
	if st, why := ts.label("ada", openID, int(truth[openID])); st != 200 {
		t.Errorf("relabel after undo: %d %s", st, why)
	}
	// The status counts what stands: the team's labels, the caller's, those of the last minute.
	total, mine := 0, 0
	q.mu.Lock()
	for _, it := range q.items {
		for _, j := range it.judgements {
			total++
			if j.annotator == idOf(t, ts, "ada") {
				mine++
			}
		}
	}
	q.mu.Unlock()
	var st Status
	ts.call("ada", "GET", "/api/status", "", &st)
	if st.LabelsTotal != total || st.Mine != mine || st.LabelsPerMinute != total || st.MinePerMinute != mine || st.Round != 1 || !st.Admin {
		t.Errorf("status %+v: want %d labels, %d of ada's, all in the last minute, round 1, admin", st, total, mine)
	}
	ts.advance(2 * time.Minute)
	ts.call("bob", "GET", "/api/status", "", &st)
	if st.LabelsPerMinute != 0 || st.LabelsTotal != total || st.Admin {
		t.Errorf("status two minutes on %+v: want none in the last minute, %d in all, not admin", st, total)
	}
}

func idOf(t *testing.T, ts *testServer, name string) int64 {
	a, err := authenticate(ts.p.lookup, "Bearer "+ts.tokens[name])
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// TestKappa checks Cohen's kappa on a worked example: 20 items, 2 categories, po = 0.7,
// pe = 0.5 → kappa = 0.4.
func TestKappa(t *testing.T) {
	var a, b []int
	add := func(n, x, y int) {
		for range n {
			a, b = append(a, x), append(b, y)
		}
	}
	add(7, 1, 1)
	add(3, 1, 2)
	add(3, 2, 1)
	add(7, 2, 2)
	if k, ok := Kappa(a, b); !ok || k < 0.4-1e-12 || k > 0.4+1e-12 {
		t.Errorf("Kappa = %v, %v: want 0.4", k, ok)
	}
	if _, ok := Kappa([]int{3, 3}, []int{3, 3}); ok {
		t.Error("Kappa of one category: want undefined")
	}
}

// TestLeaseExpires checks that an item whose lease ran out goes back to the queue, to
// someone else, and that a label records the item, label, annotator, round, seconds and time.
func TestLeaseExpires(t *testing.T) {
	s := smallSettings()
	s.Overlap = 0
	ts := startProject(t, s, "ada", "bob")
	held := ts.work("ada", 3)
	if got := ts.work("bob", 20); len(got) != len(ts.p.q.rounds[0].items)-3 {
		t.Fatalf("bob got %d items while ada holds 3 of %d", len(got), len(ts.p.q.rounds[0].items))
	}
	ts.advance(ts.p.s.lease() + time.Second)
	got := ts.work("bob", 20) // bob's own leases ran out too: he gets the whole batch
	ids := map[int]bool{}
	for _, it := range got {
		ids[it.ID] = true
	}
	for _, it := range held {
		if !ids[it.ID] {
			t.Errorf("item %d, whose lease ran out, was not handed out again", it.ID)
		}
	}
	if st, why := ts.label("bob", held[0].ID, 7); st != 200 {
		t.Fatalf("bob labels %d: %d %s", held[0].ID, st, why)
	}
	var exp struct{ Labels []Record }
	if st := ts.call("ada", "GET", "/api/export.json", "", &exp); st != 200 || len(exp.Labels) != 1 {
		t.Fatalf("export: status %d, %d labels", st, len(exp.Labels))
	}
	r := exp.Labels[0]
	at, err := time.Parse(time.RFC3339Nano, r.At)
	if r.Item != held[0].ID || r.Label != 7 || r.Annotator != "bob" || r.Round != 0 || r.Seconds != 1.5 || err != nil ||
		!at.Equal(ts.now) || r.Agreed == nil || *r.Agreed != 7 || r.TrainedIn != 1 {
		// The whole batch is leased, so this first agreed label closes round 0 at once.
		t.Errorf("the record %+v: want item %d, label 7 by bob in round 0, 1.5 s, at %v, agreed 7, trained on from round 1", r, held[0].ID, ts.now)
	}
	var tm struct {
		Annotators []Worker
		Leases     []Lease
	}
	ts.call("ada", "GET", "/api/team", "", &tm)
	if len(tm.Leases) != len(got)-1 || tm.Leases[0].Annotator != "bob" || tm.Leases[0].ExpiresInS != ts.p.s.LeaseS {
		t.Errorf("leases %+v: want bob's %d, each for %v s", tm.Leases, len(got)-1, ts.p.s.LeaseS)
	}
	if len(tm.Annotators) != 1 || tm.Annotators[0].Name != "bob" || tm.Annotators[0].Labels != 1 ||
		tm.Annotators[0].Leased != len(got)-1 || tm.Annotators[0].MedianSeconds != 1.5 || tm.Annotators[0].LastLabelAgoS != 0 {
		t.Errorf("the team: %+v: want bob with 1 label of 1.5 s just now and %d items leased", tm.Annotators, len(got)-1)
	}
	req, _ := http.NewRequest("GET", ts.srv.URL+"/api/export.csv", nil)
	req.Header.Set("Authorization", "Bearer "+ts.tokens["ada"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	want := []string{itoa(held[0].ID), "", "7", "7", "bob", "0", "1.500", r.At, "7", "1"}
	if err != nil || len(rows) != 2 || strings.Join(rows[0], ",") != "item,file,label,class,annotator,round,seconds,at,agreed,trained_in" || !slices.Equal(rows[1], want) {
		t.Errorf("export.csv: %q (%v): want the header and %q", rows, err, want)
	}
}

// TestDisputeDoesNotHoldUp has two people disagree on an overlapped item: the batches go on
// without it (it waits for a third judge), and a third annotator invited later settles it.
func TestDisputeDoesNotHoldUp(t *testing.T) {
	ts := startProject(t, smallSettings(), "ada", "bob")
	truth := ts.p.pool.Labels
	disputed := ts.p.q.rounds[0].items[0].id
	for range 20 {
		for _, who := range []string{"ada", "bob"} {
			for _, it := range ts.work(who, 2) {
				label := int(truth[it.ID])
				if who == "bob" && it.ID == disputed {
					label = (label + 1) % 10
				}
				if st, why := ts.label(who, it.ID, label); st != 200 {
					t.Fatalf("%s labels %d: %d %s", who, it.ID, st, why)
				}
			}
		}
		if ts.p.Settled(1) {
			break
		}
		ts.p.q.mu.Lock()
		latest := len(ts.p.q.rounds) - 1
		ts.p.q.mu.Unlock()
		ts.waitRound(latest)
	}
	if !ts.p.Settled(1) || ts.p.Settled(0) {
		t.Fatalf("round 1 settled %v, round 0 %v: want round 1 done while round 0's dispute waits", ts.p.Settled(1), ts.p.Settled(0))
	}
	tok, err := Invite(ts.path, "cy", false)
	if err != nil {
		t.Fatal(err)
	}
	ts.tokens["cy"] = tok
	got := ts.work("cy", 1)
	if len(got) != 1 || got[0].ID != disputed {
		t.Fatalf("cy, the third, got %v: want the disputed item %d first", got, disputed)
	}
	if st, why := ts.label("cy", disputed, int(truth[disputed])); st != 200 || !ts.p.Settled(0) {
		t.Fatalf("cy settles %d: %d %s; round 0 settled %v", disputed, st, why, ts.p.Settled(0))
	}
}

// TestUnreadable takes an item out with S (-1): it trains nobody, is never asked again, and
// a restart replays it.
func TestUnreadable(t *testing.T) {
	s := smallSettings()
	s.Overlap = 0
	ts := startProject(t, s, "ada")
	truth := ts.p.pool.Labels
	out := -1
	for !ts.p.Settled(0) {
		for _, it := range ts.work("ada", 3) {
			label := int(truth[it.ID])
			if out < 0 {
				out, label = it.ID, Unreadable
			}
			if st, why := ts.label("ada", it.ID, label); st != 200 {
				t.Fatalf("label %d of %d: %d %s", label, it.ID, st, why)
			}
		}
	}
	ts.waitRound(1)
	var final, fed int
	if err := ts.p.db.QueryRow(`SELECT final, fed FROM items WHERE id = ?`, out).Scan(&final, &fed); err != nil || final != Unreadable || fed < 1 {
		t.Fatalf("item %d: final %d, fed %d (%v): want %d, trained on from round 1 or later", out, final, fed, err, Unreadable)
	}
	// The same file opened again replays the take-out — once the running server has written
	// round 1 to it, which it does after the round is queried in memory (a second server
	// reading the file before would publish round 1 again).
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := ts.p.db.QueryRow(`SELECT COUNT(*) FROM rounds WHERE round = 1`).Scan(&n); err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("round 1 was never written to the project file")
		}
	}
	p, err := Open(ts.path, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.restore(t.Context()); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !p.loop.Pool().IsUnreadable(out) {
		t.Errorf("item %d is not out of the replayed pool", out)
	}
}
