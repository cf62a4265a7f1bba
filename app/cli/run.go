package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"alab/core/active"
	"alab/core/curve"
	"alab/core/experiment"
	"alab/core/gemm"
	"alab/core/nn"
	"alab/core/query"
	"alab/core/train"
)

// sweepFlags are the flags that describe a sweep, which --spec replaces as a whole.
var sweepFlags = []string{
	"strategies", "arch", "init", "init-balanced", "batch", "rounds", "budget", "repeats", "seed",
	"pool-subset", "mc-samples", "epochs", "steps", "train-batch", "lr", "warm-start", "test-limit",
	"dfal-augment",
}

func runRun(args []string, out, errOut io.Writer) error {
	fs := newFlags("run")
	strategies := fs.Names("strategies", []string{"random", "least-confidence"}, "comma-separated strategies: "+strings.Join(query.Names(), ", "))
	arch := fs.arch()
	initSize := fs.count("init", 20, "initial labelled set size, at most the pool (0: 20)")
	balanced := fs.Bool("init-balanced", false, "class-balanced initial set (init/10 per class)")
	batches := fs.Ints("batch", []int{10}, 1, active.MaxBatch, "samples queried per round; a list sweeps batch sizes")
	rounds := fs.Int("rounds", 0, 0, experiment.MaxRounds, "queries per run (exclusive with --budget)")
	budget := fs.count("budget", 0, "labels at which each run stops (0: init + 10 rounds)")
	repeats := fs.Int("repeats", 1, 1, experiment.MaxRepeats, "repeats per strategy and batch size (seeds seed, seed+1, ...)")
	seed := fs.seed("seed of repeat 0")
	subset := fs.count("pool-subset", 0, "score a random subset of this many unlabelled samples per round, at least the batch (0: all)")
	mc := fs.Int("mc-samples", 20, 1, active.MaxMCSamples, "stochastic passes for MC-dropout strategies")
	epochs := fs.Int("epochs", 0, 0, train.MaxEpochs, "training epochs per round (exclusive with --steps)")
	steps := fs.Int("steps", 0, 0, train.MaxSteps, "training steps per round (0: 300 when --epochs is not given)")
	trainBatch := fs.trainBatch("train-batch", 32, "training batch size")
	lr := fs.Float("lr", 0.001, 0, train.MaxLR, "learning rate of Adam (0: 0.001)")
	warm := fs.Bool("warm-start", false, "keep the weights between rounds instead of retraining from scratch")
	testLimit := fs.count("test-limit", 0, "evaluate on the first N test images (0: all 10,000)")
	augment := fs.Bool("dfal-augment", false, "fgsm/deepfool: also train on each queried image's adversarial twin, with its label")
	specPath := fs.String("spec", "", "read the sweep from this JSON file instead of the flags above")
	outDir := fs.String("out", "", "directory for curves.csv, summary.json and curves.svg (required)")
	shard := fs.String("shard", "", "run only shard i of n of the sweep, as i/n (join the outputs with alab merge)")
	shards := fs.Int("shards", 0, 0, experiment.MaxRuns, "run only shard $"+indexEnv+" of this many (a Kubernetes Indexed Job sets it; 0: no shards)")
	workers := fs.Int("workers", 0, 0, maxThreads, "runs in parallel (0: one per core)")
	dataFlags := fs.data()
	if err := fs.parse(args, errOut); err != nil {
		return err
	}
	if *outDir == "" {
		return fmt.Errorf("%w: --out is required", errUsage)
	}
	var spec experiment.Spec
	if *specPath != "" {
		var clash []string
		fs.Visit(func(f *flag.Flag) {
			for _, s := range sweepFlags {
				if f.Name == s {
					clash = append(clash, "--"+s)
				}
			}
		})
		if len(clash) > 0 {
			return fmt.Errorf("%w: --spec replaces %s: give one or the other", errUsage, strings.Join(clash, ", "))
		}
		f, err := os.Open(*specPath)
		if err != nil {
			return err
		}
		spec, err = experiment.ReadSpec(f)
		f.Close()
		if err != nil {
			return err
		}
	} else {
		if *epochs > 0 && *steps > 0 {
			return fmt.Errorf("%w: --epochs and --steps: give one", errUsage)
		}
		if *epochs == 0 && *steps == 0 {
			*steps = 300
		}
		spec = experiment.Spec{
			Strategies: *strategies, Batches: *batches, Repeats: *repeats, Seed: *seed,
			Arch: *arch, Init: *initSize, InitBalanced: *balanced, Rounds: *rounds, Budget: *budget,
			PoolSubset: *subset, MCSamples: *mc, WarmStart: *warm, TestLimit: *testLimit,
			DFALAugment: *augment,
		}
		spec.Train.Epochs, spec.Train.Steps, spec.Train.Batch, spec.Train.LR = *epochs, *steps, *trainBatch, *lr
	}
	if err := spec.Check(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	runs := spec.Runs()
	if *shard != "" || *shards > 0 {
		i, n, err := shardOf(*shard, *shards)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if runs, err = experiment.Shard(runs, i, n); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	pool, test, classes, err := dataFlags.load(errOut)
	if err != nil {
		return err
	}
	// The data decide the classes; a spec may name them only to agree.
	if spec.Classes != 0 && spec.Classes != classes {
		return fmt.Errorf("%w: the spec's %d classes: the data have %d", errUsage, spec.Classes, classes)
	}
	if classes != nn.Classes {
		spec.Classes = classes
	}
	if err := spec.Validate(pool.N); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}

	// Runs go in parallel, one per core; the matrix products of each take the cores left.
	n := *workers
	if n == 0 {
		n = runtime.NumCPU()
	}
	n = max(1, min(n, len(runs)))
	gemm.SetThreads(max(1, runtime.NumCPU()/n))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := newBar(errOut, "runs")
	rows, err := experiment.Execute(ctx, spec, runs, pool, test, n, func(done int) { bar.progress(done, len(runs), -1) })
	bar.finish()
	if err != nil {
		return err
	}
	return writeResults(*outDir, spec, rows, out)
}

// writeResults writes curves.csv, summary.json and curves.svg into dir and says so.
func writeResults(dir string, spec experiment.Spec, rows []curve.Row, out io.Writer) error {
	if err := writeFile(filepath.Join(dir, "curves.csv"), func(w io.Writer) error { return curve.WriteCSV(w, rows) }); err != nil {
		return err
	}
	summary := experiment.Summarize(rows)
	if err := writeFile(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Spec       experiment.Spec      `json:"spec"`
			Strategies []experiment.Summary `json:"strategies"`
		}{spec, summary})
	}); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "curves.svg"), func(w io.Writer) error { return plotCurves(w, rows) }); err != nil {
		return err
	}
	for _, s := range summary {
		fmt.Fprintf(out, "%-20s batch %4d: final accuracy %.4f ± %.4f at %d labels, AUC %.4f",
			s.Strategy, s.BatchSize, s.FinalAccuracy.Mean, s.FinalAccuracy.Std, s.FinalLabelled, s.AUC.Mean)
		for _, th := range experiment.Thresholds {
			k := strconv.FormatFloat(th, 'f', 2, 64)
			if st := s.LabelsToReach[k]; st.N > 0 {
				fmt.Fprintf(out, ", %s%% at %.0f", k[2:], st.Mean)
			}
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "wrote %s\n", filepath.Join(dir, "{curves.csv,summary.json,curves.svg}"))
	return nil
}

// writeFile writes path whole or not at all: into a temporary file beside it, renamed over
// it once complete. A shard that is retried (a Job's pod restarted) so replaces its files
// instead of leaving a mix.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// runMerge joins the outputs of sharded runs into one result. Every shard must hold a
// curves.csv and a summary.json of the same spec, each shard directory is given once, and no
// run (strategy, batch size, repeat) may come from two shards or lie outside the spec.
func runMerge(args []string, out, errOut io.Writer) error {
	fs := newFlags("merge")
	outDir := fs.String("out", "", "directory for the merged curves.csv, summary.json and curves.svg (required)")
	if err := fs.parseSome(args, errOut); err != nil {
		return err
	}
	dirs := fs.Args()
	if *outDir == "" || len(dirs) == 0 {
		return fmt.Errorf("%w: want --out DIR and at least one shard directory", errUsage)
	}
	var rows []curve.Row
	var spec experiment.Spec
	seenDir := map[string]string{}
	inSpec := map[experiment.Run]bool{}
	from := map[experiment.Run]string{} // each run's shard
	for i, d := range dirs {
		key, err := filepath.Abs(d)
		if err == nil {
			key, err = filepath.EvalSymlinks(key)
		}
		if err != nil {
			return fmt.Errorf("shard %s: %w", d, err)
		}
		if prev, ok := seenDir[key]; ok {
			return fmt.Errorf("%w: shard %s is given twice (as %s and %s)", errUsage, key, prev, d)
		}
		seenDir[key] = d
		s, err := readSummarySpec(filepath.Join(d, "summary.json"))
		if err != nil {
			return err
		}
		if i == 0 {
			spec = s
			for _, run := range spec.Runs() {
				inSpec[run] = true
			}
		} else if diff := specDiff(spec, s); diff != "" {
			return fmt.Errorf("shard %s is of another sweep than %s: %s", d, dirs[0], diff)
		}
		f, err := os.Open(filepath.Join(d, "curves.csv"))
		if err != nil {
			return err
		}
		r, err := curve.ReadCSV(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
		mine := map[experiment.Run]bool{}
		for _, row := range r {
			run := experiment.Run{Strategy: row.Strategy, Batch: row.BatchSize, Repeat: row.Repeat}
			if mine[run] {
				continue
			}
			if !inSpec[run] {
				return fmt.Errorf("shard %s: run %s, batch %d, repeat %d is not in its spec", d, run.Strategy, run.Batch, run.Repeat)
			}
			if prev, ok := from[run]; ok {
				return fmt.Errorf("shards %s and %s overlap: both hold %s, batch %d, repeat %d", prev, d, run.Strategy, run.Batch, run.Repeat)
			}
			mine[run], from[run] = true, d
		}
		rows = append(rows, r...)
	}
	experiment.SortRows(rows, spec.Strategies)
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	return writeResults(*outDir, spec, rows, out)
}

// readSummarySpec reads the spec back from a summary.json written by writeResults, refusing
// a file that is not one JSON object with a spec and its strategies' summaries.
func readSummarySpec(path string) (experiment.Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return experiment.Spec{}, err
	}
	var s struct {
		Spec       *json.RawMessage      `json:"spec"`
		Strategies *[]experiment.Summary `json:"strategies"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return experiment.Spec{}, fmt.Errorf("%s: corrupt summary: %w", path, err)
	}
	if dec.More() {
		return experiment.Spec{}, fmt.Errorf("%s: corrupt summary: data after the object", path)
	}
	if s.Spec == nil || s.Strategies == nil {
		return experiment.Spec{}, fmt.Errorf("%s: corrupt summary: want the keys spec and strategies", path)
	}
	spec, err := experiment.ReadSpec(bytes.NewReader(*s.Spec))
	if err != nil {
		return experiment.Spec{}, fmt.Errorf("%s: corrupt summary: %w", path, err)
	}
	if err := spec.Check(); err != nil {
		return experiment.Spec{}, fmt.Errorf("%s: corrupt summary: %w", path, err)
	}
	return spec, nil
}

// specDiff names the first field (a JSON key of Spec) in which a and b differ, or returns "".
func specDiff(a, b experiment.Spec) string {
	if reflect.DeepEqual(a, b) {
		return ""
	}
	var ma, mb map[string]json.RawMessage
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	json.Unmarshal(ja, &ma)
	json.Unmarshal(jb, &mb)
	keys := make([]string, 0, len(ma)+len(mb))
	for k := range ma {
		keys = append(keys, k)
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !bytes.Equal(ma[k], mb[k]) {
			return fmt.Sprintf("%s is %s, not %s", k, orNone(mb[k]), orNone(ma[k]))
		}
	}
	return "the specs differ"
}

func orNone(b json.RawMessage) string {
	if b == nil {
		return "unset"
	}
	return string(b)
}

// indexEnv is where a Kubernetes Indexed Job gives each pod its index.
const indexEnv = "JOB_COMPLETION_INDEX"

// shardOf returns the shard i of n to run: from --shard i/n, or from --shards n and the index
// in $JOB_COMPLETION_INDEX.
func shardOf(shard string, shards int) (int, int, error) {
	switch {
	case shard != "" && shards > 0:
		return 0, 0, fmt.Errorf("--shard and --shards: give one")
	case shard != "":
		return parseShard(shard)
	}
	v, ok := os.LookupEnv(indexEnv)
	if !ok {
		return 0, 0, fmt.Errorf("--shards %d takes the shard's index from $%s, which is not set: run it as a Kubernetes Indexed Job, or give --shard i/n", shards, indexEnv)
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || i < 0 || i >= shards {
		return 0, 0, fmt.Errorf("$%s is %q: want an index from 0 to %d for --shards %d", indexEnv, v, shards-1, shards)
	}
	return i, shards, nil
}

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("invalid --shard %q: want i/n, as 0/4", s)
	}
	return i, n, nil
}
