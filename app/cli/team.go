//go:build !wasm

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"alab/app/team"
	"alab/core/active"
	"alab/core/data"
)

const teamUsage = `alab team — one labelling project for a team, on a SQLite file

Usage:
  alab team init   --db F [--data DIR] [--strategy S] [--batch K] [--init N] [--overlap F] [--seed S] [--lease 2m]
  alab team init   --db F --images DIR [--classes a,b,c] [--test-images DIR2] [--background auto|dark|light] [...]
  alab team invite --db F [--admin] [--url http://HOST:PORT] NAME   (the join URL is the last line)
  alab team revoke --db F NAME
  alab team serve  --db F [--addr 127.0.0.1:8080]
`

func init() { commands["team"] = runTeam }

// runTeam dispatches alab team's subcommands.
func runTeam(args []string, out, errOut io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(errOut, teamUsage)
		if len(args) == 0 {
			return fmt.Errorf("%w: want a subcommand: init, invite, revoke or serve", errUsage)
		}
		return nil
	}
	sub := map[string]command{"init": teamInit, "invite": teamInvite, "revoke": teamRevoke, "serve": teamServe}[args[0]]
	if sub == nil {
		return fmt.Errorf("%w: unknown subcommand %q: want init, invite, revoke or serve", errUsage, args[0])
	}
	err := sub(args[1:], out, errOut)
	if err != nil && !errors.Is(err, errUsage) && !errors.Is(err, flag.ErrHelp) {
		// One prefix: the dispatcher's "alab team:", not also the package's "team:".
		return errors.New(strings.TrimPrefix(err.Error(), "team: "))
	}
	return err
}

func teamInit(args []string, out, errOut io.Writer) error {
	fs := newFlags("team init")
	db := fs.String("db", "", "the project `file` to create (never overwritten)")
	var s team.Settings
	src := fs.data()
	classes := fs.String("classes", "", "with --images: the class `names`, comma-separated, in label order (default: a labelled folder's subfolders)")
	fs.StringVar(&s.Strategy, "strategy", "margin", "query `strategy` (see alab run)")
	batch := fs.Int("batch", 30, 1, active.MaxBatch, "items per batch")
	initial := fs.Int("init", 20, 10, active.MaxSamples, "class-balanced initial set labelled from the data's labels (a multiple of 10)")
	overlap := fs.Float("overlap", 0.2, 0, 1, "share of each batch labelled by two people, blind")
	seed := fs.seed("seed of every random choice")
	lease := fs.Duration("lease", 2*time.Minute, "how long an item handed out stays reserved")
	subset := fs.count("pool-subset", 2000, "score this many random unlabelled items a round, as Gal et al. do (0: the whole pool)")
	testLimit := fs.count("test-limit", 0, "evaluate on the first N test images (0: all)")
	if err := fs.parse(args, errOut); err != nil {
		return err
	}
	s.Batch, s.Init, s.Overlap, s.Seed, s.PoolSubset, s.TestLimit = *batch, *initial, *overlap, *seed, *subset, *testLimit
	if *db == "" {
		return fmt.Errorf("%w: --db FILE is required", errUsage)
	}
	if *lease < time.Second || *lease > 24*time.Hour {
		return fmt.Errorf("%w: invalid --lease %v: want 1s to 24h", errUsage, *lease)
	}
	s.LeaseS = lease.Seconds()
	opt, err := src.check(errOut)
	if err != nil {
		return err
	}
	switch {
	case *src.images == "" && *classes != "":
		return fmt.Errorf("%w: --classes needs --images (MNIST's classes are its digits)", errUsage)
	case *src.images == "":
		s.Data = *src.dir
		if err := team.Init(*db, s); err != nil {
			return err
		}
	default:
		is := team.ImageSource{Dir: *src.images, TestDir: *src.testImages, Options: opt.ImageOptions}
		if *classes != "" {
			if is.Classes, err = data.ParseClasses(*classes); err != nil {
				return err
			}
		}
		loaded, err := team.InitImages(*db, s, is)
		opt.finish()
		if err != nil {
			return err
		}
		for _, skipped := range loaded.Skipped {
			fmt.Fprintf(errOut, "alab: skipped %v\n", skipped)
		}
		test := fmt.Sprintf("accuracy estimated on every %dth agreed label, held out of training", active.HeldOutEvery)
		if loaded.Test > 0 {
			test = fmt.Sprintf("%d test images", loaded.Test)
		}
		fmt.Fprintf(out, "alab: %d images to label as %s; %s\n", loaded.Pool, classList(loaded.Classes), test)
	}
	fmt.Fprintf(out, "alab: created the project %s (invite people with `alab team invite --db %s NAME`)\n", *db, *db)
	return nil
}

// parseNamed parses flags before and after one positional NAME (alab team invite --db F
// NAME --admin) and returns NAME.
func parseNamed(fs flags, args []string, errOut io.Writer) (string, error) {
	var names []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", fs.parse(args, errOut) // the error, as the other commands give it
		}
		if fs.NArg() == 0 {
			break
		}
		names, args = append(names, fs.Arg(0)), fs.Args()[1:]
	}
	if len(names) != 1 {
		return "", fmt.Errorf("%w: want one NAME, got %d", errUsage, len(names))
	}
	if fs.Lookup("db").Value.String() == "" {
		return "", fmt.Errorf("%w: --db FILE is required", errUsage)
	}
	return names[0], nil
}

func teamInvite(args []string, out, errOut io.Writer) error {
	fs := newFlags("team invite")
	db := fs.String("db", "", "the project `file`")
	admin := fs.Bool("admin", false, "the annotator may also watch the project and export it")
	base := fs.String("url", "http://127.0.0.1:8080", "the server's address as the team reaches it")
	name, err := parseNamed(fs, args, errOut)
	if err != nil {
		return err
	}
	token, err := team.Invite(*db, name, *admin)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "alab: invited %s; send them this link (it is their password):\n%s/join#token=%s\n", name, strings.TrimRight(*base, "/"), token)
	return nil
}

func teamRevoke(args []string, out, errOut io.Writer) error {
	fs := newFlags("team revoke")
	db := fs.String("db", "", "the project `file`")
	name, err := parseNamed(fs, args, errOut)
	if err != nil {
		return err
	}
	if err := team.Revoke(*db, name); err != nil {
		return err
	}
	fmt.Fprintf(out, "alab: revoked %s's token\n", name)
	return nil
}

func teamServe(args []string, out, errOut io.Writer) error {
	fs := newFlags("team serve")
	db := fs.String("db", "", "the project `file`")
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on")
	if err := fs.parse(args, errOut); err != nil {
		return err
	}
	if *db == "" {
		return fmt.Errorf("%w: --db FILE is required", errUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return team.Serve(ctx, *db, *addr, out)
}
