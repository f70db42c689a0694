package handlers_test

import (
	"crypto/hkdf"
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"
)

// gobEraCodec signs and encrypts session cookies with the test key exactly
// as ipdesk did before its cookies held the session's JSON as it is: the
// same derived keys, and securecookie's default gob serializer over
// gorilla/sessions' map of values, whose one key "v" held the JSON.
func gobEraCodec(t *testing.T, nop bool) *securecookie.SecureCookie {
	t.Helper()
	hash, err := hkdf.Key(sha256.New, testKey[:], nil, "ipdesk session cookie hmac-sha256", 32)
	if err != nil {
		t.Fatal(err)
	}
	block, err := hkdf.Key(sha256.New, testKey[:], nil, "ipdesk session cookie aes-256", 32)
	if err != nil {
		t.Fatal(err)
	}
	c := securecookie.New(hash, block)
	if nop {
		c.SetSerializer(securecookie.NopEncoder{})
	}
	return c
}

// TestASessionCookieOfTheGobEraIsSignedOutCleanly: a cookie ipdesk wrote
// before it stopped using gob (valid signature, fresh, a real token) is
// no session any more. Its holder is signed out once: the bookmarked page
// sends them to sign in and back, htmx gets 401 with HX-Redirect, a create
// post creates nothing; never a 500. Signing in again works. The same
// session written as ipdesk writes it now opens the form, so the refusal
// is the format's doing, not the keys'.
func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestASessionCookieOfTheGobEraIsSignedOutCleanly(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	k := engineOf(t, e)
	// A live session, as a sign-in writes it now (with its id in the
	// journal), read back to the JSON the gob era wrapped.
	signer := e.client()
	signInWith(signer, staff)
	current := signer.cookie("ipdesk_session")
	var raw []byte
	if err := gobEraCodec(t, true).Decode("ipdesk_session", current, &raw); err != nil {
		t.Fatalf("the session cookie of a sign-in: %v", err)
	}
	sessionJSON := string(raw)
	gobEra, err := gobEraCodec(t, false).Encode("ipdesk_session", map[any]any{"v": sessionJSON})
	if err != nil {
		t.Fatal(err)
	}

	// A signed-out browser's CSRF cookie and token, so that the create
	// post reaches the session check.
	fresh := e.client()
	fresh.get("/login").wantStatus(http.StatusOK)
	csrfCookie := fresh.cookie("ipdesk_csrf")
	send := func(t *testing.T, method, path, session string, h hdr, body string) *http.Response {
		t.Helper()
		return e.sendRaw(t, method, path, "ipdesk_csrf="+csrfCookie+"; ipdesk_session="+session, h, body)
	}

	t.Run("the form, as written now", func(t *testing.T) {
		if res := send(t, http.MethodGet, "/orgs/acme/ip-addresses/new", current, nil, ""); res.StatusCode != http.StatusOK {
			t.Errorf("status %d, want 200", res.StatusCode)
		}
	})
	before := k.count(staff, "acme")
	tests := []struct {
		name, method, path string
		h                  hdr
		body               string
		wantStatus         int
		header, wantPrefix string
	}{
		{name: "the bookmarked form", method: http.MethodGet, path: "/orgs/acme/ip-addresses/new",
			wantStatus: http.StatusSeeOther, header: "Location", wantPrefix: "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew"},
		{name: "the networks with htmx", method: http.MethodGet, path: "/orgs/acme/networks", h: htmx(e.srv.URL + "/orgs/acme/ip-addresses/new"),
			wantStatus: http.StatusUnauthorized, header: "HX-Redirect", wantPrefix: "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew"},
		{name: "a create post", method: http.MethodPost, path: "/orgs/acme/ip-addresses",
			body:       url.Values{"_csrf": {fresh.csrf}, "once": {"AAAAAAAAAAAAAAAAAAAAAA"}, "network": {"netw_x"}, "version": {"ipv4"}}.Encode(),
			wantStatus: http.StatusSeeOther, header: "Location", wantPrefix: "/login?next="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, tt.method, tt.path, gobEra, tt.h, tt.body)
			if res.StatusCode != tt.wantStatus || !strings.HasPrefix(res.Header.Get(tt.header), tt.wantPrefix) {
				t.Errorf("%d with %s %q, want %d to %s…", res.StatusCode, tt.header, res.Header.Get(tt.header), tt.wantStatus, tt.wantPrefix)
			}
		})
	}
	if after := k.count(staff, "acme"); after != before {
		t.Errorf("acme has %d addresses more", after-before)
	}
	t.Run("signing in again", func(t *testing.T) {
		c := e.client().in(t)
		u, _ := url.Parse(e.srv.URL)
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "ipdesk_session", Value: gobEra, Path: "/"}})
		e2eSignIn(t, c, staff, "/orgs/acme/ip-addresses/new")
	})
	logs := e.logs.String()
	for _, bad := range []string{"panic", "status=500", "goroutine "} {
		if strings.Contains(logs, bad) {
			t.Errorf("the log holds %q:\n%s", bad, logs)
		}
	}
}
