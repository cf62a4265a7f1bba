//go:build !wasm

package cli

import (
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// numericFlag is a numeric flag as -h documents it: its name, its kind and, for N and X, its
// range.
type numericFlag struct {
	name, kind string
	lo, hi     float64
}

var (
	flagLine  = regexp.MustCompile(`^  -(\S+) (N|X|LIST|uint)$`)
	flagRange = regexp.MustCompile(`from (-?[0-9.e+]+) to (-?[0-9.e+]+)`)
)

// numericFlags parses "alab cmd -h" for the numeric flags and their documented ranges.
func numericFlags(t *testing.T, cmd string) []numericFlag {
	code, _, help := alab(append(strings.Fields(cmd), "-h")...)
	if code != 0 {
		t.Fatalf("alab %s -h: exit %d", cmd, code)
	}
	lines := strings.Split(help, "\n")
	var fl []numericFlag
	for i, line := range lines {
		m := flagLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		f := numericFlag{name: m[1], kind: m[2], lo: 0, hi: math.MaxUint64}
		if f.kind != "uint" {
			r := flagRange.FindStringSubmatch(lines[i+1])
			if r == nil {
				t.Fatalf("alab %s -h: -%s documents no range: %q", cmd, f.name, lines[i+1])
			}
			f.lo, _ = strconv.ParseFloat(r[1], 64)
			f.hi, _ = strconv.ParseFloat(r[2], 64)
		}
		fl = append(fl, f)
	}
	return fl
}

// TestNumericFlags gives every numeric flag of every command absurd values. Each run exits
// non-zero with one line on stderr and no stack trace, or, for a value in the documented
// range, succeeds; a value outside it is always refused.
func TestNumericFlags(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.npz")
	if code, _, errOut := alab("train", "--data", fixture, "--train-limit", "50", "--out", model); code != 0 {
		t.Fatalf("train: %s", errOut)
	}
	// Each command's smallest useful call: the flag under test is added to it, and a
	// later flag overrides an earlier one.
	base := map[string][]string{
		"train": {"--data", fixture, "--train-limit", "50", "--batch", "50"},
		"eval":  {"--data", fixture, "--model", model},
		"run": {"--data", fixture, "--out", filepath.Join(dir, "run"), "--strategies", "random", "--init", "10",
			"--batch", "5", "--rounds", "1", "--steps", "3", "--test-limit", "20", "--pool-subset", "20", "--workers", "1"},
		// The first call in range creates the project; later ones are refused as existing.
		"team init": {"--db", filepath.Join(dir, "team.sqlite"), "--data", fixture, "--test-limit", "20"},
	}
	values := []string{"-1", "0", "4611686018427387904", "NaN", "1e300"}
	tested := 0
	cmds := []string{"team init"}
	for cmd := range commands {
		if cmd != "team" {
			cmds = append(cmds, cmd)
		}
	}
	for _, cmd := range cmds {
		fl := numericFlags(t, cmd)
		if len(fl) > 0 && base[cmd] == nil {
			t.Fatalf("alab %s has numeric flags: give it a base call here", cmd)
		}
		for _, f := range fl {
			for _, v := range values {
				args := append(slices.Clone(base[cmd]), "--"+f.name, v)
				if f.kind == "LIST" {
					args = append(args[:len(args)-1], "5,"+v)
				}
				code, _, errOut := alab(append(strings.Fields(cmd), args...)...)
				tested++
				x, err := strconv.ParseFloat(v, 64)
				inRange := err == nil && x >= f.lo && x <= f.hi && x == math.Trunc(x) || f.kind == "X" && x >= f.lo && x <= f.hi
				if f.kind == "uint" {
					_, err := strconv.ParseUint(v, 10, 64)
					inRange = err == nil
				}
				line := strings.TrimSuffix(errOut, "\n")
				switch {
				case strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic"):
					t.Errorf("alab %s --%s %s: a stack trace: %s", cmd, f.name, v, errOut)
				case code == 0 && !inRange:
					t.Errorf("alab %s --%s %s: exit 0 outside the documented range [%g, %g]", cmd, f.name, v, f.lo, f.hi)
				case code != 0 && (line == "" || strings.Contains(line, "\n")):
					t.Errorf("alab %s --%s %s: exit %d with %q: want one line on stderr", cmd, f.name, v, code, errOut)
				case code != 0 && inRange && strings.Contains(line, "invalid value"):
					t.Errorf("alab %s --%s %s: %s, but -h documents [%g, %g]", cmd, f.name, v, line, f.lo, f.hi)
				}
			}
		}
	}
	t.Logf("%d calls", tested)
	if tested < 5*15 {
		t.Errorf("%d calls: want every numeric flag of train, eval and run", tested)
	}
}
