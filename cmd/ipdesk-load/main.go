// Command ipdesk-load puts a crowd of signed-in staff on ipdesk and
// reports how it held: requests and latency by route, the whole create
// flow, throughput, server errors, and whether any address was handed out
// twice.
//
// It starts ipdesk itself, in this process and in embedded mode, on a
// loopback port of its own, with a seed that gives every simulated user
// their own API token (Katapult limits each token to 1000 requests a
// minute, as the embedded API does by default) and pools big enough for
// the run. It never sends a request anywhere else. Each user signs in,
// then loops until the time is up: open the create form, post it (plain,
// or as htmx for a share of the creates), and for a plain post follow the
// redirect to the result page. At the end it lists every address through
// the API and checks them against what the users were shown.
//
//	go run ./cmd/ipdesk-load -users 200 -duration 60s
//
// It exits 1 when any answer was a 5xx, an address is held twice, or a
// create shown to a user is missing or changed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errHelp) {
			fmt.Fprintln(os.Stderr, "ipdesk-load:", err)
		}
		os.Exit(1)
	}
}

// auditTimeout bounds the listing of every address at the end.
const auditTimeout = 3 * time.Minute

// errFailed is a run that completed and found a problem; the report says
// which.
var errFailed = errors.New("the load found server errors, lost or duplicate addresses: see the report")

// run parses the flags, starts ipdesk, runs the users and writes the
// report to stdout. Ending ctx stops the users early; the report still
// comes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	target, err := startIpdesk(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer target.close()

	rec := newRecorder()
	ran := runUsers(ctx, cfg, target, rec)
	// The audit runs even when ctx ended early (Ctrl-C): the report of
	// what ran is still worth having.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	aud, err := auditAddresses(actx, target, rec.acknowledged())
	if err != nil {
		return fmt.Errorf("listing the addresses at the end: %w", err)
	}
	rep := buildReport(cfg, rec, ran, aud)
	if err := rep.write(stdout, cfg.jsonOut); err != nil {
		return err
	}
	if !rep.Passed {
		return errFailed
	}
	return nil
}
