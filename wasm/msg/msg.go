// Package msg holds the messages between the page (app.wasm, the go-app UI) and the Web
// Worker that hosts the engine (worker.wasm). They are plain structs, encoded by one codec
// (JSON: Encode and Decode) and sent as strings through postMessage. The package imports
// neither the engine nor syscall/js — only alab/core/curve and alab/core/query/cost, which
// import nothing but the standard library — so both sides link it and it is tested natively.
//
// Strategies is generated from the engine's registry (alab/core/query.Catalog):
//
//go:generate go run ./internal/gen -o strategies.go
package msg

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"alab/core/query/cost"
)

// Kinds of messages. Page → worker: KindInit, KindLabel, KindSubmit, KindModel (a request).
// Worker → page: KindReady, KindProgress, KindBatch, KindAccuracy, KindModel (the reply),
// KindError.
const (
	KindReady    = "ready"    // the worker has started and waits for KindInit
	KindInit     = "init"     // Msg.Init: load the bundle, restore the session, query
	KindLabel    = "label"    // Msg.Labels: a label just given (the worker may train on it)
	KindSubmit   = "submit"   // Msg.Labels and Msg.Settings: the batch is done, query the next
	KindProgress = "progress" // Msg.Stage: what the worker is doing
	KindBatch    = "batch"    // Msg.Batch: a new batch to label
	KindAccuracy = "accuracy" // Msg.Accuracy: the test accuracy of the batch's model
	KindModel    = "model"    // request: none; reply: Msg.Model, the network as .npz
	KindError    = "error"    // Msg.Error: the worker could not do what was asked
	KindInsight  = "insight"  // Msg.Insight: the redundancy map and diagnostics of the batch on screen
	KindRace     = "race"     // request: Msg.Race, run strategies from one initial set; reply: Msg.Rows, one round
	KindRaceDone = "raceDone" // Msg.Stage: the strategy whose race run has finished
	KindProbe    = "probe"    // request: Msg.Probe.Image, a drawn digit; reply: Msg.Probe, what the network makes of it
	KindImport   = "import"   // request: Msg.Import, with the person's image files beside it; reply: Msg.Imported
	// KindImportTest is KindImport for a labelled folder to test on (Import.TestFor).
	KindImportTest = "importTest"
)

// Msg is the one envelope both sides send. Kind says which of the other fields are set.
type Msg struct {
	Kind     string    `json:"kind"`
	Init     *Init     `json:"init,omitempty"`
	Labels   []Label   `json:"labels,omitempty"`
	Settings *Settings `json:"settings,omitempty"`
	Batch    *Batch    `json:"batch,omitempty"`
	Accuracy *Accuracy `json:"accuracy,omitempty"`
	Insight  *Insight  `json:"insight,omitempty"`
	Race     *Race     `json:"race,omitempty"`
	Rows     []Row     `json:"rows,omitempty"`
	Probe    *Probe    `json:"probe,omitempty"`
	Import   *Import   `json:"import,omitempty"`
	Imported *Imported `json:"imported,omitempty"`
	Model    []byte    `json:"model,omitempty"`
	Stage    string    `json:"stage,omitempty"`
	Error    string    `json:"error,omitempty"`
	// Fatal marks an error after which the worker cannot go on: the page restarts it.
	Fatal bool `json:"fatal,omitempty"`
	// Refused marks an init whose saved session the engine refuses (a label or round that is
	// not this pool's): restarting would fail the same way, so the page sets the session
	// aside, offers its labels for export and starts afresh.
	Refused bool `json:"refused,omitempty"`
}

// Encode returns m as the string sent through postMessage.
func Encode(m Msg) string {
	b, err := json.Marshal(m)
	if err != nil {
		// Msg holds only strings, numbers, slices and pointers to such structs.
		panic("msg: " + err.Error())
	}
	return string(b)
}

// Decode parses a string made by Encode. An unknown kind is an error.
func Decode(s string) (Msg, error) {
	var m Msg
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return Msg{}, fmt.Errorf("msg: %w", err)
	}
	switch m.Kind {
	case KindReady, KindInit, KindLabel, KindSubmit, KindProgress, KindBatch, KindAccuracy, KindModel, KindError,
		KindInsight, KindRace, KindRaceDone, KindProbe, KindImport, KindImportTest:
	default:
		return Msg{}, fmt.Errorf("msg: unknown kind %q", m.Kind)
	}
	if m.Kind == KindInit && m.Init == nil {
		return Msg{}, fmt.Errorf("msg: init without its payload")
	}
	if m.Kind == KindBatch && m.Batch == nil {
		return Msg{}, fmt.Errorf("msg: batch without its payload")
	}
	if m.Kind == KindAccuracy && m.Accuracy == nil {
		return Msg{}, fmt.Errorf("msg: accuracy without its payload")
	}
	if m.Kind == KindInsight && m.Insight == nil {
		return Msg{}, fmt.Errorf("msg: insight without its payload")
	}
	if m.Kind == KindProbe && m.Probe == nil {
		return Msg{}, fmt.Errorf("msg: probe without its payload")
	}
	if (m.Kind == KindImport || m.Kind == KindImportTest) && m.Import == nil && m.Imported == nil {
		return Msg{}, fmt.Errorf("msg: import without its payload")
	}
	if m.Kind == KindRace && m.Race == nil && len(m.Rows) == 0 {
		return Msg{}, fmt.Errorf("msg: race without its payload")
	}
	return m, nil
}

// Skip is the label of a digit the person found unreadable: it is never queried again
// and never trained on.
const Skip = -1

// Label is one answer: pool sample ID got Label (0–9, or Skip) in Round. Seconds is how
// long the person took (0 for the seed set, labelled from MNIST's ground truth). A label
// with an Image is a digit the person drew (28×28 pixels, as Item.Image; ID is -1): it
// joins the labelled set from the next round on.
type Label struct {
	ID      int     `json:"id"`
	Label   int     `json:"label"`
	Round   int     `json:"round"`
	Seconds float64 `json:"seconds"`
	Seed    bool    `json:"seed,omitempty"` // labelled from MNIST to start the model
	Image   []byte  `json:"image,omitempty"`
	Name    string  `json:"name,omitempty"` // the file of an image of the person's (Item.Name)
}

// LabClasses bounds the classes of a session on the person's images in the lab, which
// labels from the keys 0 to 9 (alab team takes up to data.MaxClassNames).
const LabClasses = 10

// Import asks the worker to convert the person's image files — sent beside the message, in
// any order — as alab/core/data converts a folder (data.ImageDecoder), and to store them in
// the browser (IndexedDB) as the pool of a session on images, in the order of their names.
type Import struct {
	Classes    string `json:"classes"`              // the class names, comma-separated (data.ParseClasses)
	Background string `json:"background,omitempty"` // "auto" (or ""), "dark" or "light" (data.ParseBackground)
	// TestFor, in a KindImportTest, is the import whose test set the files are: a labelled
	// folder, one subfolder per class, named as the classes.
	TestFor string `json:"testFor,omitempty"`
}

// MaxSkipped bounds the skipped files an Imported lists by name (it counts them all).
const MaxSkipped = 100

// Imported is what an import stored: Images of Files files (the pool, by ID in the order of
// Names), ID naming this import (a session on images names the import it labels), and the
// files skipped, each naming the file and why.
type Imported struct {
	ID      string   `json:"id"`
	Classes []string `json:"classes"`
	Images  int      `json:"images"`
	Files   int      `json:"files"`
	Skipped []string `json:"skipped,omitempty"` // the first MaxSkipped
	Preview [][]byte `json:"preview,omitempty"` // the first images, as the network sees them
	// Test, if not nil, is the labelled folder stored as this import's test set
	// (KindImportTest's reply: its Images and Files, the files it skipped).
	Test *Imported `json:"test,omitempty"`
}

// Probe asks what the network of the batch on screen makes of a drawn digit (Image, 28×28
// pixels as Item.Image), and is the answer: its predictions, scores and adversarial twins.
type Probe struct {
	Image []byte `json:"image"`

	Round   int          `json:"round"` // the network's: batches submitted
	Pred    int          `json:"pred"`  // the most probable class, dropout off
	Softmax []float64    `json:"softmax"`
	Passes  [][]float64  `json:"passes"` // T dropout passes
	Mean    []float64    `json:"mean"`   // their mean
	Std     []float64    `json:"std"`    // and population standard deviation per class
	Scores  []ProbeScore `json:"scores"`
	FGSM    Twin         `json:"fgsm"`
	Deep    Twin         `json:"deepfool"`
	Ms      float64      `json:"ms"`
}

// ProbeScore is one uncertainty score of a probed digit and its rank among the round's Of
// candidates (1: asked about first); Asks says the digit would be in the batch.
type ProbeScore struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Rank  int     `json:"rank"`
	Of    int     `json:"of"`
	Asks  bool    `json:"asks"`
}

// Twin is an adversarial twin: the nearest image found (28×28 bytes) that the network
// predicts as To, at L2 distance Distance (in [0, 1] pixel units); To is -1, Distance 0 and
// Image nil if none was found.
type Twin struct {
	Image    []byte  `json:"image,omitempty"`
	Distance float64 `json:"distance"`
	To       int     `json:"to"`
}

// Settings are the person's controls; they apply from the next round. Zero values mean the
// defaults of Defaults.
type Settings struct {
	Strategy   string `json:"strategy"`   // the Name of one of Strategies
	Batch      int    `json:"batch"`      // digits per batch, 1–100
	MCSamples  int    `json:"mcSamples"`  // T, dropout passes of the MC strategies, 1–100
	PoolSubset int    `json:"poolSubset"` // candidates scored per round, 100 to the pool size
	Seed       uint64 `json:"seed"`       // every random choice of the session
}

// Strategy is a query strategy the page offers (every strategy of alab/core/query): its name
// (Settings.Strategy), a line for a person saying what it asks for, what it needs — Monte-Carlo
// dropout passes (so Settings.MCSamples applies), the network itself (the adversarial searches,
// which search a subset of the candidates) — and what a round of it costs: Ops, the work in
// forward passes of one image through the compact network (see alab/core/query/cost).
type Strategy struct {
	Name       string
	Title      string
	NeedsMC    bool
	NeedsModel bool
	cost.Model
}

// AdversarialCap is how many candidates the adversarial searches (NeedsModel), which run
// the network many times per candidate, score at most in a round of the lab or the race:
// DFAL's 300.
const AdversarialCap = 300

// Candidates is how many of poolSubset candidates s scores in a round.
func (s Strategy) Candidates(poolSubset int) int {
	if s.NeedsModel {
		return min(poolSubset, AdversarialCap)
	}
	return poolSubset
}

// RoundOps is the work of s choosing a batch in one of the lab's rounds at settings set, in
// forward passes of one image through the compact network (cost.Model.Ops).
func (s Strategy) RoundOps(set Settings) float64 {
	set = set.WithDefaults()
	return s.Ops(s.Candidates(set.PoolSubset), set.Batch, set.MCSamples)
}

// strategyNames returns the names of Strategies, in order.
func strategyNames() []string {
	names := make([]string, len(Strategies))
	for i, s := range Strategies {
		names[i] = s.Name
	}
	return names
}

// StrategyNamed returns the strategy of Strategies with the given name.
func StrategyNamed(name string) (Strategy, bool) {
	i := slices.IndexFunc(Strategies, func(s Strategy) bool { return s.Name == name })
	if i < 0 {
		return Strategy{}, false
	}
	return Strategies[i], true
}

// Defaults are the settings of a first visit.
func Defaults() Settings {
	return Settings{Strategy: "margin", Batch: 10, MCSamples: 20, PoolSubset: 2000, Seed: 1}
}

// WithDefaults fills the zero fields of s from Defaults.
func (s Settings) WithDefaults() Settings {
	d := Defaults()
	if s.Strategy == "" {
		s.Strategy = d.Strategy
	}
	if s.Batch == 0 {
		s.Batch = d.Batch
	}
	if s.MCSamples == 0 {
		s.MCSamples = d.MCSamples
	}
	if s.PoolSubset == 0 {
		s.PoolSubset = d.PoolSubset
	}
	if s.Seed == 0 {
		s.Seed = d.Seed
	}
	return s
}

// Validate reports the first setting outside its range.
func (s Settings) Validate() error {
	s = s.WithDefaults()
	_, known := StrategyNamed(s.Strategy)
	switch {
	case !known:
		return fmt.Errorf("msg: unknown strategy %q: want one of %s", s.Strategy, strings.Join(strategyNames(), ", "))
	case s.Batch < 1 || s.Batch > 100:
		return fmt.Errorf("msg: invalid batch size %d: want 1 to 100", s.Batch)
	case s.MCSamples < 1 || s.MCSamples > 100:
		return fmt.Errorf("msg: invalid MC samples %d: want 1 to 100", s.MCSamples)
	case s.PoolSubset < 100:
		return fmt.Errorf("msg: invalid pool subset %d: want at least 100", s.PoolSubset)
	}
	return nil
}

// Init starts (or restarts) the worker's session from what the page saved.
type Init struct {
	Settings Settings `json:"settings"`
	Labels   []Label  `json:"labels"` // every answer so far, seed set included; empty on a first visit
	// Pending are the IDs of the batch on screen (restored from storage): the worker trains
	// on Labels and waits for their labels instead of querying a new batch.
	Pending []int `json:"pending,omitempty"`
	// Round is the number of batches submitted so far.
	Round int `json:"round"`
	// Images, if not nil, makes the session one on the person's images stored by that
	// import, instead of on MNIST: no seed set, round 0 queries at random, every fifth label
	// is held out to estimate the accuracy.
	Images *Imported `json:"images,omitempty"`
}

// Item is one queried digit.
type Item struct {
	ID    int     `json:"id"`             // pool sample ID (its index in the bundle's pool)
	MNIST int     `json:"mnist"`          // its index in MNIST's training set
	Image []byte  `json:"image"`          // 28×28 pixels, row-major, 0 background … 255 ink
	Pred  int     `json:"pred"`           // the model's prediction; -1 before any network (round 0 on images)
	Prob  float64 `json:"prob"`           // the model's probability of Pred
	Score float64 `json:"score"`          // the strategy's score (what ranked it)
	Truth int     `json:"truth"`          // MNIST's label, shown only after the person answered; -1 for an image of the person's
	Name  string  `json:"name,omitempty"` // the file of an image of the person's
	// Adversarial is the perturbed twin (fgsm, deepfool) that changes the prediction to
	// AdvPred, at L2 distance Score; nil if none.
	Adversarial []byte `json:"adv,omitempty"`
	AdvPred     int    `json:"advPred,omitempty"`
}

// Timings of a round, in milliseconds.
type Timings struct {
	Train    float64 `json:"train"`
	Evaluate float64 `json:"evaluate"`
	Score    float64 `json:"score"`
	Select   float64 `json:"select"`
	Total    float64 `json:"total"`
}

// Ms converts a duration to milliseconds.
func Ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Batch is a round's result: the model trained on Labelled labels, its accuracy on the
// bundle's test digits, and the next digits to label.
type Batch struct {
	Round    int      `json:"round"` // batches submitted before this one
	Labelled int      `json:"labelled"`
	Accuracy float64  `json:"accuracy"`
	TestSize int      `json:"testSize"`
	Strategy string   `json:"strategy"`
	Items    []Item   `json:"items"`
	Seeded   []Label  `json:"seeded,omitempty"` // the seed set, on a first visit
	Timings  Timings  `json:"timings"`
	PoolSize int      `json:"poolSize"`
	Notes    []string `json:"notes,omitempty"` // e.g. a setting that was adjusted
	// Restored is true when Items are the pending batch of a restored session.
	Restored bool `json:"restored,omitempty"`
}

// Accuracy is the test accuracy of the network that queried batch Round, trained on
// Labelled labels, measured on TestSize digits in Ms milliseconds.
type Accuracy struct {
	Round    int     `json:"round"`
	Labelled int     `json:"labelled"`
	Accuracy float64 `json:"accuracy"`
	TestSize int     `json:"testSize"`
	Ms       float64 `json:"ms"`
	// PassMs is how long one forward pass of one digit takes on this device, in milliseconds:
	// Ms over TestSize, or measured on a few test digits when the accuracy was known ahead
	// of time (the shipped first network's). It is the unit of the strategies' cost models
	// (Strategy.Ops): their work times PassMs is what a round of them costs here.
	PassMs float64 `json:"passMs,omitempty"`
	// HeldOut marks an estimate on TestSize labels of the person's held out of training
	// (on images without a test set), Accuracy with its 95 % Wilson interval [Low, High].
	HeldOut bool    `json:"heldOut,omitempty"`
	Low     float64 `json:"low,omitempty"`
	High    float64 `json:"high,omitempty"`
}
