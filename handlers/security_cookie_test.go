package handlers_test

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ipdesk/app"
)

// sessionCookie is the session cookie a client's jar holds for its server.
func sessionCookie(t *testing.T, c *client) string {
	t.Helper()
	return c.cookie("ipdesk_session")
}

// TestAnUnusableSessionCookieIsSignedOut sends session cookies that were
// tampered with, signed by another ipdesk's keys, cut, garbled, empty or
// huge, end to end: each is no session. A page is redirected to sign in, an
// htmx request gets 401 with HX-Redirect, a create post is sent to sign in
// and creates nothing; never a 500, never a panic in the log.
func TestAnUnusableSessionCookieIsSignedOut(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	k := engineOf(t, e)
	c := e.client()
	signInWith(c, staff)
	valid := sessionCookie(t, c)

	// The same ipdesk with another session key signs a cookie of its own.
	otherKey := sha256.Sum256([]byte("another ipdesk's session key"))
	other := &env{t: t, srv: serveApp(t, app.Config{SessionKeys: [][]byte{otherKey[:]}}, &logBuffer{})}
	oc := other.client()
	signInWith(oc, staff)
	foreign := sessionCookie(t, oc)

	flip := func(i int) string {
		b := []byte(valid)
		b[i] ^= 0x01
		return string(b)
	}
	cookies := []struct{ name, value string }{
		{name: "first byte flipped", value: flip(0)},
		{name: "middle byte flipped", value: flip(len(valid) / 2)},
		{name: "last byte flipped", value: flip(len(valid) - 1)},
		{name: "signed by another ipdesk", value: foreign},
		{name: "cut in half", value: valid[:len(valid)/2]},
		{name: "one byte short", value: valid[:len(valid)-1]},
		{name: "one byte more", value: valid + "A"},
		{name: "garbage", value: "not-a-cookie"},
		{name: "garbage of the right shape", value: strings.Repeat("A", len(valid))},
		{name: "empty", value: ""},
		{name: "huge", value: strings.Repeat("Q", 6000)},
		{name: "two pipes", value: "MTcw|eyJ2Ijoie30=|AAAA"},
	}
	before := k.count(staff, "acme")
	// A signed-out browser's CSRF cookie and token, so that the create
	// post reaches the session check.
	fresh := e.client()
	fresh.get("/login").wantStatus(http.StatusOK)
	csrfCookie := fresh.cookie("ipdesk_csrf")
	form := url.Values{"_csrf": {fresh.csrf}, "once": {"AAAAAAAAAAAAAAAAAAAAAA"}, "network": {"netw_x"}, "version": {"ipv4"}}

	send := func(t *testing.T, method, path, cookie string, h hdr, body string) *http.Response {
		t.Helper()
		return e.sendRaw(t, method, path, "ipdesk_csrf="+csrfCookie+"; ipdesk_session="+cookie, h, body)
	}
	t.Run("cookies", func(t *testing.T) {
		for _, ck := range cookies {
			t.Run(ck.name, func(t *testing.T) {
				t.Parallel()
				res := send(t, http.MethodGet, "/orgs/acme/ip-addresses/new", ck.value, nil, "")
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew" {
					t.Errorf("page: %d to %q, want 303 to sign in and come back", res.StatusCode, res.Header.Get("Location"))
				}
				res = send(t, http.MethodGet, "/orgs/acme/networks", ck.value, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new"), "")
				if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew") {
					t.Errorf("htmx: %d with HX-Redirect %q, want 401 to sign in", res.StatusCode, res.Header.Get("HX-Redirect"))
				}
				res = send(t, http.MethodPost, "/orgs/acme/ip-addresses", ck.value, nil, form.Encode())
				if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
					t.Errorf("create: %d to %q, want 303 to sign in", res.StatusCode, res.Header.Get("Location"))
				}
			})
		}
	})
	// The valid cookie still works the same way: the refusals above are
	// the cookies' doing.
	if res := send(t, http.MethodGet, "/orgs/acme/ip-addresses/new", valid, nil, ""); res.StatusCode != http.StatusOK {
		t.Errorf("the untouched cookie: status %d", res.StatusCode)
	}
	if after := k.count(staff, "acme"); after != before {
		t.Errorf("acme has %d addresses more", after-before)
	}
	logs := e.logs.String()
	for _, bad := range []string{"panic", "status=500", "goroutine "} {
		if strings.Contains(logs, bad) {
			t.Errorf("the log holds %q:\n%s", bad, logs)
		}
	}
}

// TestAnExpiredSessionCannotCreate: a cookie older than 12 hours (moved
// there by the dashboard's clock; TestSessionEndsAfterTwelveHours checks
// its pages) is sent to sign in by the create post too, and Katapult is
// not asked.
func TestAnExpiredSessionCannotCreate(t *testing.T) {
	t.Parallel()
	for _, viaHTMX := range []bool{false, true} {
		t.Run(map[bool]string{false: "page", true: "htmx"}[viaHTMX], func(t *testing.T) {
			t.Parallel()
			api := newFake(t) // no create allowed
			e, c := signedIn(t, api)
			c.t = t
			form := formOf(c, "acme")
			e.clock.Add(12 * time.Hour)
			api.reset()
			var p *page
			var target string
			if viaHTMX {
				p = c.post("/orgs/acme/ip-addresses", form, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusUnauthorized)
				target = p.header.Get("HX-Redirect")
			} else {
				p = c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther)
				target = p.location()
			}
			if target != "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew&why=expired" {
				t.Errorf("sent to %q", target)
			}
			if api.total() != 0 {
				t.Errorf("an expired session asked Katapult: %s", api)
			}
			if strings.Contains(e.logs.String(), "panic") {
				t.Errorf("the log holds a panic")
			}
		})
	}
}
