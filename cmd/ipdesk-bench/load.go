package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// requestTimeout bounds one request of the bench: far above any figure,
// far below a hang.
const requestTimeout = 30 * time.Second

// newTransport is the Go client's connection pool: keep-alive, up to conns
// connections to the server, gzip asked for and undone as a browser does,
// and never a proxy (the servers are on loopback).
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     time.Minute,
	}
}

// loadResult is what a closed loop did.
type loadResult struct {
	ok, failed int
	firstErr   error
	elapsed    time.Duration
	latencies  []time.Duration // of the requests that succeeded
}

func (r loadResult) perSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// err is the load's first failure, with how many there were.
func (r loadResult) err() error {
	if r.failed == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d requests failed, the first: %w", r.failed, r.ok+r.failed, r.firstErr)
}

// closedLoop runs workers that each send one request after the other,
// until done says so or ctx ends. elapsed runs until the last request in
// flight has its answer.
func closedLoop(ctx context.Context, workers int, done func() bool, do func(ctx context.Context) error) loadResult {
	results := make([]loadResult, workers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := &results[w]
			for ctx.Err() == nil && !done() {
				rctx, cancel := context.WithTimeout(ctx, requestTimeout)
				t := time.Now()
				err := do(rctx)
				took := time.Since(t)
				cancel()
				if err != nil {
					if r.failed == 0 {
						r.firstErr = err
					}
					r.failed++
					continue
				}
				r.ok++
				r.latencies = append(r.latencies, took)
			}
		})
	}
	wg.Wait()
	total := loadResult{elapsed: time.Since(start)}
	for _, r := range results {
		total.ok += r.ok
		if r.failed > 0 && total.failed == 0 {
			total.firstErr = r.firstErr
		}
		total.failed += r.failed
		total.latencies = append(total.latencies, r.latencies...)
	}
	if ctx.Err() != nil && total.failed == 0 {
		total.failed, total.firstErr = 1, ctx.Err()
	}
	return total
}

// forDuration is a closed loop's done for a window of d from now.
func forDuration(d time.Duration) func() bool {
	end := time.Now().Add(d)
	return func() bool { return !time.Now().Before(end) }
}

// wrkRun is what one wrk run measured.
type wrkRun struct {
	perSecond float64
	non2xx    int
}

var (
	wrkRate   = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkNon2xx = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses:\s+(\d+)`)
	wrkErrors = regexp.MustCompile(`(?m)^\s*Socket errors:.*$`)
)

// runWrk loads url with wrk: one thread (the server needs the other core
// more), conns connections, for d rounded up to whole seconds (wrk's
// unit), with headers.
func runWrk(ctx context.Context, wrk, url string, conns int, d time.Duration, headers []string) (wrkRun, error) {
	secs := max(1, int((d+time.Second-1)/time.Second))
	args := []string{"-t", "1", "-c", strconv.Itoa(conns), "-d", fmt.Sprintf("%ds", secs)}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	out, err := exec.CommandContext(ctx, wrk, append(args, url)...).CombinedOutput()
	if err != nil {
		return wrkRun{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(out)
}

// parseWrk reads wrk's report; socket errors make the run void.
func parseWrk(out []byte) (wrkRun, error) {
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		return wrkRun{}, fmt.Errorf("wrk printed no Requests/sec:\n%s", out)
	}
	var r wrkRun
	r.perSecond, _ = strconv.ParseFloat(string(m[1]), 64) // the pattern admits only numbers
	if m := wrkNon2xx.FindSubmatch(out); m != nil {
		r.non2xx, _ = strconv.Atoi(string(m[1]))
	}
	if m := wrkErrors.Find(out); m != nil {
		return r, errors.New("wrk: " + string(m))
	}
	if r.non2xx > 0 {
		return r, fmt.Errorf("wrk: %d answers were not 2xx or 3xx", r.non2xx)
	}
	return r, nil
}
