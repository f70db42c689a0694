package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// The hard bounds of a run: the load stays on loopback, and a typo cannot
// keep two cores busy for an afternoon.
const (
	maxUsers    = 1000
	maxDuration = 10 * time.Minute
	maxOrgs     = 100
)

// errHelp is -h: the usage was printed.
var errHelp = flag.ErrHelp

// config is a run's flags.
type config struct {
	users    int
	duration time.Duration
	// htmxShare is the share of creates posted as htmx; the others are
	// plain posts followed to the result page.
	htmxShare float64
	// ipv6Share is the share of creates that ask for IPv6.
	ipv6Share float64
	orgs      int
	// rateLimit is the embedded API's requests a minute per token.
	rateLimit int
	jsonOut   bool
	// seed drives the users' choices (organization, network, version,
	// plain or htmx).
	seed uint64
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.IntVar(&cfg.users, "users", 200, fmt.Sprintf("concurrent signed-in users, each with their own API token (1 to %d)", maxUsers))
	fs.DurationVar(&cfg.duration, "duration", time.Minute, fmt.Sprintf("how long the users loop, after all have signed in (at most %s)", maxDuration))
	fs.Float64Var(&cfg.htmxShare, "htmx", 0.3, "share of creates posted as htmx (0 to 1)")
	fs.Float64Var(&cfg.ipv6Share, "ipv6", 0.5, "share of creates that ask for IPv6 (0 to 1)")
	fs.IntVar(&cfg.orgs, "orgs", 10, fmt.Sprintf("organizations the users create in (1 to %d)", maxOrgs))
	fs.IntVar(&cfg.rateLimit, "rate-limit", 1000, "the embedded API's requests a minute per token, as on Katapult (0: off)")
	fs.BoolVar(&cfg.jsonOut, "json", false, "write the report as JSON")
	fs.Uint64Var(&cfg.seed, "seed", 0, "seed of the users' choices (0: random; the report names it)")
	if err := fs.Parse(args[1:]); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q: every setting is a flag", fs.Arg(0))
	}
	switch {
	case cfg.users < 1 || cfg.users > maxUsers:
		return config{}, fmt.Errorf("-users %d: give 1 to %d", cfg.users, maxUsers)
	case cfg.duration < time.Second || cfg.duration > maxDuration:
		return config{}, fmt.Errorf("-duration %s: give 1s to %s", cfg.duration, maxDuration)
	case cfg.htmxShare < 0 || cfg.htmxShare > 1:
		return config{}, fmt.Errorf("-htmx %g: give a share from 0 to 1", cfg.htmxShare)
	case cfg.ipv6Share < 0 || cfg.ipv6Share > 1:
		return config{}, fmt.Errorf("-ipv6 %g: give a share from 0 to 1", cfg.ipv6Share)
	case cfg.orgs < 1 || cfg.orgs > maxOrgs:
		return config{}, fmt.Errorf("-orgs %d: give 1 to %d", cfg.orgs, maxOrgs)
	case cfg.rateLimit < 0:
		return config{}, errors.New("-rate-limit: give 0 (off) or more")
	}
	if cfg.seed == 0 {
		cfg.seed = rand.Uint64() | 1
	}
	return cfg, nil
}
