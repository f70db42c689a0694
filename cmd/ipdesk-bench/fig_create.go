package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

const createTitle = "dashboard create p50 ÷ the same create sent straight to the engine's API"

// createKind is one way to create an address.
type createKind int

const (
	viaHTMX  createKind = iota // the dashboard's form posted by htmx
	viaPlain                   // the form posted without JavaScript, and the result page
	viaAPI                     // the engine's API, straight
)

var createKinds = []createKind{viaHTMX, viaPlain, viaAPI}

func (k createKind) String() string {
	return [...]string{"htmx", "plain", "api"}[k]
}

// measureCreate is figure 2: the latency of a create through the dashboard
// against the same create sent straight to the engine's API, one at a
// time, with the same client.
func measureCreate(ctx context.Context, b *bench) []figure {
	how := fmt.Sprintf("ipdesk with the demo seed (`-rate-limit 0`), signed in with the demo token; one Go client "+
		"(net/http, one keep-alive connection, gzip accepted), one create at a time, IPv6 in acme's %s. "+
		"Each create is timed from sending to the last byte of its answer: "+
		"htmx: `POST /orgs/acme/ip-addresses` with `HX-Request: true`, the result card in the answer; "+
		"without JavaScript: the same post answered 303, then `GET` of the result page, both counted; "+
		"the API: `POST /core/v1/organizations/_/ip_addresses` with the demo token and "+
		"`{\"organization\":{\"sub_domain\":\"acme\"},\"network\":{\"id\":…},\"version\":\"ipv6\",\"vip\":false}` "+
		"(the body Krystal's client sends for the dashboard; the engine wants the organization in the body). "+
		"The form each dashboard create posts is opened before it, untimed. "+
		"%d rounds of %d creates of each kind, the kinds taking turns create by create; "+
		"the figure is the p50 of all of one kind ÷ the p50 of all API creates.",
		benchNetwork, b.cfg.rounds, b.cfg.creates)
	fail := func(err error) []figure { return []figure{failed(2, createTitle, how, err)} }

	s, u, err := b.startDemo(ctx, "create", 1)
	if err != nil {
		return fail(err)
	}
	defer s.stop()
	defer u.c.CloseIdleConnections()
	// The API's creates share the user's one connection.
	api := &apiClient{base: s.url, token: demoToken, c: &http.Client{Transport: u.c.Transport}}
	network, err := api.networkID(ctx, benchOrg, benchNetwork)
	if err != nil {
		return fail(err)
	}
	body := createBody(benchOrg, network, "ipv6")
	// once creates one address of a kind and times it.
	once := func(ctx context.Context, kind createKind) (time.Duration, error) {
		var (
			f   createForm
			err error
		)
		if kind != viaAPI {
			if f, err = u.openForm(ctx, benchOrg); err != nil {
				return 0, err
			}
		}
		start := time.Now()
		switch kind {
		case viaHTMX:
			err = u.createHTMX(ctx, f, network, "ipv6")
		case viaPlain:
			err = u.createPlain(ctx, f, network, "ipv6")
		default:
			err = api.create(ctx, body)
		}
		return time.Since(start), err
	}
	for range 3 { // warm-up: connections, caches, the store's pages
		for _, k := range createKinds {
			if _, err := once(ctx, k); err != nil {
				return fail(err)
			}
		}
	}
	all := map[createKind][]time.Duration{}
	ratios := map[createKind][]float64{}
	for round := range b.cfg.rounds {
		this := map[createKind][]time.Duration{}
		for i := range b.cfg.creates {
			for j := range createKinds {
				k := createKinds[(i+j)%len(createKinds)]
				rctx, cancel := context.WithTimeout(ctx, requestTimeout)
				d, err := once(rctx, k)
				cancel()
				if err != nil {
					return fail(fmt.Errorf("%s create: %w", k, err))
				}
				this[k] = append(this[k], d)
			}
		}
		api50 := percentile(this[viaAPI], 50)
		for _, k := range createKinds {
			all[k] = append(all[k], this[k]...)
			ratios[k] = append(ratios[k], float64(percentile(this[k], 50))/float64(api50))
		}
		b.logf("figure 2: round %d: p50 htmx %.2f ms, plain %.2f ms, API %.2f ms", round+1,
			ms(percentile(this[viaHTMX], 50)), ms(percentile(this[viaPlain], 50)), ms(api50))
	}
	p50 := func(k createKind) float64 { return ms(percentile(all[k], 50)) }
	fig := figure{num: 2, title: createTitle, how: how,
		checks: []check{
			{what: "htmx ÷ API", goal: atMost(1.3), value: p50(viaHTMX) / p50(viaAPI), format: "%.2f"},
			{what: "without JavaScript (post + result page) ÷ API", goal: atMost(1.3), value: p50(viaPlain) / p50(viaAPI), format: "%.2f"},
		},
		details: []string{
			fmt.Sprintf("p50 of %d creates each: htmx %.2f ms, without JavaScript %.2f ms, API %.2f ms",
				len(all[viaAPI]), p50(viaHTMX), p50(viaPlain), p50(viaAPI)),
			fmt.Sprintf("p90: htmx %.2f ms, without JavaScript %.2f ms, API %.2f ms",
				ms(percentile(all[viaHTMX], 90)), ms(percentile(all[viaPlain], 90)), ms(percentile(all[viaAPI], 90))),
			"htmx ÷ API by round: " + list("%.2f", ratios[viaHTMX]),
			"without JavaScript ÷ API by round: " + list("%.2f", ratios[viaPlain]),
		}}
	for _, k := range createKinds {
		err := b.profileWhile(ctx, s, "2-create-"+k.String(), func(ctx context.Context, d time.Duration) {
			closedLoop(ctx, 1, forDuration(d), func(ctx context.Context) error { _, err := once(ctx, k); return err })
		})
		if err != nil {
			fig.details = append(fig.details, "profile: "+err.Error())
		}
	}
	return []figure{fig}
}
