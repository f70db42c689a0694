package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

const callsTitle = "Katapult calls from opening the bookmarked form to seeing the result"

// katapultCounts are the dashboard's Katapult calls so far, by operation,
// as its /metrics counts them (every code summed).
type katapultCounts map[string]float64

var (
	katapultCount  = regexp.MustCompile(`^katapult_request_duration_seconds_count\{(.*)\} (\S+)$`)
	operationLabel = regexp.MustCompile(`operation="([^"]*)"`)
)

// getMetrics reads the server's /metrics.
func getMetrics(ctx context.Context, c *http.Client, base string) ([]byte, error) {
	a, err := send(ctx, c, http.MethodGet, base+"/metrics", nil, nil)
	if err != nil {
		return nil, err
	}
	if err := a.want("GET /metrics", http.StatusOK); err != nil {
		return nil, err
	}
	return a.body, nil
}

// readKatapultCounts scrapes the server's /metrics.
func readKatapultCounts(ctx context.Context, c *http.Client, base string) (katapultCounts, error) {
	body, err := getMetrics(ctx, c, base)
	if err != nil {
		return nil, err
	}
	return parseKatapultCounts(body)
}

func parseKatapultCounts(body []byte) (katapultCounts, error) {
	counts := katapultCounts{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := katapultCount.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		op := operationLabel.FindStringSubmatch(m[1])
		v, err := strconv.ParseFloat(m[2], 64)
		if op == nil || err != nil {
			return nil, fmt.Errorf("/metrics: cannot read %q", sc.Text())
		}
		counts[op[1]] += v
	}
	return counts, sc.Err()
}

// since is how many calls of each operation were made after before.
func (c katapultCounts) since(before katapultCounts) (total int, by string) {
	var parts []string
	for op, v := range c {
		if n := int(v - before[op]); n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%s %d", op, n))
		}
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return 0, "none"
	}
	return total, strings.Join(parts, ", ")
}

// measureCalls is figure 3: the Katapult calls a user's create costs, counted
// by the server itself, on a dashboard other users already use, for the
// first and the next address, with and without JavaScript, and right after
// a restart.
func measureCalls(ctx context.Context, b *bench) []figure {
	how := "ipdesk with the bench's seed (acme, four staff tokens, the default rate limit) and a fresh data folder. " +
		"Calls are counted by the server: the sum over operations and codes of its `/metrics` " +
		"`katapult_request_duration_seconds_count`, read before and after each flow " +
		"(in embedded mode every call of the dashboard to Katapult goes through that client to the engine). " +
		"First a colleague (another token) signs in, creates with htmx and without JavaScript: the dashboard is in use. " +
		"Then a user signs in (that sign-in's own check of the token is not counted) and, counted: opens the bookmarked form, " +
		"creates (htmx: the post; without JavaScript: the post and the result page it leads to); then the next address the same way. " +
		"With JavaScript and without are two users. Then ipdesk restarts on the same data folder (the same session key: " +
		"both stay signed in) and each flow is counted once more, each right after a restart of its own."
	fail := func(err error) []figure { return []figure{failed(3, callsTitle, how, err)} }

	dir, err := b.dataDir("calls")
	if err != nil {
		return fail(err)
	}
	seed, err := writeBenchSeed(b.work)
	if err != nil {
		return fail(err)
	}
	s, err := b.startIpdesk(ctx, "calls", "", dir, "-seed", seed)
	if err != nil {
		return fail(err)
	}
	// running is the server of the moment: the figure restarts it.
	running := s
	defer func() {
		if running != nil {
			running.stop()
		}
	}()
	tr := newTransport(4)
	defer tr.CloseIdleConnections()
	scrape := &http.Client{Transport: tr}
	api := &apiClient{base: s.url, token: benchToken(0), c: scrape}
	network, err := api.networkID(ctx, benchOrg, benchNetwork)
	if err != nil {
		return fail(err)
	}
	type flowFunc func(ctx context.Context, u *user) error
	htmx := func(ctx context.Context, u *user) error {
		f, err := u.openForm(ctx, benchOrg)
		if err != nil {
			return err
		}
		return u.createHTMX(ctx, f, network, "ipv6")
	}
	plain := func(ctx context.Context, u *user) error {
		f, err := u.openForm(ctx, benchOrg)
		if err != nil {
			return err
		}
		return u.createPlain(ctx, f, network, "ipv6")
	}
	// counted runs a flow and reads how many calls it made.
	counted := func(what string, u *user, flow flowFunc) (int, string, error) {
		before, err := readKatapultCounts(ctx, scrape, s.url)
		if err != nil {
			return 0, "", err
		}
		if err := flow(ctx, u); err != nil {
			return 0, "", fmt.Errorf("%s: %w", what, err)
		}
		after, err := readKatapultCounts(ctx, scrape, s.url)
		if err != nil {
			return 0, "", err
		}
		n, by := after.since(before)
		if n == 0 {
			// Every flow creates, and a create is a call: a count of none
			// means the metric is not where the bench reads it.
			return 0, "", fmt.Errorf("%s: /metrics counted no Katapult call, not even the create: "+
				"is katapult_request_duration_seconds_count still there?", what)
		}
		b.logf("figure 3: %s: %d Katapult calls (%s)", what, n, by)
		return n, by, nil
	}

	colleague := newUser(s.url, tr)
	if err := colleague.signIn(ctx, benchToken(1)); err != nil {
		return fail(err)
	}
	if err := htmx(ctx, colleague); err != nil {
		return fail(err)
	}
	if err := plain(ctx, colleague); err != nil {
		return fail(err)
	}
	fig := figure{num: 3, title: callsTitle, how: how}
	record := func(what string, g goal, n int, by string) {
		fig.checks = append(fig.checks, check{what: what, goal: g, value: float64(n), format: "%.0f"})
		fig.details = append(fig.details, fmt.Sprintf("%s: %s", what, by))
	}
	withJS, withoutJS := newUser(s.url, tr), newUser(s.url, tr)
	for _, p := range []struct {
		u     *user
		token string
		flow  flowFunc
		name  string
	}{{withJS, benchToken(2), htmx, "with JavaScript"}, {withoutJS, benchToken(3), plain, "without JavaScript"}} {
		if err := p.u.signIn(ctx, p.token); err != nil {
			return fail(err)
		}
		for _, step := range []struct {
			what string
			g    goal
		}{{"first address, " + p.name, atMost(2)}, {"next address, " + p.name, atMost(1)}} {
			n, by, err := counted(step.what, p.u, p.flow)
			if err != nil {
				return fail(err)
			}
			record(step.what, step.g, n, by)
		}
	}
	for _, p := range []struct {
		u    *user
		flow flowFunc
		name string
	}{{withJS, htmx, "with JavaScript"}, {withoutJS, plain, "without JavaScript"}} {
		err := running.stop()
		running = nil
		if err != nil {
			return fail(err)
		}
		tr.CloseIdleConnections()
		// The same address, so that the users' cookies still apply.
		if running, err = b.startIpdesk(ctx, "calls", s.addr, dir, "-seed", seed); err != nil {
			return fail(err)
		}
		what := "right after a restart, " + p.name
		n, by, err := counted(what, p.u, p.flow)
		if err != nil {
			return fail(err)
		}
		record(what+" (no goal in the issue)", goal{}, n, by)
	}
	return []figure{fig}
}
