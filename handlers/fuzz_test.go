package handlers_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"ipdesk/app"
	"ipdesk/handlers"
	"ipdesk/katapult"
	"ipdesk/katapult/labeltest"
)

// dashboard is a signed-in dashboard driven without a network, for fuzz
// targets: one request per input must cost little. Same-origin posts pass
// the CSRF check as a browser's do.
type dashboard struct {
	h      http.Handler
	cookie string
}

// signInTo signs in to h with token and keeps the session cookie.
func signInTo(tb testing.TB, h http.Handler, token string) *dashboard {
	tb.Helper()
	d := &dashboard{h: h}
	res, _ := d.do(http.MethodPost, "/login", "token="+url.QueryEscape(token))
	if res.Code != http.StatusSeeOther {
		tb.Fatalf("sign-in: status %d: %s", res.Code, res.Body)
	}
	for _, c := range res.Result().Cookies() {
		if c.Name == "ipdesk_session" {
			d.cookie = c.Name + "=" + c.Value
		}
	}
	if d.cookie == "" {
		tb.Fatal("sign-in set no session cookie")
	}
	return d
}

// do sends one request: a form post when form is not "", the target
// written as it is. It reports false, sending nothing, when no client
// could send that request line (a server refuses it before any handler).
func (d *dashboard) do(method, target, form string) (*httptest.ResponseRecorder, bool) {
	head := method + " " + target + " HTTP/1.1\r\nHost: ipdesk.test\r\nSec-Fetch-Site: same-origin\r\n"
	if form != "" {
		head += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(form)) + "\r\n"
	}
	if d.cookie != "" {
		head += "Cookie: " + d.cookie + "\r\n"
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\r\n" + form)))
	if err != nil {
		return nil, false
	}
	req.RemoteAddr = "192.0.2.10:40000"
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, req)
	return rec, true
}

// freshOnce is a one-time token as a rendered form carries one.
func freshOnce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// FuzzCreateForm posts the create form with arbitrary bytes in each field
// (one-time token and CSRF aside, which are always good: their own tests
// cover them). It must never fail inside: every answer is a page of the
// dashboard, a 4xx for a form it refuses, with nothing created, or the
// redirect to the address it created, whose label the rule keeps.
func FuzzCreateForm(f *testing.F) {
	for _, tc := range labeltest.Cases() {
		f.Add(lonPublic.ID, "ipv4", "on", tc.Label)
	}
	var (
		mu      sync.Mutex
		creates int
		sent    katapult.CreateIPAddress
	)
	// The fake's reads and create are all allowed: a fuzz target has no
	// *testing.T to fail an unexpected call with before its function runs.
	api := newFake(nil).creating()
	create := api.create
	api.create = func(tok katapult.Token, req katapult.CreateIPAddress) (katapult.IPAddress, error) {
		mu.Lock()
		creates++
		sent = req
		mu.Unlock()
		return create(tok, req)
	}
	h, err := handlers.New(handlers.Config{API: api, SessionKeys: [][]byte{testKey[:]},
		Logger: slog.New(slog.DiscardHandler), Now: time.Now})
	if err != nil {
		f.Fatal(err)
	}
	d := signInTo(f, h, userToken)
	f.Fuzz(func(t *testing.T, network, version, vip, label string) {
		form := url.Values{"network": {network}, "version": {version}, "vip": {vip}, "label": {label}, "once": {freshOnce()}}
		mu.Lock()
		before := creates
		mu.Unlock()
		res, _ := d.do(http.MethodPost, "/orgs/acme/ip-addresses", form.Encode())
		mu.Lock()
		made, req := creates-before, sent
		mu.Unlock()
		if res.Code == http.StatusSeeOther {
			if made != 1 {
				t.Fatalf("redirected after %d creates", made)
			}
			wantKept(t, req, vip == "on")
			return
		}
		if res.Code < 400 || res.Code > 499 {
			t.Fatalf("status %d for a form; page:\n%s", res.Code, res.Body)
		}
		if made != 0 {
			t.Fatalf("refused with %d, yet %d created", res.Code, made)
		}
		wantPage(t, res)
	})
}

// FuzzEditForm posts the edit form with arbitrary bytes in each field,
// the values it was opened with included. Every answer is a page: the
// redirect after an update that sent only what the rules keep, the form
// again (200, nothing to save), or a 4xx with nothing sent.
func FuzzEditForm(f *testing.F) {
	for _, tc := range labeltest.Cases() {
		f.Add("on", tc.Label, "mail.example.com", "on", "web-vip", acmeVIP.ReverseDNS, acmeVIP.Address)
	}
	f.Add("", "", "", "", "", "", "")
	f.Add("on", "x", "192.0.2.1", "", "", "a.example", "not an address")
	h := newHolding(nil)
	dash, err := handlers.New(handlers.Config{API: h.fakeAPI, SessionKeys: [][]byte{testKey[:]},
		Logger: slog.New(slog.DiscardHandler), Now: time.Now})
	if err != nil {
		f.Fatal(err)
	}
	d := signInTo(f, dash, userToken)
	f.Fuzz(func(t *testing.T, vip, label, rdns, wasVIP, wasLabel, wasRDNS, address string) {
		form := url.Values{"vip": {vip}, "label": {label}, "reverse_dns": {rdns}, "was_vip": {wasVIP},
			"was_label": {wasLabel}, "was_reverse_dns": {wasRDNS}, "address": {address}}
		h.mu.Lock()
		before := len(h.updates)
		h.mu.Unlock()
		res, _ := d.do(http.MethodPost, acmeVIPPath, form.Encode())
		h.mu.Lock()
		sent := h.updates[before:]
		h.mu.Unlock()
		switch {
		case res.Code == http.StatusSeeOther:
			if len(sent) != 1 {
				t.Fatalf("redirected after %d updates", len(sent))
			}
			if l := sent[0].Label; l != nil {
				if kept, problems := katapult.CheckLabel(*l, true); kept != *l || len(problems) > 0 || vip != "on" {
					t.Fatalf("sent the label %q (VIP %q)", *l, vip)
				}
			}
			if r := sent[0].ReverseDNS; r != nil {
				if kept, problems := katapult.CheckReverseDNS(*r); kept != *r || len(problems) > 0 {
					t.Fatalf("sent the reverse DNS %q", *r)
				}
			}
			return
		case res.Code == http.StatusOK:
			if len(sent) != 0 {
				t.Fatalf("200 after %d updates", len(sent))
			}
		case res.Code < 400 || res.Code > 499 || len(sent) != 0:
			t.Fatalf("status %d after %d updates; page:\n%s", res.Code, len(sent), res.Body)
		}
		wantPage(t, res)
	})
}

// FuzzReleaseForm posts the release confirmation with arbitrary bytes: an
// address is released only when what was typed is that address.
func FuzzReleaseForm(f *testing.F) {
	for _, typed := range []string{acmeVIP.Address, " 192.0.2.10\t", "192.0.2.010", "::ffff:192.0.2.10", "", "\xff", "192.0.2.10%eth0"} {
		f.Add(typed)
	}
	h := newHolding(nil)
	var mu sync.Mutex
	releases := 0
	h.release = func(katapult.Token, string) error { // the address stays, for the next input
		mu.Lock()
		releases++
		mu.Unlock()
		return nil
	}
	dash, err := handlers.New(handlers.Config{API: h.fakeAPI, SessionKeys: [][]byte{testKey[:]},
		Logger: slog.New(slog.DiscardHandler), Now: time.Now})
	if err != nil {
		f.Fatal(err)
	}
	d := signInTo(f, dash, userToken)
	f.Fuzz(func(t *testing.T, typed string) {
		mu.Lock()
		before := releases
		mu.Unlock()
		res, _ := d.do(http.MethodPost, acmeVIPPath+"/release", url.Values{"confirm": {typed}}.Encode())
		mu.Lock()
		made := releases - before
		mu.Unlock()
		a, err := netip.ParseAddr(strings.TrimSpace(typed))
		same := err == nil && a == netip.MustParseAddr(acmeVIP.Address)
		switch {
		case res.Code == http.StatusSeeOther && made == 1 && same:
			return
		case res.Code == http.StatusUnprocessableEntity && made == 0 && !same:
			wantPage(t, res)
		default:
			t.Fatalf("typed %q: status %d after %d releases", typed, res.Code, made)
		}
	})
}

// wantKept fails unless a create that was sent holds only what the form's
// rules keep.
func wantKept(t *testing.T, req katapult.CreateIPAddress, vip bool) {
	t.Helper()
	if !req.Version.Valid() || req.NetworkID == "" || req.NetworkID != strings.TrimSpace(req.NetworkID) || req.VIP != vip {
		t.Fatalf("sent %+v", req)
	}
	if !vip {
		if req.Label != "" {
			t.Fatalf("a plain address was sent the label %q", req.Label)
		}
		return
	}
	if kept, problems := katapult.CheckLabel(req.Label, true); kept != req.Label || len(problems) > 0 {
		t.Fatalf("sent the label %q, which the rule makes %q, %q", req.Label, kept, problems)
	}
}

// wantPage fails unless an answer is one of the dashboard's HTML pages,
// UTF-8, and shows nothing of a failure inside.
func wantPage(t *testing.T, res *httptest.ResponseRecorder) {
	t.Helper()
	if ct := res.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("status %d with Content-Type %q", res.Code, ct)
	}
	body := res.Body.String()
	if !utf8.ValidString(body) {
		t.Fatalf("status %d: the page is not UTF-8", res.Code)
	}
	for _, leak := range []string{"goroutine ", "panic:", "runtime error"} {
		if strings.Contains(body, leak) {
			t.Fatalf("status %d: the page shows %q", res.Code, leak)
		}
	}
}

// FuzzOrgPath asks the dashboard, in front of the real engine, for its
// pages with arbitrary text where the organization goes. Every answer is a
// page or a redirect within the dashboard, never a failure inside, and
// never shows the organization the staff token cannot see.
func FuzzOrgPath(f *testing.F) {
	d := staffDashboard(f)
	pages := []string{"/ip-addresses/new", "/ip-addresses", "/networks", "/ip-addresses/ip_AAAAAAAAAAAAAAAA",
		"/ip-addresses/ip_AAAAAAAAAAAAAAAA/edit", "/ip-addresses/ip_AAAAAAAAAAAAAAAA/release", "/allowance"}
	f.Fuzz(func(t *testing.T, org string, page uint8, query string) {
		target := "/orgs/" + org + pages[int(page)%len(pages)]
		if query != "" {
			target += "?" + query
		}
		res, sent := d.do(http.MethodGet, target, "")
		if !sent {
			return
		}
		switch {
		case res.Code >= 300 && res.Code <= 399:
			if loc := res.Header().Get("Location"); !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
				t.Fatalf("%s redirects off the dashboard to %q", target, loc)
			}
		case res.Code >= 500 && res.Code != http.StatusBadGateway && res.Code != http.StatusServiceUnavailable:
			t.Fatalf("%s: status %d; page:\n%s", target, res.Code, res.Body)
		default:
			wantPage(t, res)
		}
		if b := res.Body.String(); strings.Contains(b, "Wayne") || strings.Contains(b, "org_xJEjlN5TjpD86bJZ") {
			t.Fatalf("%s: status %d shows the organization the token cannot see", target, res.Code)
		}
	})
}

// staffDashboard is the whole ipdesk in front of the real engine with its
// demo seed, signed in with the staff token (which cannot see Wayne).
func staffDashboard(f *testing.F) *dashboard {
	a, err := app.New(context.Background(), app.Config{
		DataDir:       f.TempDir(),
		SessionKeys:   [][]byte{testKey[:]},
		Budget:        app.NewBudget(katapult.DefaultReadTimeout, katapult.DefaultCreateTimeout),
		MetricsOnMain: true,
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = a.Close() })
	var staff string
	for _, tok := range a.DemoTokens() {
		if strings.Join(tok.Scopes, " ") == "organizations:read ip_addresses" {
			staff = tok.Token
		}
	}
	return signInTo(f, a.Handler(), staff)
}
