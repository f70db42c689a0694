package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// errHelp is -h: the usage was printed.
var errHelp = flag.ErrHelp

// errUnmeasured is a run in which some figure could not be measured; the
// report says which and why.
var errUnmeasured = errors.New("some figures could not be measured: see the report")

// maxRun bounds a whole run, so that a server that stops answering cannot
// keep two cores busy for an afternoon.
const maxRun = 30 * time.Minute

// Client choices for the form page's throughput (figure 1).
const (
	clientAuto = "auto"
	clientWrk  = "wrk"
	clientGo   = "go"
)

// config is a run's flags. The defaults are `make bench`'s.
type config struct {
	only    []string // group ids; empty: all
	write   string   // BENCHMARKS.md to rewrite; "": print only
	profile string   // folder for the server's CPU profiles; "": none
	client  string   // clientAuto, clientWrk or clientGo
	dir     string   // where the run's temporary folder goes

	rounds      int           // interleaved rounds of each ratio
	window      time.Duration // one throughput measurement (figures 1 and 5)
	creates     int           // creates of each kind per round (figure 2)
	addresses   int           // addresses the engine holds for figure 7
	conns       int           // connections of figure 1
	engineConns int           // connections of figure 5
	startups    int           // start-ups of each server (figure 8)

	// changed are the flags given, other than -only, -write and -profile,
	// as they go into each figure's command.
	changed []string
	// buildRace builds the servers with the race detector: the smoke test
	// sets it when it runs with -race, to reuse the packages the test
	// build compiled. Never for figures anyone reads.
	buildRace bool
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	var only string
	fs.StringVar(&only, "only", "", "comma-separated figures to measure: "+strings.Join(groupIDs(), ", ")+" (empty: all)")
	fs.StringVar(&cfg.write, "write", "", "rewrite the generated part of this file (BENCHMARKS.md) with the run's figures; needs every figure")
	fs.StringVar(&cfg.profile, "profile", "", "save the server's CPU profiles, one per figure and path, in this folder (go tool pprof FILE)")
	fs.StringVar(&cfg.client, "client", clientAuto, "load for the form page's throughput: wrk, go (this program's client), or auto (wrk when installed)")
	fs.StringVar(&cfg.dir, "dir", os.TempDir(), "folder for the run's data: the servers' stores and the SQLite yardstick share its disk")
	fs.IntVar(&cfg.rounds, "rounds", 3, "interleaved rounds of each ratio (1 to 20)")
	fs.DurationVar(&cfg.window, "window", 3*time.Second, "length of one throughput measurement (100ms to 1m)")
	fs.IntVar(&cfg.creates, "creates", 100, "creates of each kind per round for the create latency (1 to 10000)")
	fs.IntVar(&cfg.addresses, "addresses", 100_000, "addresses the engine holds when its memory is read (0 to 1000000)")
	fs.IntVar(&cfg.conns, "conns", 8, "concurrent connections for the form page and /healthz (1 to 256)")
	fs.IntVar(&cfg.engineConns, "engine-conns", 32, "concurrent connections creating on the engine (1 to 256)")
	fs.IntVar(&cfg.startups, "startups", 7, "start-ups of each server, interleaved (1 to 50)")
	if err := fs.Parse(args[1:]); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q: every setting is a flag", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "only", "write", "profile":
		default:
			cfg.changed = append(cfg.changed, "-"+f.Name, f.Value.String())
		}
	})
	if only != "" {
		for _, id := range strings.Split(only, ",") {
			id = strings.TrimSpace(id)
			if alias, ok := groupAliases[id]; ok {
				id = alias
			}
			if !slices.Contains(groupIDs(), id) {
				return config{}, fmt.Errorf("-only: no figure %q; give some of %s", id, strings.Join(groupIDs(), ", "))
			}
			if !slices.Contains(cfg.only, id) {
				cfg.only = append(cfg.only, id)
			}
		}
	}
	switch {
	case cfg.write != "" && len(cfg.only) > 0:
		return config{}, errors.New("-write rewrites every figure, so it cannot go with -only: one file, one run")
	case cfg.client != clientAuto && cfg.client != clientWrk && cfg.client != clientGo:
		return config{}, fmt.Errorf("-client %q: give wrk, go or auto", cfg.client)
	case cfg.rounds < 1 || cfg.rounds > 20:
		return config{}, fmt.Errorf("-rounds %d: give 1 to 20", cfg.rounds)
	case cfg.window < 100*time.Millisecond || cfg.window > time.Minute:
		return config{}, fmt.Errorf("-window %s: give 100ms to 1m", cfg.window)
	case cfg.creates < 1 || cfg.creates > 10_000:
		return config{}, fmt.Errorf("-creates %d: give 1 to 10000", cfg.creates)
	case cfg.addresses < 0 || cfg.addresses > 1_000_000:
		return config{}, fmt.Errorf("-addresses %d: give 0 to 1000000", cfg.addresses)
	case cfg.conns < 1 || cfg.conns > 256:
		return config{}, fmt.Errorf("-conns %d: give 1 to 256", cfg.conns)
	case cfg.engineConns < 1 || cfg.engineConns > 256:
		return config{}, fmt.Errorf("-engine-conns %d: give 1 to 256", cfg.engineConns)
	case cfg.startups < 1 || cfg.startups > 50:
		return config{}, fmt.Errorf("-startups %d: give 1 to 50", cfg.startups)
	}
	return cfg, nil
}

// wants reports whether the run measures a group.
func (c config) wants(id string) bool {
	return len(c.only) == 0 || slices.Contains(c.only, id)
}

// command is the command that measures one group again with the run's
// settings.
func (c config) command(id string) string {
	return strings.Join(append([]string{"go run ./cmd/ipdesk-bench -only", id}, c.changed...), " ")
}

// run parses the flags, measures and reports. Ending ctx stops the run;
// the figures measured so far are still printed (never written).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, maxRun)
	defer cancel()
	b, err := newBench(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer b.close()
	rep := b.measure(ctx)
	section := rep.markdown()
	if _, err := io.WriteString(stdout, section); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("stopped before the end (%w): nothing written", ctx.Err())
	}
	if cfg.write != "" {
		if err := rewriteGenerated(cfg.write, section); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "ipdesk-bench: wrote %s\n", cfg.write)
	}
	if rep.unmeasured() {
		return errUnmeasured
	}
	return nil
}
