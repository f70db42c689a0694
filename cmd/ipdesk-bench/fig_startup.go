package main

import (
	"context"
	"fmt"
	"time"
)

const startupTitle = "start-up to the first `/healthz` 200 on a fresh data folder ÷ a hello-world Go server"

// measureStartup is figure 8: how long ipdesk takes from exec to its first
// /healthz 200 on a fresh data folder (generating its session key,
// creating and seeding its store), against a hello-world Go HTTP server
// built by the same Go.
func measureStartup(ctx context.Context, b *bench) []figure {
	how := fmt.Sprintf("Both built by `go build` (ipdesk as `make build` builds it; the yardstick is "+
		"cmd/ipdesk-bench/helloserver, net/http answering `/healthz`). Each start is timed from `exec` to the first "+
		"`/healthz` answered 200, asked every %s until the port takes connections; ipdesk starts with `-addr` and a new, "+
		"empty `-data` folder each time (it generates its session key, creates and seeds its store) and the default demo seed. "+
		"%d starts of each, taking turns; the figure is the median of ipdesk's ÷ the median of the hello-world's.",
		healthPoll, b.cfg.startups)
	fail := func(err error) []figure { return []figure{failed(8, startupTitle, how, err)} }
	// once starts one server, times it until /healthz answers, and stops it.
	once := func(ipdesk bool) (time.Duration, error) {
		addr, err := freeAddr()
		if err != nil {
			return 0, err
		}
		name, bin, args := "helloserver", b.hello, []string{"-addr", addr}
		if ipdesk {
			dir, err := b.dataDir("startup")
			if err != nil {
				return 0, err
			}
			name, bin, args = "ipdesk-startup", b.ipdesk, []string{"-addr", addr, "-data", dir}
		}
		start := time.Now()
		s, err := b.launch(name, bin, addr, args...)
		if err != nil {
			return 0, err
		}
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = s.waitHealthy(wctx)
		took := time.Since(start)
		cancel()
		if stopErr := s.stop(); err == nil {
			err = stopErr
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w%s", name, err, s.tail())
		}
		return took, nil
	}
	// One of each first, untimed: the binaries into the page cache.
	for _, ipdesk := range []bool{true, false} {
		if _, err := once(ipdesk); err != nil {
			return fail(err)
		}
	}
	var ipdesk, hello []float64
	for i := range b.cfg.startups {
		// Each takes the lead in turn, so neither always follows the
		// other's exit.
		for _, isIpdesk := range []bool{i%2 == 0, i%2 != 0} {
			d, err := once(isIpdesk)
			if err != nil {
				return fail(err)
			}
			if isIpdesk {
				ipdesk = append(ipdesk, ms(d))
			} else {
				hello = append(hello, ms(d))
			}
		}
	}
	b.logf("figure 8: ipdesk %.1f ms, hello-world %.1f ms (medians)", median(ipdesk), median(hello))
	return []figure{{num: 8, title: startupTitle, how: how,
		checks: []check{{what: "ipdesk ÷ hello-world", goal: atMost(5), value: ratioOfMedians(ipdesk, hello), format: "%.2f"}},
		details: []string{
			fmt.Sprintf("ipdesk, ms: %s (median %.1f)", list("%.1f", ipdesk), median(ipdesk)),
			fmt.Sprintf("hello-world, ms: %s (median %.1f)", list("%.1f", hello), median(hello)),
		}}}
}
