package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
	"ipdesk/views"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, next, want string
	}{
		{name: "local path", next: "/orgs/acme/ip-addresses/new", want: "/orgs/acme/ip-addresses/new"},
		{name: "with query", next: "/orgs/acme/ip-addresses?page=2", want: "/orgs/acme/ip-addresses?page=2"},
		{name: "root", next: "/", want: "/"},
		{name: "empty", next: "", want: "/"},
		{name: "protocol-relative", next: "//evil.example/x", want: "/"},
		{name: "backslash host", next: `/\evil.example`, want: "/"},
		{name: "backslash later", next: `/a\b`, want: "/"},
		{name: "scheme", next: "https://evil.example/", want: "/"},
		{name: "javascript", next: "javascript:alert(1)", want: "/"},
		{name: "relative", next: "orgs/acme", want: "/"},
		{name: "tab smuggling", next: "/\t/evil.example", want: "/"},
		{name: "newline", next: "/a\nb", want: "/"},
		{name: "login loop", next: "/login?next=/", want: "/"},
		{name: "logout", next: "/logout", want: "/"},
		{name: "too long", next: "/" + strings.Repeat("a", maxNextLen), want: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := safeNext(tt.next); got != tt.want {
				t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
			}
		})
	}
}

// TestSessionCookieWorstCaseSize fills every bounded part of the session to
// its limit, with the longest values accepted, and checks the encoded
// cookie stays well under browsers' 4096 bytes.
func TestSessionCookieWorstCaseSize(t *testing.T) {
	t.Parallel()
	key := make([]byte, 32)
	store, err := newSessionStore([][]byte{key}, true)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s := &server{store: store, now: func() time.Time { return now }}
	sess := &session{Token: strings.Repeat("T", maxTokenLen), SignedIn: now.Unix()}
	for i := range maxLastUsed + 3 {
		org := strings.Repeat("o", maxKeyLen-2) + string(rune('a'+i)) + "z"
		sess.rememberLast(org, strings.Repeat("n", maxIDLen), katapult.IPv6)
	}
	for range onceRing + 3 {
		sess.rememberOnce(newOnceToken(), strings.Repeat("i", maxIDLen))
	}
	sess.Flash = &flash{Kind: flashReleased, Subject: strings.Repeat("f", maxFlashSubject), Org: orgTag("acme")}
	if len(sess.Last) != maxLastUsed || len(sess.Once) != onceRing {
		t.Fatalf("bounds not kept: %d last, %d once", len(sess.Last), len(sess.Once))
	}
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	if err := s.saveSession(c, sess); err != nil {
		t.Fatal(err)
	}
	cookie := rec.Header().Get("Set-Cookie")
	t.Logf("worst-case Set-Cookie: %d bytes", len(cookie))
	if len(cookie) > 3200 {
		t.Errorf("worst-case session cookie is %d bytes, want at most 3200 (browsers stop at 4096)", len(cookie))
	}
	// And it reads back.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", strings.SplitN(cookie, ";", 2)[0])
	got, _ := s.loadSession(echo.New().NewContext(req, httptest.NewRecorder()))
	if got == nil || got.Token != sess.Token || len(got.Once) != onceRing {
		t.Fatalf("session did not read back: %+v", got)
	}
}

func TestSessionKeysAreChecked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		keys    [][]byte
		wantErr bool
	}{
		{name: "none", wantErr: true},
		{name: "short", keys: [][]byte{make([]byte, 31)}, wantErr: true},
		{name: "one", keys: [][]byte{make([]byte, 32)}},
		{name: "rotation", keys: [][]byte{make([]byte, 32), make([]byte, 64)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := newSessionStore(tt.keys, false)
			if (err != nil) != tt.wantErr {
				t.Errorf("err %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestKeyRotationKeepsOldSessions(t *testing.T) {
	t.Parallel()
	old, cur := make([]byte, 32), make([]byte, 32)
	cur[0] = 1
	oldStore, _ := newSessionStore([][]byte{old}, false)
	newStore, _ := newSessionStore([][]byte{cur, old}, false)
	now := time.Now()
	sess := &session{Token: "t", SignedIn: now.Unix()}
	rec := httptest.NewRecorder()
	(&server{store: oldStore, now: time.Now}).saveSession(echo.New().NewContext(httptest.NewRequest("GET", "/", nil), rec), sess)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", strings.SplitN(rec.Header().Get("Set-Cookie"), ";", 2)[0])
	got, _ := (&server{store: newStore, now: time.Now}).loadSession(echo.New().NewContext(req, httptest.NewRecorder()))
	if got == nil || got.Token != "t" {
		t.Fatalf("a cookie of the old key did not verify after rotation")
	}
}

// TestPathsMatchRoutes checks that every path views build is served by the
// route routes.go lists for it.
func TestPathsMatchRoutes(t *testing.T) {
	t.Parallel()
	e := echo.New()
	s := &server{}
	s.routes(e)
	tests := []struct {
		path, method, route string
	}{
		{views.PathHome("a b"), http.MethodGet, "/"},
		{views.PathLogin("/x", "expired"), http.MethodGet, "/login"},
		{views.PathLogin("", ""), http.MethodPost, "/login"},
		{views.PathLogout(), http.MethodPost, "/logout"},
		{views.PathNewAddress("acme"), http.MethodGet, "/orgs/:org/ip-addresses/new"},
		{views.PathNewAddressWith("acme", "netw_x", "ipv6"), http.MethodGet, "/orgs/:org/ip-addresses/new"},
		{views.PathNetworks("acme"), http.MethodGet, "/orgs/:org/networks"},
		{views.PathAddresses("acme"), http.MethodPost, "/orgs/:org/ip-addresses"},
		{views.PathAddressesPage("acme", 3), http.MethodGet, "/orgs/:org/ip-addresses"},
		{views.PathAddress("acme", "ip_x"), http.MethodGet, "/orgs/:org/ip-addresses/:id"},
		{views.PathEditAddress("acme", "ip_x"), http.MethodGet, "/orgs/:org/ip-addresses/:id/edit"},
		{views.PathAddress("acme", "ip_x"), http.MethodPost, "/orgs/:org/ip-addresses/:id"},
		{views.PathReleaseAddress("acme", "ip_x"), http.MethodGet, "/orgs/:org/ip-addresses/:id/release"},
		{views.PathReleaseAddress("acme", "ip_x"), http.MethodPost, "/orgs/:org/ip-addresses/:id/release"},
		{views.PathAllowance("acme"), http.MethodGet, "/orgs/:org/allowance"},
		{views.PathActivity(nil), http.MethodGet, "/activity"},
		{views.PathActivity(url.Values{"person": {"a b"}, "before": {"9"}}), http.MethodGet, "/activity"},
		{views.PathOrgActivity("acme", url.Values{"format": {"csv"}}), http.MethodGet, "/orgs/:org/activity"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		c := e.NewContext(req, httptest.NewRecorder())
		e.Router().Find(tt.method, req.URL.Path, c)
		if c.Path() != tt.route {
			t.Errorf("%s %s routes to %q, want %q", tt.method, tt.path, c.Path(), tt.route)
		}
	}
}

func TestFlag(t *testing.T) {
	t.Parallel()
	tests := []struct{ iso, want string }{
		{"GB", "🇬🇧"}, {"nl", "🇳🇱"}, {"US", "🇺🇸"}, {"", ""}, {"GBR", ""}, {"G1", ""},
	}
	for _, tt := range tests {
		if got := flag(tt.iso); got != tt.want {
			t.Errorf("flag(%q) = %q, want %q", tt.iso, got, tt.want)
		}
	}
}

func TestOnceTokens(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		tok := newOnceToken()
		if !validOnce(tok) || seen[tok] {
			t.Fatalf("token %q invalid or repeated", tok)
		}
		seen[tok] = true
	}
	for _, bad := range []string{"", "abc", strings.Repeat("A", 23), "AAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAAA!"} {
		if validOnce(bad) {
			t.Errorf("validOnce(%q) = true", bad)
		}
	}
}
