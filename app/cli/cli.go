// Package cli is the native command alab (built from ./app): the lab off the browser. It
// trains and evaluates the engine's networks on MNIST headless, runs active-learning
// experiments to learning curves, and serves the page.
//
//	alab train --arch compact --epochs 1 --out model.npz
//	alab eval --model model.npz
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

const usage = `alab — batch active learning for handwritten digits

Usage:
  alab train [flags]   train a network on MNIST and report its test accuracy
  alab eval  [flags]   report the test accuracy of saved weights (.npz)
  alab run   [flags]   run active-learning experiments to learning curves (CSV, JSON, SVG)
  alab merge [flags] DIR...  join the outputs of sharded runs
  alab serve [flags]   serve the lab in the browser (build it first: make web)
  alab export-static DIR     write the lab as a static site any file host can serve
  alab team SUBCOMMAND [flags]  a team labels one project together (init, invite, revoke, serve)

Run "alab COMMAND -h" for a command's flags.
`

// command is one subcommand: it parses its own flags from args and writes its report to out.
type command func(args []string, out, errOut io.Writer) error

var commands = map[string]command{
	"train": runTrain,
	"eval":  runEval,
	"run":   runRun,
	"merge": runMerge,
	"serve": runServe, "export-static": runExportStatic,
	// "team" is added by team.go, which is native only (the team server's SQLite).
}

// errUsage marks an error in how the command was called (exit status 2, as flag does).
var errUsage = errors.New("usage")

// Run executes the command line args (without the program's name) and returns the process
// exit status: 0 on success, 2 for a bad command line, 1 for any other failure. Errors are
// one line on errOut.
func Run(args []string, out, errOut io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(errOut, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(errOut, "alab: unknown command %q: want train, eval, run, merge, serve, export-static or team\n", args[0])
		return 2
	}
	err := cmd(args[1:], out, errOut)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(errOut, "alab %s: %s\n", args[0], strings.TrimPrefix(err.Error(), "usage: "))
		return 2
	default:
		fmt.Fprintf(errOut, "alab %s: %v\n", args[0], err)
		return 1
	}
}
