package main

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// Katapult allows each token 1000 requests a minute, and every call is a
// round trip the user waits for. These tests count the calls that reach
// Katapult while a user opens the bookmarked form and creates an address,
// up to the moment the result is on screen: a remote-mode dashboard in
// front of a counting proxy, in front of an embedded ipdesk playing
// Katapult. The sign-in's own check of the token is not counted.

// The two users of testdata/calls-seed.json, both staff of ACME.
const (
	callsFirstUser  = "calls-first-user-token"
	callsSecondUser = "calls-second-user-token"
)

func TestAnAddressCostsAtMostTwoKatapultCallsThenOne(t *testing.T) {
	t.Parallel()
	seed, err := filepath.Abs(filepath.Join("testdata", "calls-seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-seed", seed}, nil)

	tests := []struct {
		name string
		htmx bool
		// restart: the user signed in before the dashboard restarted,
		// and is its first user since; else another user already uses
		// the dashboard.
		restart bool
		// first and next are the most calls the first address and the
		// next one may cost.
		first, next int
	}{
		{name: "htmx, on a dashboard in use", htmx: true, first: 2, next: 1},
		{name: "without JavaScript, on a dashboard in use", first: 2, next: 1},
		// Nothing is warm in a fresh process: the organization list,
		// the networks, the data centers and the create.
		{name: "htmx, right after a restart", htmx: true, restart: true, first: 4, next: 1},
		{name: "without JavaScript, right after a restart", restart: true, first: 4, next: 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			keys := strings.Repeat(fmt.Sprintf("%02x", 0xc0+i), 32)
			// A restart keeps its data folder, where the journal keeps
			// the sessions.
			data := t.TempDir()
			dashboard := func() (started, *callCounter) {
				counter := newCallCounter(t, kat.url)
				return startRun(t, []string{"-addr", "127.0.0.1:0", "-data", data,
					"-katapult-url", counter.url, "-session-keys", keys}, nil), counter
			}
			dash, counter := dashboard()
			user := newWebClient(t)
			if tt.restart {
				user.signIn(dash.url, callsSecondUser)
				// A second process with the same session keys is the
				// restarted dashboard: the cookie still signs the user in,
				// and its cache is empty.
				dash, counter = dashboard()
			} else {
				other := newWebClient(t)
				other.signIn(dash.url, callsFirstUser)
				other.createForm(dash.url, "acme")
				user.signIn(dash.url, callsSecondUser)
			}
			var ids []string
			for n, most := range []int{tt.first, tt.next} {
				before := counter.snapshot()
				ids = append(ids, createFromBookmark(t, user, dash.url, tt.htmx))
				total, by := counter.since(before)
				which := []string{"first", "next"}[n]
				t.Logf("%s address: %d Katapult calls %v", which, total, by)
				if total > most {
					t.Errorf("the %s address cost %d Katapult calls %v, want at most %d", which, total, by, most)
				}
			}
			if ids[0] == ids[1] {
				t.Errorf("two forms showed one address, %s", ids[0])
			}
		})
	}
}

// createFromBookmark opens ACME's bookmarked form, creates an IPv4 address
// on London's public network and reads the result as the user sees it: the
// answer itself with htmx, the page the create redirects to without
// JavaScript. It returns the address's id.
func createFromBookmark(t *testing.T, c *webClient, base string, htmx bool) string {
	t.Helper()
	form := c.createForm(base, "acme")
	var h http.Header
	if htmx {
		h = http.Header{"Hx-Request": {"true"}, "Hx-Current-Url": {base + "/orgs/acme/ip-addresses/new"}}
	}
	p, err := c.doHeader(http.MethodPost, base+"/orgs/acme/ip-addresses", form, h)
	if err != nil {
		t.Fatal(err)
	}
	if !htmx {
		p.wantStatus(t, http.StatusSeeOther)
		if createdLocation.FindStringSubmatch(p.header.Get("Location")) == nil {
			t.Fatalf("the create redirected to %q, want the new address's page", p.header.Get("Location"))
		}
		p = c.get(base + p.header.Get("Location"))
	}
	p.wantStatus(t, http.StatusOK)
	card := p.testid("result-card")
	id := card.AttrOr("data-id", "")
	if card.Length() != 1 || !apiIDPattern.MatchString(id) {
		t.Fatalf("no result card with an address id: %.300s", strings.Join(strings.Fields(p.doc.Text()), " "))
	}
	if htmx && p.header.Get("HX-Push-Url") != "/orgs/acme/ip-addresses/"+id {
		t.Errorf("htmx's answer pushes %q, want the address's page", p.header.Get("HX-Push-Url"))
	}
	for testid, want := range map[string]string{
		"result-country-name": "United Kingdom", "result-datacenter-permalink": "uk-lon-01",
		"result-network-permalink": "uk-lon-01-public", "result-version": "IPv4",
	} {
		if got := strings.TrimSpace(p.testid(testid).Text()); got != want {
			t.Errorf("the result's %s is %q, want %q", testid, got, want)
		}
	}
	if got := strings.TrimSpace(p.doc.Find(`[data-testid="result-page"] h1`).Text()); got != "IP address created" {
		t.Errorf("the result's heading is %q, want %q", got, "IP address created")
	}
	return id
}

// callCounter stands between a remote-mode dashboard and Katapult and
// counts every request that reaches Katapult, by method and path.
type callCounter struct {
	url   string
	mu    sync.Mutex
	calls map[string]int
}

func newCallCounter(t *testing.T, upstream string) *callCounter {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	c := &callCounter{calls: map[string]int{}}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.calls[r.Method+" "+r.URL.Path]++
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	c.url = srv.URL
	t.Cleanup(srv.Close)
	return c
}

// snapshot is a copy of the counts so far.
func (c *callCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// since is how many calls came after the snapshot, in all and by
// method and path ("GET /core/v1/data_centers: 1").
func (c *callCounter) since(before map[string]int) (int, []string) {
	total, by := 0, []string{}
	for k, n := range c.snapshot() {
		if d := n - before[k]; d > 0 {
			total += d
			by = append(by, fmt.Sprintf("%s: %d", k, d))
		}
	}
	slices.Sort(by)
	return total, by
}

// TestTheAllowanceIsLoadedAfterTheFormThenRemembered counts what the
// allowance of unallocated addresses costs, which the form does not wait
// for (and the figures above therefore leave out): the two calls behind it
// (policy_limits and the count of unallocated addresses), made when htmx
// loads it once the form is on screen, once per user and organization for
// as long as the cache keeps them; the forms after a create show it at
// once, counted up without a call.
func TestTheAllowanceIsLoadedAfterTheFormThenRemembered(t *testing.T) {
	t.Parallel()
	seed, err := filepath.Abs(filepath.Join("testdata", "calls-seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-seed", seed}, nil)
	counter := newCallCounter(t, kat.url)
	dash := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-katapult-url", counter.url}, nil)
	user := newWebClient(t)
	user.signIn(dash.url, callsSecondUser)

	box := func() *goquery.Selection {
		p := user.get(dash.url + "/orgs/acme/ip-addresses/new")
		p.wantStatus(t, http.StatusOK)
		return p.testid("allowance")
	}
	before := counter.snapshot()
	load := box().AttrOr("hx-get", "")
	if load == "" {
		t.Fatal("the first form shows an allowance it has not loaded")
	}
	if total, by := counter.since(before); total > 3 {
		t.Errorf("the first form cost %d calls %v: its own (organizations, networks, data centers) and no more", total, by)
	}
	before = counter.snapshot()
	p, err := user.doHeader(http.MethodGet, dash.url+load, nil, http.Header{"Hx-Request": {"true"}})
	if err != nil {
		t.Fatal(err)
	}
	p.wantStatus(t, http.StatusOK)
	total, by := counter.since(before)
	t.Logf("the allowance, loaded after the form: %d Katapult calls %v", total, by)
	if total != 2 {
		t.Errorf("loading the allowance cost %d calls %v, want 2", total, by)
	}
	if got := strings.TrimSpace(p.testid("allowance-text").Text()); !strings.HasPrefix(got, "0 unallocated addresses in use") {
		t.Errorf("the allowance reads %q", got)
	}

	createFromBookmark(t, user, dash.url, true)
	before = counter.snapshot()
	next := box()
	if total, by := counter.since(before); total != 0 {
		t.Errorf("the form after a create cost %d calls %v, want none", total, by)
	}
	if _, lazy := next.Attr("hx-get"); lazy {
		t.Error("the form after a create loads the allowance again")
	}
	if got := strings.TrimSpace(next.Find(`[data-testid="allowance-text"]`).Text()); !strings.HasPrefix(got, "1 unallocated address in use") {
		t.Errorf("after a create the allowance reads %q", got)
	}
}
