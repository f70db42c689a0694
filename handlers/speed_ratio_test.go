package handlers_test

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSpeedRatios measures the two figures of issue 8 that belong to the
// dashboard's own CPU, each as a ratio to its yardstick measured in the
// same run, interleaved, so that a busy shared machine slows both sides
// alike:
//
//   - form page req/s ÷ /healthz req/s, signed in, warm, with eight
//     concurrent keep-alive clients (goal ≥ 0.5);
//   - dashboard create p50 ÷ the same create sent straight to the engine's
//     API with the same client, with htmx and without JavaScript (goal
//     ≤ 1.3).
//
// It is a measurement, not a check: it runs only when asked, and fails only
// if a request does.
//
//	IPDESK_SPEED_RATIOS=1 go test -count=1 -run TestSpeedRatios -v ./handlers/
//
// IPDESK_SPEED_CREATES (default 300) sets the creates of each kind;
// IPDESK_SPEED_WINDOWS (default 10) the one-second windows of each page.
func TestSpeedRatios(t *testing.T) {
	if os.Getenv("IPDESK_SPEED_RATIOS") == "" {
		t.Skip("a measurement: set IPDESK_SPEED_RATIOS=1 to run it")
	}
	env := newSpeedEnv(t)
	br := env.browser(t)
	br.createDirect() // the engine's first create opens its pools

	windows := envInt(t, "IPDESK_SPEED_WINDOWS", 10)
	clients := make([]*speedBrowser, 8)
	for i := range clients {
		clients[i] = env.browser(t)
	}
	form, health := 0.0, 0.0
	for i := range windows {
		// Alternate which page goes first, so that neither always meets
		// a machine the other just warmed or loaded.
		pages := []func(*speedBrowser){(*speedBrowser).healthz, (*speedBrowser).formPage}
		if i%2 == 1 {
			pages[0], pages[1] = pages[1], pages[0]
		}
		for j, page := range pages {
			rate := throughput(clients, page, time.Second)
			if (j == 0) == (i%2 == 0) {
				health += rate
			} else {
				form += rate
			}
		}
	}
	t.Logf("form page %.0f req/s, /healthz %.0f req/s: form ÷ healthz = %.3f (goal ≥ 0.5)",
		form/float64(windows), health/float64(windows), form/health)

	n := envInt(t, "IPDESK_SPEED_CREATES", 300)
	kinds := []struct {
		name string
		do   func(*speedBrowser)
		took []time.Duration
	}{
		{name: "engine-direct", do: (*speedBrowser).createDirect},
		{name: "htmx", do: (*speedBrowser).createHTMX},
		{name: "no-js", do: (*speedBrowser).createPlain},
	}
	for i := range n {
		// One of each kind in turn, starting with a different one each
		// round.
		for j := range kinds {
			k := &kinds[(i+j)%len(kinds)]
			start := time.Now()
			k.do(br)
			k.took = append(k.took, time.Since(start))
		}
	}
	direct := median(kinds[0].took)
	t.Logf("create p50: engine direct %v", direct)
	for _, k := range kinds[1:] {
		p50 := median(k.took)
		t.Logf("create p50: dashboard %s %v: ÷ engine direct = %.3f (goal ≤ 1.3)", k.name, p50, float64(p50)/float64(direct))
	}
}

// TestSpeedClientsWork runs each request of the speed benchmarks and of
// TestSpeedRatios once, so that `go test` keeps them working (a changed
// page that they no longer read, a create they no longer make), not only
// compiling: every request checks its status, and each create its result.
func TestSpeedClientsWork(t *testing.T) {
	t.Parallel()
	env := newSpeedEnv(t)
	br := env.browser(t)
	for _, step := range []struct {
		name string
		do   func(*speedBrowser)
	}{
		{"healthz", (*speedBrowser).healthz},
		{"form page", (*speedBrowser).formPage},
		{"create with htmx", (*speedBrowser).createHTMX},
		{"create without JavaScript", (*speedBrowser).createPlain},
		{"create on the engine's API", (*speedBrowser).createDirect},
	} {
		t.Run(step.name, func(t *testing.T) {
			step.do(br.in(t))
		})
	}
}

// throughput is how many requests a second the browsers, each signed in
// with a session of its own and each on its own connection, get answered
// in d.
func throughput(browsers []*speedBrowser, page func(*speedBrowser), d time.Duration) float64 {
	var done atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for _, br := range browsers {
		wg.Go(func() {
			for time.Now().Before(stop) {
				page(br)
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds()
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
