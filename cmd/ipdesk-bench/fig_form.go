package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// demoToken is the built-in demo seed's staff token: public by design.
const demoToken = "demo-staff-token"

// startDemo starts ipdesk as `make run` does (the built-in demo seed, a
// fresh data folder), without the embedded API's rate limit so that the
// bench's creates are not refused, and signs in with the demo token as a
// user whose pool holds up to conns connections.
func (b *bench) startDemo(ctx context.Context, name string, conns int) (*server, *user, error) {
	dir, err := b.dataDir(name)
	if err != nil {
		return nil, nil, err
	}
	s, err := b.startIpdesk(ctx, name, "", dir, "-rate-limit", "0")
	if err != nil {
		return nil, nil, err
	}
	u := newUser(s.url, newTransport(conns))
	if err := u.signIn(ctx, demoToken); err != nil {
		u.c.CloseIdleConnections()
		s.stop()
		return nil, nil, err
	}
	return s, u, nil
}

const formTitle = "form page req/s ÷ `/healthz` req/s, signed in, warm"

// measureForm is figure 1: how many form pages a second the server
// answers, against how many /healthz answers, with the same client at the
// same concurrency.
func measureForm(ctx context.Context, b *bench) []figure {
	client := fmt.Sprintf("this program's Go client (net/http, keep-alive) with %d connections", b.cfg.conns)
	if b.wrk != "" {
		client = fmt.Sprintf("wrk (`%s -t 1 -c %d`)", b.wrk, b.cfg.conns)
	}
	how := fmt.Sprintf("ipdesk with the demo seed (`-rate-limit 0`, a fresh data folder); signed in with the demo token; "+
		"the form page opened once and loaded for a third of a window before measuring, so the caches are warm. "+
		"Load: %s, every request with the session cookie and `Accept-Encoding: gzip`, as a browser sends them. "+
		"%d rounds of a %s window of `GET /orgs/acme/ip-addresses/new`, then one of `GET /healthz`; "+
		"the figure is the median of the form page's req/s ÷ the median of /healthz's.",
		client, b.cfg.rounds, b.cfg.window)
	fail := func(err error) []figure { return []figure{failed(1, formTitle, how, err)} }

	s, u, err := b.startDemo(ctx, "form", b.cfg.conns)
	if err != nil {
		return fail(err)
	}
	defer s.stop()
	defer u.c.CloseIdleConnections()
	if _, err := u.openForm(ctx, benchOrg); err != nil {
		return fail(err)
	}
	cookie := u.cookieHeader()
	headers := http.Header{"Accept-Encoding": {"gzip"}, "Cookie": {cookie}}
	rate := func(ctx context.Context, target string, d time.Duration) (float64, error) {
		if b.wrk != "" {
			r, err := runWrk(ctx, b.wrk, target, b.cfg.conns, d, []string{"Accept-Encoding: gzip", "Cookie: " + cookie})
			return r.perSecond, err
		}
		c := &http.Client{Transport: u.c.Transport}
		r := closedLoop(ctx, b.cfg.conns, forDuration(d), func(ctx context.Context) error {
			a, err := send(ctx, c, http.MethodGet, target, nil, headers)
			if err != nil {
				return err
			}
			return a.want("GET "+target, http.StatusOK)
		})
		return r.perSecond(), r.err()
	}
	formURL, healthURL := s.url+formPath(benchOrg), s.url+"/healthz"
	if _, err := rate(ctx, formURL, b.cfg.window/3); err != nil {
		return fail(err)
	}
	var form, health, ratios []float64
	for round := range b.cfg.rounds {
		f, err := rate(ctx, formURL, b.cfg.window)
		if err != nil {
			return fail(err)
		}
		h, err := rate(ctx, healthURL, b.cfg.window)
		if err != nil {
			return fail(err)
		}
		form, health, ratios = append(form, f), append(health, h), append(ratios, f/h)
		b.logf("figure 1: round %d: form page %.0f req/s, /healthz %.0f req/s", round+1, f, h)
	}
	fig := figure{num: 1, title: formTitle, how: how,
		checks: []check{{what: "form page ÷ /healthz", goal: atLeast(0.5), value: ratioOfMedians(form, health), format: "%.2f"}},
		details: []string{
			"form page req/s by round: " + list("%.0f", form),
			"/healthz req/s by round: " + list("%.0f", health),
			"ratio by round: " + list("%.2f", ratios),
		}}
	if err := b.profileWhile(ctx, s, "1-form-page", func(ctx context.Context, d time.Duration) { _, _ = rate(ctx, formURL, d) }); err != nil {
		fig.details = append(fig.details, "profile: "+err.Error())
	}
	return []figure{fig}
}
