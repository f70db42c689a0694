package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"
)

const (
	engineTitle = "engine durable creates/s over HTTP ÷ one trivial SQLite WAL commit per transaction on the same disk"
	rssTitle    = "peak RSS of the server during the engine load and after 100,000 addresses"
)

// usedGauge is the engine's own count of addresses in use, from the
// pool gauges of /metrics.
var usedGauge = regexp.MustCompile(`^katapult_engine_pool_addresses\{.*state="used".*\} (\S+)$`)

func readUsed(ctx context.Context, c *http.Client, base string) (int, error) {
	body, err := getMetrics(ctx, c, base)
	if err != nil {
		return 0, err
	}
	used := 0.0
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := usedGauge.FindStringSubmatch(sc.Text()); m != nil {
			v, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return 0, fmt.Errorf("/metrics: cannot read %q", sc.Text())
			}
			used += v
		}
	}
	return int(used), sc.Err()
}

// mb is bytes in MB of 1,000,000 bytes.
func mb(n int64) float64 { return float64(n) / 1e6 }

// measureEngine is figures 5 and 7: the engine's durable creates a second
// over HTTP at 32 connections against the fastest durable commit SQLite
// makes on the same disk, the creates' p99, and the server's peak memory
// during that load and once it holds 100,000 addresses.
func measureEngine(ctx context.Context, b *bench) []figure {
	conns := b.cfg.engineConns
	how5 := fmt.Sprintf("ipdesk with the bench's seed (`-rate-limit 0`, a fresh data folder under %s) as its own process; "+
		"this program's Go client keeps %d connections busy (closed loop: each sends its next create when the last is answered) "+
		"with `POST /core/v1/organizations/_/ip_addresses`, IPv6 in acme's %s, one token. "+
		"The yardstick, in this program: modernc.org/sqlite opened as the engine opens its store "+
		"(`%s`: WAL, SQLite's default synchronous, reported below), in a folder beside the engine's data folder (the same disk), "+
		"one connection, one writer, a prepared `INSERT` of a 16-byte unique key and a `COMMIT` per transaction, "+
		"as fast as it goes: the most durable commits a second this disk allows one writer, a ceiling that "+
		"the engine's creates (also one commit each, plus the allocation, HTTP and JSON) approach from below. "+
		"A third of a window of each to warm up, then %d rounds of a %s window of creates and one of the yardstick; "+
		"the figure is the median of the engine's creates/s ÷ the median of the yardstick's commits/s, "+
		"and the median of the rounds' p99 latency of a create (from sending to the last byte of the answer). "+
		"Both sides wait for the same fsync of the WAL, so the ratio rises towards 1 when the disk is slow or busy "+
		"and shows the engine's own costs best on a quiet machine: compare runs made under a similar load average.",
		b.cfg.dir, conns, benchNetwork, yardstickDSN, b.cfg.rounds, b.cfg.window)
	how7 := fmt.Sprintf("VmHWM (the peak resident set) of figure 5's ipdesk process, from `/proc/PID/status`: once after "+
		"figure 5's windows, then after creating on with the same load until the engine holds %d addresses "+
		"(checked by its own pool gauges on `/metrics`). MB = 1,000,000 bytes.", b.cfg.addresses)
	fail := func(err error) []figure {
		return []figure{failed(5, engineTitle, how5, err), failed(7, rssTitle, how7, err)}
	}

	dir, err := b.dataDir("engine")
	if err != nil {
		return fail(err)
	}
	seed, err := writeBenchSeed(b.work)
	if err != nil {
		return fail(err)
	}
	s, err := b.startIpdesk(ctx, "engine", "", dir, "-seed", seed, "-rate-limit", "0")
	if err != nil {
		return fail(err)
	}
	defer s.stop()
	yard, err := openYardstick(ctx, filepath.Join(b.work, "sqlite-yardstick"))
	if err != nil {
		return fail(err)
	}
	defer yard.close()
	tr := newTransport(conns)
	defer tr.CloseIdleConnections()
	api := &apiClient{base: s.url, token: benchToken(0), c: &http.Client{Transport: tr}}
	network, err := api.networkID(ctx, benchOrg, benchNetwork)
	if err != nil {
		return fail(err)
	}
	body := createBody(benchOrg, network, "ipv6")
	var created atomic.Int64
	create := func(ctx context.Context) error {
		err := api.create(ctx, body)
		if err == nil {
			created.Add(1)
		}
		return err
	}

	if r := closedLoop(ctx, conns, forDuration(b.cfg.window/3), create); r.err() != nil {
		return fail(r.err())
	}
	if _, err := yard.run(ctx, b.cfg.window/3); err != nil {
		return fail(err)
	}
	var engine, commits, ratios, p99s []float64
	var lat []time.Duration
	for round := range b.cfg.rounds {
		r := closedLoop(ctx, conns, forDuration(b.cfg.window), create)
		if r.err() != nil {
			return fail(r.err())
		}
		y, err := yard.run(ctx, b.cfg.window)
		if err != nil {
			return fail(err)
		}
		p99 := ms(percentile(r.latencies, 99))
		engine, commits, ratios = append(engine, r.perSecond()), append(commits, y), append(ratios, r.perSecond()/y)
		lat = append(lat, r.latencies...)
		p99s = append(p99s, p99)
		b.logf("figure 5: round %d: engine %.0f creates/s (p99 %.1f ms), SQLite %.0f commits/s",
			round+1, r.perSecond(), p99, y)
	}
	duringLoad, err := s.memory()
	if err != nil {
		return fail(err)
	}
	afterWindows := created.Load()
	fig5 := figure{num: 5, title: engineTitle, how: how5,
		checks: []check{
			{what: "creates/s ÷ SQLite commits/s", goal: atLeast(0.6), value: ratioOfMedians(engine, commits), format: "%.2f"},
			{what: "p99 of a create", goal: atMost(25), value: median(p99s), format: "%.1f", unit: " ms"},
		},
		details: []string{
			"engine creates/s by round: " + list("%.0f", engine),
			fmt.Sprintf("SQLite yardstick commits/s by round (synchronous=%d): %s", yard.synchronous, list("%.0f", commits)),
			"ratio by round: " + list("%.2f", ratios),
			"p99 of a create by round, ms: " + list("%.1f", p99s),
			fmt.Sprintf("latency of %d creates: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", len(lat),
				ms(percentile(lat, 50)), ms(percentile(lat, 90)), ms(percentile(lat, 99)), ms(percentile(lat, 100))),
			// Little's law: with every connection always waiting for a
			// create, and creates committed one at a time, the mean wait
			// is the connections ÷ the commits a second.
			fmt.Sprintf("floor: %d connections ÷ the yardstick's median %.0f commits/s = %.1f ms, the least mean latency "+
				"any store committing one create at a time could give this load on this disk during the run",
				conns, median(commits), 1000*float64(conns)/median(commits)),
		}}
	if err := b.profileWhile(ctx, s, "5-engine-create", func(ctx context.Context, d time.Duration) {
		closedLoop(ctx, conns, forDuration(d), create)
	}); err != nil {
		fig5.details = append(fig5.details, "profile: "+err.Error())
	}

	fig7 := figure{num: 7, title: rssTitle, how: how7,
		checks: []check{{what: "peak during the engine load", goal: atMost(100), value: mb(duringLoad.peak), format: "%.1f", unit: " MB"}},
		details: []string{fmt.Sprintf("after figure 5's windows (%d addresses): VmHWM %.1f MB, VmRSS %.1f MB",
			afterWindows, mb(duringLoad.peak), mb(duringLoad.now))}}
	if target := int64(b.cfg.addresses); target > 0 {
		fillStart := time.Now()
		if r := closedLoop(ctx, conns, func() bool { return created.Load() >= target }, create); r.err() != nil {
			return []figure{fig5, failed(7, rssTitle, how7, r.err())}
		}
		b.logf("figure 7: %d addresses created in all (%s to reach them after figure 5)", created.Load(), time.Since(fillStart).Round(time.Millisecond))
		full, err := s.memory()
		if err != nil {
			return []figure{fig5, failed(7, rssTitle, how7, err)}
		}
		used, err := readUsed(ctx, api.c, s.url)
		if err != nil {
			return []figure{fig5, failed(7, rssTitle, how7, err)}
		}
		fig7.checks = append(fig7.checks, check{what: fmt.Sprintf("peak after %d addresses", b.cfg.addresses),
			goal: atMost(100), value: mb(full.peak), format: "%.1f", unit: " MB"})
		fig7.details = append(fig7.details, fmt.Sprintf("with %d addresses in use (the engine's own count; %d creates answered): VmHWM %.1f MB, VmRSS %.1f MB",
			used, created.Load(), mb(full.peak), mb(full.now)))
		if int64(used) != created.Load() {
			fig7.err = fmt.Errorf("the engine counts %d addresses in use, but %d creates were answered", used, created.Load())
		}
	}
	return []figure{fig5, fig7}
}
