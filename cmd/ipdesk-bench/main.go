// Command ipdesk-bench measures the figures of issue 8, "Measured speed",
// each against its goal, and writes them to BENCHMARKS.md.
//
// Every goal is a ratio, and every ratio is measured in one run with its
// two sides interleaved (A, B, A, B, A, B, then medians), because absolute
// times drift on a shared machine. It builds the ipdesk binary and runs it
// as a user does, as a process of its own on a loopback port with a fresh
// data folder; it never sends a request anywhere else. Load comes from
// Debian's wrk when it is installed (the form page's throughput), else
// from this program's own Go client, which also sends every create.
//
//	go run ./cmd/ipdesk-bench                          # every figure, printed
//	go run ./cmd/ipdesk-bench -write BENCHMARKS.md     # and rewritten there (make bench)
//	go run ./cmd/ipdesk-bench -only form,engine        # some figures
//	go run ./cmd/ipdesk-bench -only engine -profile /tmp/prof   # with the server's CPU profiles
//
// It exits 1 when a figure could not be measured; a figure that misses its
// goal is reported as a miss, not as a failure.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errHelp) {
			fmt.Fprintln(os.Stderr, "ipdesk-bench:", err)
		}
		os.Exit(1)
	}
}
