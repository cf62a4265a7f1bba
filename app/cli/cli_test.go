//go:build !wasm

package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"alab/core/curve"
	"alab/core/experiment"
)

// fixture is the directory of the few hundred real MNIST digits kept for tests.
const fixture = "../../testdata/mnist-small"

// alab runs the command line in-process and returns its exit status, stdout and stderr.
func alab(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestTrainThenEval(t *testing.T) {
	model := filepath.Join(t.TempDir(), "m.npz")
	train := func() trainReport {
		code, out, errOut := alab("train", "--data", fixture, "--epochs", "5", "--batch", "32", "--lr", "0.003", "--seed", "4", "--json", "--out", model)
		if code != 0 {
			t.Fatalf("train exited %d: %s", code, errOut)
		}
		var r trainReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("train --json printed %q: %v", out, err)
		}
		return r
	}
	r := train()
	if r.TrainImages != 500 || r.TestAccuracy < 0.7 || r.TestAccuracy > 1 || r.TrainSeconds <= 0 || r.ImagesPerSecond <= 0 {
		t.Errorf("train report %+v: want 500 images, accuracy in [0.7, 1], positive timings", r)
	}
	if again := train(); again.TestAccuracy != r.TestAccuracy || again.FinalLoss != r.FinalLoss {
		t.Errorf("same seed, different results: accuracy %v then %v, loss %v then %v", r.TestAccuracy, again.TestAccuracy, r.FinalLoss, again.FinalLoss)
	}
	code, out, errOut := alab("eval", "--data", fixture, "--model", model, "--json")
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, errOut)
	}
	var e evalReport
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if e.TestAccuracy != r.TestAccuracy || e.Arch != "compact" || e.TestImages != 200 {
		t.Errorf("eval report %+v: want the accuracy train reported (%v) on 200 compact test images", e, r.TestAccuracy)
	}
}

func TestBadCommandLines(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.npz")
	os.WriteFile(garbage, []byte("this is not a zip archive"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"fly"}, 2, `alab: unknown command "fly": want train, eval, run, merge, serve, export-static or team`},
		{[]string{"train", "--epochs", "0"}, 2, `alab train: invalid value "0" for flag -epochs: want an integer from 1 to 1000`},
		{[]string{"train", "--batch", "x"}, 2, `alab train: invalid value "x" for flag -batch`},
		{[]string{"train", "--lr", "-1"}, 2, `alab train: invalid value "-1" for flag -lr: want a number from 0 to 10`},
		{[]string{"train", "--arch", "vgg"}, 2, `alab train: nn: unknown architecture "vgg": want one of compact, gal`},
		{[]string{"train", "--nope"}, 2, "alab train: flag provided but not defined: -nope"},
		{[]string{"train", "extra"}, 2, `alab train: unexpected argument "extra"`},
		{[]string{"train", "--out", filepath.Join(dir, "no", "m.npz")}, 2, "directory " + filepath.Join(dir, "no") + " does not exist"},
		{[]string{"train", "--data", empty}, 1, "alab train: data: "},
		{[]string{"eval"}, 2, "alab eval: --model is required"},
		{[]string{"eval", "--model", filepath.Join(dir, "missing.npz")}, 1, "no such file or directory"},
		{[]string{"eval", "--model", garbage}, 1, "garbage.npz: npz: "},
		{[]string{"eval", "--model", dir}, 1, "is a directory: want an .npz file"},
		{[]string{"run", "--data", fixture}, 2, "alab run: --out is required"},
		{[]string{"run", "--data", fixture, "--out", dir, "--strategies", "random,oracle"}, 2, `unknown strategy "oracle"`},
		{[]string{"run", "--data", fixture, "--out", dir, "--shard", "3/2"}, 2, "invalid shard 3/2"},
		{[]string{"run", "--data", fixture, "--out", dir, "--shard", "half"}, 2, `invalid --shard "half": want i/n`},
		{[]string{"run", "--data", fixture, "--out", dir, "--batch", "10,x"}, 2, `invalid value "10,x" for flag -batch: "x": want integers from 1 to 10000`},
		{[]string{"run", "--data", fixture, "--out", dir, "--batch", "10,10"}, 2, "10 is listed twice"},
		{[]string{"run", "--data", fixture, "--out", dir, "--strategies", "random,"}, 2, `an empty name in "random,"`},
		{[]string{"run", "--data", fixture, "--out", dir, "--strategies", "margin,margin"}, 2, `"margin" is listed twice`},
		{[]string{"run", "--data", fixture, "--out", dir, "--batch", "20", "--pool-subset", "10"}, 2, "pool subset 10 is below the batch size 20"},
		{[]string{"run", "--data", fixture, "--out", dir, "--rounds", "10000", "--batch", "10000"}, 2, "active: invalid budget 100000020: want 20 (the initial set) to 10000000"},
		{[]string{"run", "--data", fixture, "--out", dir, "--repeats", "1000", "--batch", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51"}, 2, "runs: want at most 100000"},
		{[]string{"run", "--out", dir, "--spec", garbage, "--repeats", "3"}, 2, "--spec replaces --repeats"},
		{[]string{"run", "--data", fixture, "--out", dir, "--spec", garbage}, 1, "experiment: reading spec"},
		{[]string{"merge", "--out", dir}, 2, "want --out DIR and at least one shard directory"},
		{[]string{"merge", "--out", dir, empty}, 1, "summary.json: no such file"},
		{[]string{"team", "fly"}, 2, `alab team: unknown subcommand "fly": want init, invite, revoke or serve`},
		{[]string{"team", "init"}, 2, "alab team: --db FILE is required"},
		{[]string{"team", "init", "--db", filepath.Join(dir, "t.sqlite"), "--lease", "0s"}, 2, "alab team: invalid --lease 0s: want 1s to 24h"},
		{[]string{"team", "init", "--db", filepath.Join(dir, "t.sqlite"), "--data", fixture, "--overlap", "2"}, 2, `alab team: invalid value "2" for flag -overlap: want a number from 0 to 1`},
		{[]string{"team", "init", "--db", filepath.Join(dir, "t.sqlite"), "--data", fixture, "--strategy", "oracle"}, 1, `unknown strategy "oracle"`},
		{[]string{"team", "init", "--db", garbage, "--data", fixture}, 1, "garbage.npz exists: a project is never overwritten"},
		{[]string{"team", "invite", "--db", garbage}, 2, "alab team: want one NAME, got 0"},
		{[]string{"team", "invite", "--db", garbage, "bob"}, 1, "garbage.npz is not a team project"},
		{[]string{"team", "serve", "--db", filepath.Join(dir, "none.sqlite")}, 1, "none.sqlite: no such project"},
	} {
		code, out, errOut := alab(c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("alab %s: exit %d, stderr %q, stdout %q; want exit %d and an error containing %q",
				strings.Join(c.args, " "), code, errOut, out, c.code, c.want)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("alab %s: error is not one line: %q", strings.Join(c.args, " "), errOut)
		}
	}
}

// withoutTimings reads a curves.csv and blanks the wall-time columns, which differ run to run.
func withoutTimings(t *testing.T, path string) []curve.Row {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := curve.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i].TrainSeconds, rows[i].ScoreSeconds, rows[i].SelectSeconds = 0, 0, 0
	}
	return rows
}

func TestRunShardsMerge(t *testing.T) {
	dir := t.TempDir()
	sweep := []string{"run", "--data", fixture, "--strategies", "random,margin", "--init", "10", "--batch", "5",
		"--rounds", "2", "--repeats", "2", "--pool-subset", "60", "--steps", "10", "--test-limit", "100"}
	whole, a, b, merged := filepath.Join(dir, "whole"), filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "merged")
	for _, args := range [][]string{
		append(sweep, "--out", whole),
		append(sweep, "--out", a, "--shard", "0/2"),
		append(sweep, "--out", b, "--shard", "1/2"),
		{"merge", "--out", merged, a, b},
	} {
		if code, _, errOut := alab(args...); code != 0 {
			t.Fatalf("alab %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
	}
	want := withoutTimings(t, filepath.Join(whole, "curves.csv"))
	if len(want) != 2*2*3 {
		t.Fatalf("%d rows, want 2 strategies × 2 repeats × 3 rounds", len(want))
	}
	if got := withoutTimings(t, filepath.Join(merged, "curves.csv")); !reflect.DeepEqual(got, want) {
		t.Errorf("merged shards differ from the whole sweep:\n%v\n%v", got, want)
	}
	for _, name := range []string{"summary.json", "curves.svg"} {
		b, err := os.ReadFile(filepath.Join(merged, name))
		if err != nil || len(b) < 100 {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	// What does not belong together is refused, naming it.
	other := filepath.Join(dir, "other")
	if code, _, errOut := alab(append(slices.Clone(sweep), "--out", other, "--shard", "1/2", "--seed", "9")...); code != 0 {
		t.Fatal(errOut)
	}
	missing, corrupt := filepath.Join(dir, "missing"), filepath.Join(dir, "corrupt")
	for _, d := range []string{missing, corrupt} {
		os.MkdirAll(d, 0o755)
		csv, _ := os.ReadFile(filepath.Join(b, "curves.csv"))
		os.WriteFile(filepath.Join(d, "curves.csv"), csv, 0o644)
	}
	os.WriteFile(filepath.Join(corrupt, "summary.json"), []byte(`{"spec": {"strategies": ["random"]}`), 0o644)
	for _, c := range []struct {
		dirs []string
		want string
	}{
		{[]string{a, a}, "shard " + a + " is given twice"},
		{[]string{a, a + "/."}, "is given twice"},
		{[]string{a, other}, "shard " + other + " is of another sweep than " + a + ": seed is 9, not 1"},
		{[]string{a, whole}, "shards " + a + " and " + whole + " overlap: both hold random, batch 5, repeat 0"},
		{[]string{a, missing}, filepath.Join(missing, "summary.json") + ": no such file"},
		{[]string{a, corrupt}, filepath.Join(corrupt, "summary.json") + ": corrupt summary"},
	} {
		code, _, errOut := alab(append([]string{"merge", "--out", filepath.Join(dir, "refused")}, c.dirs...)...)
		if code == 0 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("alab merge %v: exit %d, %q: want one line containing %q", c.dirs, code, errOut, c.want)
		}
	}

	var summary struct {
		Strategies []experiment.Summary `json:"strategies"`
	}
	b2, _ := os.ReadFile(filepath.Join(whole, "summary.json"))
	if err := json.Unmarshal(b2, &summary); err != nil || len(summary.Strategies) != 2 || summary.Strategies[0].Repeats != 2 {
		t.Errorf("summary.json: %v, %+v", err, summary)
	}
}

// TestIndexedJob plays a Kubernetes Indexed Job's contract: each of n pods runs the same
// command with its index in $JOB_COMPLETION_INDEX, one pod is retried, and the shards merged
// equal the sweep run whole.
func TestIndexedJob(t *testing.T) {
	dir := t.TempDir()
	sweep := []string{"run", "--data", fixture, "--strategies", "random,entropy", "--init", "10", "--batch", "5,8",
		"--rounds", "1", "--pool-subset", "40", "--steps", "5", "--test-limit", "50", "--workers", "1"}
	whole := filepath.Join(dir, "whole")
	if code, _, errOut := alab(append(slices.Clone(sweep), "--out", whole)...); code != 0 {
		t.Fatal(errOut)
	}
	const n = 3
	var shards []string
	pod := func(i int) {
		t.Setenv("JOB_COMPLETION_INDEX", strconv.Itoa(i))
		out := filepath.Join(dir, "shard-"+strconv.Itoa(i))
		if code, _, errOut := alab(append(slices.Clone(sweep), "--shards", strconv.Itoa(n), "--out", out)...); code != 0 {
			t.Fatalf("pod %d: %s", i, errOut)
		}
	}
	for i := range n {
		pod(i)
		shards = append(shards, filepath.Join(dir, "shard-"+strconv.Itoa(i)))
	}
	first := withoutTimings(t, filepath.Join(shards[1], "curves.csv"))
	pod(1) // the retried pod writes the same rows over its own files
	if again := withoutTimings(t, filepath.Join(shards[1], "curves.csv")); !reflect.DeepEqual(again, first) {
		t.Errorf("a retried shard wrote other rows:\n%v\n%v", again, first)
	}
	entries, _ := os.ReadDir(shards[1])
	if len(entries) != 3 {
		t.Errorf("a retried shard's directory holds %d files, want curves.csv, summary.json, curves.svg", len(entries))
	}
	merged := filepath.Join(dir, "merged")
	if code, _, errOut := alab(append([]string{"merge", "--out", merged}, shards...)...); code != 0 {
		t.Fatal(errOut)
	}
	want := withoutTimings(t, filepath.Join(whole, "curves.csv"))
	if len(want) != 2*2*2 {
		t.Fatalf("%d rows, want 2 strategies × 2 batch sizes × 2 rounds", len(want))
	}
	if got := withoutTimings(t, filepath.Join(merged, "curves.csv")); !reflect.DeepEqual(got, want) {
		t.Errorf("merged shards differ from the whole sweep:\n%v\n%v", got, want)
	}

	for _, c := range []struct {
		env, want string
	}{
		{"", "which is not set"},
		{"3", `$JOB_COMPLETION_INDEX is "3": want an index from 0 to 2 for --shards 3`},
		{"x", `$JOB_COMPLETION_INDEX is "x"`},
	} {
		if c.env == "" {
			os.Unsetenv("JOB_COMPLETION_INDEX")
		} else {
			t.Setenv("JOB_COMPLETION_INDEX", c.env)
		}
		code, _, errOut := alab(append(slices.Clone(sweep), "--shards", "3", "--out", filepath.Join(dir, "bad"))...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("$JOB_COMPLETION_INDEX=%q: exit %d, %q: want %q", c.env, code, errOut, c.want)
		}
	}
	code, _, errOut := alab(append(slices.Clone(sweep), "--shards", "3", "--shard", "0/3", "--out", filepath.Join(dir, "bad"))...)
	if code != 2 || !strings.Contains(errOut, "--shard and --shards: give one") {
		t.Errorf("--shard with --shards: exit %d, %q", code, errOut)
	}
}
