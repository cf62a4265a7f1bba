package ui

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"alab/core/active"
	"alab/wasm/msg"
)

// mnistLab is a lab on MNIST over base with its first batch on screen.
func mnistLab(base *memStore, sent *[]msg.Msg) *labModel {
	m := testLab(labStore(base), sent)
	m.starting(false)
	m.receive(msg.Msg{Kind: msg.KindReady})
	m.receive(msg.Msg{Kind: msg.KindBatch, Batch: batch(0, 3)})
	return m
}

// imagesBatch is a batch of n of the person's images, as the worker sends it in round 0.
func imagesBatch(round, n int) *msg.Batch {
	b := &msg.Batch{Round: round, Strategy: "random"}
	for i := range n {
		id := 10*round + i
		b.Items = append(b.Items, msg.Item{ID: id, MNIST: -1, Truth: -1, Pred: -1, Image: make([]byte, 784), Name: "holiday/IMG_" + string(rune('a'+id%26)) + ",1.png"})
	}
	return b
}

// An import becomes a session on images under keys of its own, shown from the next load;
// MNIST's session stays; labels beyond the classes are refused; the session's init names the
// import; the exports name each file and its class; a reload restores it all; and the way
// back to MNIST finds MNIST's session again.
func TestLabOnImages(t *testing.T) {
	base := &memStore{m: map[string]string{}}
	var sent []msg.Msg
	mnist := mnistLab(base, &sent)
	mnistSaved := base.m[sessionKey]

	im := &msg.Imported{ID: "1-40", Classes: []string{"cat", "dog", "bird"}, Images: 38, Files: 40, Skipped: []string{"a.txt: not a PNG, JPEG or GIF image", "b.png: corrupt PNG image"}}
	if !mnist.useImages(base, im) {
		t.Fatal(mnist.errText)
	}
	if base.m[datasetKey] != datasetImages || base.m[sessionKey] != mnistSaved || base.m["alab/images/session"] == "" {
		t.Fatalf("after the import the storage holds %v: want the images' session beside MNIST's, and the dataset switched", keys(base.m))
	}

	sent = nil
	m := testLab(labStore(base), &sent)
	if m.s.Images == nil || m.s.Images.ID != "1-40" || len(m.s.Labels) != 0 {
		t.Fatalf("the reloaded lab shows %+v: want a new session on import 1-40", m.s)
	}
	if got := poolText(m.s); got != "The pool holds your 38 images." || m.s.Settings.PoolSubset != 100 {
		t.Errorf("pool %q, candidates %d: want the person's 38 images, 100 candidates (the least)", got, m.s.Settings.PoolSubset)
	}
	if otherSession(base, true) != "Back to MNIST" {
		t.Errorf("the switch reads %q: want Back to MNIST", otherSession(base, true))
	}
	m.starting(false)
	m.receive(msg.Msg{Kind: msg.KindReady})
	if len(sent) != 1 || sent[0].Init.Images == nil || sent[0].Init.Images.ID != "1-40" {
		t.Fatalf("init %+v: want it to name the import", sent)
	}
	m.receive(msg.Msg{Kind: msg.KindBatch, Batch: imagesBatch(0, 4)})
	m.answer(3)
	if m.s.Answers[0] != noAnswer || !strings.Contains(m.errText, "no class 3: the classes are 0 to 2 (cat, dog, bird)") {
		t.Errorf("label 3 of 3 classes: answers %v, message %q: want it refused", m.s.Answers, m.errText)
	}
	for _, a := range []int{2, 0, msg.Skip, 1} {
		m.answer(a)
	}
	if c := cards(m, digitImages{}); c[0].Answer != "bird" || c[1].Pred != "model: none yet" {
		t.Errorf("cards %+v: want class names and no prediction yet", c[:2])
	}
	m.submit()
	m.receive(msg.Msg{Kind: msg.KindAccuracy, Accuracy: &msg.Accuracy{Round: 1, Labelled: 3, Accuracy: 0.5, TestSize: 2, HeldOut: true, Low: 0.1, High: 0.9}})
	if got := accuracyLabel(m.s.History, true); got != "held-out accuracy (95 %: 10–90 %, on 2 of your labels)" {
		t.Errorf("accuracy label %q", got)
	}
	if s := person(m.s); s.Agree != "" || len(m.s.Disagreements) != 0 || m.s.Compared != 0 {
		t.Errorf("agreement %q, %d disagreements, %d compared: want none (no ground truth)", s.Agree, len(m.s.Disagreements), m.s.Compared)
	}

	again := testLab(labStore(base), &sent)
	if len(again.s.Labels) != 4 || again.s.Labels[0].Name != "holiday/IMG_a,1.png" {
		t.Fatalf("reloaded labels %+v: want the four answers with their files", again.s.Labels)
	}
	rows, err := csv.NewReader(strings.NewReader(string(labelsCSV(again.s).data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"file", "label", "class", "round", "seconds", "source"}, {"holiday/IMG_a,1.png", "2", "bird", "1", "1.5", "person"}}
	if len(rows) != 5 || strings.Join(rows[0], "|") != strings.Join(want[0], "|") || strings.Join(rows[1], "|") != strings.Join(want[1], "|") || rows[3][1] != "skip" {
		t.Errorf("CSV %q: want a row per label naming its file and class", rows)
	}
	var j struct {
		Classes []string `json:"classes"`
		Labels  []struct {
			File, Class string
			Label       *int
		} `json:"labels"`
	}
	if err := json.Unmarshal(labelsJSON(again.s).data, &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Classes) != 3 || len(j.Labels) != 4 || j.Labels[1].File != "holiday/IMG_b,1.png" || j.Labels[1].Class != "cat" || *j.Labels[1].Label != 0 {
		t.Errorf("JSON %+v: want the classes and each label's file and class", j)
	}

	if !again.useDataset(base, false) {
		t.Fatal(again.errText)
	}
	back := testLab(labStore(base), &sent)
	if back.s.Images != nil || len(back.s.Labels) != len(mnist.s.Labels) || otherSession(base, false) != "Back to your images" {
		t.Errorf("back on MNIST: %+v, switch %q: want MNIST's session and the way back to the images", back.s, otherSession(base, false))
	}

	// A second import sets the first aside, labels and all.
	if !back.useImages(base, &msg.Imported{ID: "2-20", Classes: []string{"a", "b"}, Images: 20, Files: 20}) {
		t.Fatal(back.errText)
	}
	aside := 0
	for k := range base.m {
		if strings.HasPrefix(k, "alab/images/set-aside/") {
			aside++
		}
	}
	if aside != 1 {
		t.Errorf("storage %v: want the session on the replaced images set aside", keys(base.m))
	}
}

// A saved session on images is checked against its import: labels beyond its classes, IDs
// beyond its images, MNIST digits in its batch and drawings are refused.
func TestImagesSessionCheck(t *testing.T) {
	good := func() *session {
		s := newSession(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		s.Images = &msg.Imported{ID: "1", Classes: []string{"a", "b"}, Images: 50, Files: 50}
		s.Labels = []msg.Label{{ID: 49, Label: 1, Round: 1}}
		s.Round = 1
		return s
	}
	if err := good().check(); err != nil {
		t.Fatalf("a valid session: %v", err)
	}
	for name, spoil := range map[string]func(*session){
		"label beyond the classes": func(s *session) { s.Labels[0].Label = 2 },
		"ID beyond the images":     func(s *session) { s.Labels[0].ID = 50 },
		"one class":                func(s *session) { s.Images.Classes = s.Images.Classes[:1] },
		"eleven classes":           func(s *session) { s.Images.Classes = strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",") },
		"more images than files":   func(s *session) { s.Images.Files = 10 },
		"an MNIST digit":           func(s *session) { s.Batch = batch(1, 1); s.Answers = []int{noAnswer}; s.Seconds = []float64{0} },
		"a drawing":                func(s *session) { s.Drawn = []msg.Label{{ID: drawnID, Label: 1, Round: 2, Image: make([]byte, 784)}} },
	} {
		s := good()
		spoil(s)
		if err := s.check(); err == nil {
			t.Errorf("%s: accepted, want refused", name)
		}
	}
}

func TestHeldOutEveryIsTheEngines(t *testing.T) {
	if heldOutEvery != active.HeldOutEvery {
		t.Errorf("the page says every %dth label is held out, the engine holds out every %dth", heldOutEvery, active.HeldOutEvery)
	}
}

// A session on images the engine refuses (its images are gone from the browser) is set
// aside, labels and all, and the lab goes back to MNIST's session, saying why.
func TestLabLeavesRefusedImages(t *testing.T) {
	base := &memStore{m: map[string]string{}}
	var sent []msg.Msg
	mnist := mnistLab(base, &sent)
	if !mnist.useImages(base, &msg.Imported{ID: "1-40", Classes: []string{"a", "b"}, Images: 40, Files: 40}) {
		t.Fatal(mnist.errText)
	}
	m := testLab(labStore(base), &sent)
	m.starting(false)
	m.receive(msg.Msg{Kind: msg.KindReady})
	m.receive(msg.Msg{Kind: msg.KindBatch, Batch: imagesBatch(0, 2)})
	m.answer(1)
	m.answer(0)
	m.submit()
	if !m.refused("this browser does not hold the images of import 1-40, which these labels are of") {
		t.Fatal("a refused session on images with labels: want it set aside and a restart")
	}
	m.leaveImages(base)
	aside := ""
	for k, v := range base.m {
		if strings.HasPrefix(k, "alab/images/set-aside/") {
			aside = v
		}
	}
	_, left := base.m["alab/images/session"]
	if m.s.Images != nil || m.s.Batch == nil || base.m[datasetKey] != "mnist" || left || !strings.Contains(aside, `"name":"holiday/IMG_a,1.png"`) {
		t.Errorf("after the refusal: images %v, batch %v, dataset %q, images session left %v, set aside %.80q: want MNIST's session back and the images' set aside",
			m.s.Images, m.s.Batch != nil, base.m[datasetKey], left, aside)
	}
	if !strings.Contains(m.notice, "does not hold the images") || !strings.Contains(m.notice, "Back on MNIST") || m.aside == nil {
		t.Errorf("notice %q, aside %v: want why, where the labels went, and their export", m.notice, m.aside != nil)
	}
}

// A labelled test folder becomes the session's test set: kept over a reload, only for its
// own import, and the accuracy then reads as measured on it.
func TestLabTestFolder(t *testing.T) {
	base := &memStore{m: map[string]string{}}
	var sent []msg.Msg
	if !testLab(labStore(base), &sent).useImages(base, &msg.Imported{ID: "1-40", Classes: []string{"a", "b"}, Images: 40, Files: 40}) {
		t.Fatal("import refused")
	}
	m := testLab(labStore(base), &sent)
	m.s.History = []msg.Accuracy{{Round: 1, Labelled: 10, Accuracy: 0.5, TestSize: 2, HeldOut: true}}
	if m.useTest(&msg.Imported{ID: "other", Images: 5, Files: 5}) || m.s.Images.Test != nil {
		t.Error("a test folder of another import: taken, want refused")
	}
	if !m.useTest(&msg.Imported{ID: "1-40", Classes: []string{"a", "b"}, Images: 9, Files: 10, Skipped: []string{"x/c/1.png: class folder \"c\" is not one of the classes (a, b)"}}) {
		t.Fatal(m.errText)
	}
	again := testLab(labStore(base), &sent)
	if again.s.Images.Test == nil || again.s.Images.Test.Images != 9 || len(again.s.History) != 0 {
		t.Fatalf("after a reload: test %+v, history %v: want the test folder kept and the curve started again", again.s.Images.Test, again.s.History)
	}
	if s := importSummary(again.s.Images); !strings.Contains(s, "Tested on 9 labelled images of yours (1 of 10 files skipped: x/c/1.png: class folder") {
		t.Errorf("summary %q: want the test folder and what it skipped", s)
	}
	h := []msg.Accuracy{{Round: 2, Labelled: 20, Accuracy: 0.75, TestSize: 9}}
	if got := accuracyLabel(h, true); got != "test accuracy on 9 labelled images of yours" {
		t.Errorf("accuracy label %q", got)
	}
}

// On the person's images the batch's histogram has a pair of bars per class, named.
func TestHistogramOfClasses(t *testing.T) {
	svg := histSVG([10]int{2, 0, 1}, [10]int{1, 1, 1}, []string{"cat", "dog", "bird"}, 300)
	for _, want := range []string{">cat<", ">dog<", ">bird<", "cat: 2"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the histogram lacks %q", want)
		}
	}
	if strings.Contains(svg, ">9<") {
		t.Error("the histogram of three classes draws the digits' ten")
	}
	if got := lastLabelsText([10]int{2, 0, 1}, []string{"cat", "dog", "bird"}); !strings.Contains(got, "2×cat 1×bird") {
		t.Errorf("last labels %q: want them by class name", got)
	}
}
