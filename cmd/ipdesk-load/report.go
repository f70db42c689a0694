package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// report is a run's outcome, as printed (or written as JSON with -json).
type report struct {
	Users     int     `json:"users"`
	SignedIn  int     `json:"signed_in"`
	Duration  string  `json:"duration"`
	Elapsed   string  `json:"elapsed"`
	Seed      uint64  `json:"seed"`
	HTMXShare float64 `json:"htmx_share"`
	IPv6Share float64 `json:"ipv6_share"`
	Orgs      int     `json:"orgs"`
	RateLimit int     `json:"rate_limit"`
	Go        string  `json:"go"`
	Platform  string  `json:"platform"`
	CPUs      int     `json:"cpus"`
	Date      string  `json:"date"`

	Routes []latencyStats `json:"routes"`
	Flow   latencyStats   `json:"create_flow"`
	// Requests and RequestsPerSecond count every answered request of the
	// run, sign-ins included; Creates the flows that showed an address.
	Requests          int     `json:"requests"`
	RequestsPerSecond float64 `json:"requests_per_second"`
	Creates           int     `json:"creates"`
	CreatesPerSecond  float64 `json:"creates_per_second"`
	ServerErrors      int     `json:"server_errors"`
	// Errors counts every problem by kind: a wrong status, a page without
	// what it should hold, a request without an answer.
	Errors map[string]int `json:"errors"`
	Audit  audit          `json:"audit"`
	// Passed is no 5xx, no address held twice, none shown and then missing
	// or changed, and at least one create.
	Passed bool `json:"passed"`
}

func buildReport(cfg config, rec *recorder, ran ranInfo, aud audit) report {
	r := report{
		Users: cfg.users, SignedIn: ran.signedIn, Duration: cfg.duration.String(),
		Elapsed: ran.elapsed.Round(time.Millisecond).String(), Seed: cfg.seed,
		HTMXShare: cfg.htmxShare, IPv6Share: cfg.ipv6Share, Orgs: cfg.orgs, RateLimit: cfg.rateLimit,
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(),
		Date: time.Now().UTC().Format(time.DateOnly), Audit: aud,
	}
	for _, route := range routeOrder {
		s := rec.stats(route)
		if s.Requests > 0 {
			r.Routes = append(r.Routes, s)
			r.Requests += s.Requests
		}
	}
	r.Flow = rec.stats(flowCreate)
	r.Creates = r.Flow.Requests
	if secs := ran.elapsed.Seconds(); secs > 0 {
		r.CreatesPerSecond = round1(float64(r.Creates) / secs)
		r.RequestsPerSecond = round1(float64(r.Requests) / secs)
	}
	rec.mu.Lock()
	r.ServerErrors = rec.server5xx
	r.Errors = maps.Clone(rec.errors)
	rec.mu.Unlock()
	r.Passed = r.ServerErrors == 0 && aud.Duplicates == 0 && aud.Missing == 0 && aud.Changed == 0 && r.Creates > 0
	return r
}

func round1(f float64) float64 { return float64(int(f*10+0.5)) / 10 }

// write prints the report for people, or as JSON.
func (r report) write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ipdesk-load: %d users (%d signed in) for %s (ran %s), in-process ipdesk on loopback, embedded mode, rate limit %d/min per token\n",
		r.Users, r.SignedIn, r.Duration, r.Elapsed, r.RateLimit)
	fmt.Fprintf(&b, "%s %s, %d CPUs, %s; %d organizations, %.0f%% htmx posts, %.0f%% IPv6; -seed %d\n\n",
		r.Go, r.Platform, r.CPUs, r.Date, r.Orgs, 100*r.HTMXShare, 100*r.IPv6Share, r.Seed)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\trequests\tp50 ms\tp99 ms\tmax ms\tstatuses\t")
	for _, s := range append(slices.Clone(r.Routes), r.Flow) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%s\t\n", s.Route, s.Requests, s.P50ms, s.P99ms, s.MaxMs, statusList(s.Statuses))
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nthroughput: %d creates (%.1f/s), %d requests (%.1f/s)\n", r.Creates, r.CreatesPerSecond, r.Requests, r.RequestsPerSecond)
	fmt.Fprintf(&b, "5xx answers: %d\n", r.ServerErrors)
	fmt.Fprintf(&b, "addresses: %d listed by the API, %d held twice, %d shown and missing, %d shown and changed, %d never shown\n",
		r.Audit.Listed, r.Audit.Duplicates, r.Audit.Missing, r.Audit.Changed, r.Audit.Unshown)
	for _, e := range r.Audit.Examples {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	b.WriteString("errors by kind:")
	if len(r.Errors) == 0 {
		b.WriteString(" none\n")
	} else {
		b.WriteString("\n")
		for _, kind := range slices.Sorted(maps.Keys(r.Errors)) {
			fmt.Fprintf(&b, "  %6d  %s\n", r.Errors[kind], kind)
		}
	}
	if r.Passed {
		b.WriteString("PASS: no 5xx, no address held twice, every address shown is kept\n")
	} else {
		b.WriteString("FAIL\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// statusList is "200×1234 303×12".
func statusList(m map[string]int) string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s×%d", s, m[s]))
	}
	return strings.Join(parts, " ")
}
