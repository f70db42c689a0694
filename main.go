// Command ipdesk serves the dashboard with which staff create IP addresses on
// Katapult, and, when no Katapult URL is configured, its own
// Katapult-compatible Core API with demo data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the result page shows local time in each data center's zone, also on hosts without zoneinfo
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "ipdesk: %v\n", err)
		os.Exit(1)
	}
}

// run is the whole program: it reads flags and environment, builds every
// dependency, serves until ctx ends or a signal arrives, then shuts down.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h: the usage is printed, nothing is wrong
	}
	if err != nil {
		return err
	}
	if cfg.healthcheck {
		return healthcheck(ctx, cfg.addr)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, a second one stops ipdesk at once
		// instead of waiting for the grace.
		<-ctx.Done()
		stop()
	}()
	return serve(ctx, cfg, newLogger(cfg, stderr), stdout)
}

// newLogger logs to stderr in the configured format, from the configured
// level up.
func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	if cfg.logFormat == logText {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
