package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"alab/core/active"
	"alab/core/nn"
	"alab/core/train"
)

// maxThreads bounds --threads and --workers: past a few hundred, goroutines only add
// scheduling; a machine alab runs on has at most that many cores.
const maxThreads = 1024

// flags is a command's flag set. Its numeric flags carry their range, refuse a value outside
// it while parsing — before anything is loaded or run — and print it in -h. Every command
// declares its flags through it, the flags several commands share by the methods below.
type flags struct{ *flag.FlagSet }

// newFlags returns a flag set that returns errors instead of exiting. It prints nothing:
// flag would print the error and the whole usage on every mistake, where alab reports one
// line (and prints the usage for -h only, in parse).
func newFlags(name string) flags {
	fs := flag.NewFlagSet("alab "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return flags{fs}
}

// parse parses args, marking errors as usage errors and refusing positional arguments.
// For -h it prints the flags to errOut.
func (fs flags) parse(args []string, errOut io.Writer) error {
	if err := fs.parseSome(args, errOut); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

// parseSome is parse for commands that take positional arguments after the flags.
func (fs flags) parseSome(args []string, errOut io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(errOut, "Usage of %s:\n", fs.Name())
			fs.SetOutput(errOut)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// rangeFlag is a numeric flag that accepts lo to hi (never NaN): parse reads a value, want
// says what is accepted.
type rangeFlag[T int | float64] struct {
	p      *T
	lo, hi T
	parse  func(string) (T, error)
	want   string
}

func (v rangeFlag[T]) String() string {
	if v.p == nil {
		return "0" // the zero value flag compares a default with: -h prints no "(default 0)"
	}
	return fmt.Sprint(*v.p)
}

func (v rangeFlag[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil || !(x >= v.lo && x <= v.hi) {
		return fmt.Errorf("want %s from %v to %v", v.want, v.lo, v.hi)
	}
	*v.p = x
	return nil
}

// Int defines an integer flag that accepts lo to hi; usage says what 0 means where it may
// be given.
func (fs flags) Int(name string, def, lo, hi int, usage string) *int {
	p := &def
	fs.Var(rangeFlag[int]{p, lo, hi, strconv.Atoi, "an integer"}, name, fmt.Sprintf("%s (`N` from %d to %d)", usage, lo, hi))
	return p
}

// Float defines a float64 flag that accepts lo to hi.
func (fs flags) Float(name string, def, lo, hi float64, usage string) *float64 {
	p := &def
	parse := func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
	fs.Var(rangeFlag[float64]{p, lo, hi, parse, "a number"}, name, fmt.Sprintf("%s (`X` from %g to %g)", usage, lo, hi))
	return p
}

// intList is a flag of comma-separated distinct integers, each lo to hi.
type intList struct {
	p      *[]int
	lo, hi int
}

func (v intList) String() string {
	if v.p == nil {
		return ""
	}
	s := make([]string, len(*v.p))
	for i, n := range *v.p {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func (v intList) Set(s string) error {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < int64(v.lo) || n > int64(v.hi) {
			return fmt.Errorf("%q: want integers from %d to %d, separated by commas", f, v.lo, v.hi)
		}
		if seen[int(n)] {
			return fmt.Errorf("%d is listed twice", n)
		}
		seen[int(n)] = true
		out = append(out, int(n))
	}
	*v.p = out
	return nil
}

// Ints defines a flag of comma-separated distinct integers, each lo to hi.
func (fs flags) Ints(name string, def []int, lo, hi int, usage string) *[]int {
	p := &def
	fs.Var(intList{p, lo, hi}, name, fmt.Sprintf("%s (`LIST` of N from %d to %d, each once)", usage, lo, hi))
	return p
}

// nameList is a flag of comma-separated distinct non-empty names.
type nameList struct{ p *[]string }

func (v nameList) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}

func (v nameList) Set(s string) error {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			return fmt.Errorf("an empty name in %q: want names separated by single commas", s)
		case seen[f]:
			return fmt.Errorf("%q is listed twice", f)
		}
		seen[f] = true
		out = append(out, f)
	}
	*v.p = out
	return nil
}

// Names defines a flag of comma-separated distinct names.
func (fs flags) Names(name string, def []string, usage string) *[]string {
	p := &def
	fs.Var(nameList{p}, name, usage)
	return p
}

// The flags several commands share.

func (fs flags) arch() *string {
	return fs.String("arch", "compact", "network architecture: "+strings.Join(nn.Architectures, " or "))
}

func (fs flags) seed(usage string) *uint64 { return fs.Uint64("seed", 1, usage) }

func (fs flags) threads() *int {
	return fs.Int("threads", 0, 0, maxThreads, "threads for matrix products (0: all cores)")
}

func (fs flags) trainBatch(name string, def int, usage string) *int {
	return fs.Int(name, def, 1, train.MaxBatch, usage)
}

func (fs flags) count(name string, def int, usage string) *int {
	return fs.Int(name, def, 0, active.MaxSamples, usage)
}
