package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ipdesk/handlers"
	"ipdesk/katapult"
)

func TestSignInFromABookmarkComesBackToIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, newFake(t))
	c := e.client()

	bookmark := "/orgs/acme/ip-addresses/new?network=" + lonEdge.ID
	p := c.get(bookmark).wantStatus(http.StatusSeeOther)
	want := "/login?next=" + url.QueryEscape(bookmark)
	if p.location() != want {
		t.Fatalf("redirect to %q, want %q", p.location(), want)
	}
	p = c.get(p.location()).wantStatus(http.StatusOK)
	if v, _ := p.one(`input[name="next"]`).Attr("value"); v != bookmark {
		t.Fatalf("next field %q, want %q", v, bookmark)
	}
	if typ, _ := p.one(`[data-testid="login-token"]`).Attr("type"); typ != "password" {
		t.Errorf("token field type %q, want password", typ)
	}
	p = c.post("/login", url.Values{"token": {userToken}, "next": {bookmark}}).wantStatus(http.StatusSeeOther)
	if p.location() != bookmark {
		t.Fatalf("after sign-in: redirect to %q, want %q", p.location(), bookmark)
	}
	p = c.get(bookmark).wantStatus(http.StatusOK)
	if got, _ := p.one(`select[name="network"] option[selected]`).Attr("value"); got != lonEdge.ID {
		t.Errorf("bookmarked network %q not selected (got %q)", lonEdge.ID, got)
	}
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		token      string
		err        error
		wantStatus int
		// wantField is text under the token field; wantPanel a panel's kind.
		wantField string
		wantPanel string
	}{
		{name: "empty token", token: "  ", wantStatus: 422, wantField: "Enter your Katapult API token."},
		{name: "token with spaces", token: "abc def", wantStatus: 422, wantField: "not a Katapult API token"},
		{name: "too long", token: strings.Repeat("a", 257), wantStatus: 422, wantField: "too long"},
		{name: "invalid token", token: "kt-wrong", err: katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{}),
			wantStatus: 422, wantField: katapult.Lookup(katapult.CodeInvalidAPIToken).Message},
		{name: "scope not granted names the scope", token: userToken,
			err:        katapult.NewError(katapult.CodeScopeNotGranted, katapult.Detail{Scopes: []string{"organizations:read"}}),
			wantStatus: 422, wantField: "lacks the organizations:read scope"},
		{name: "scope not granted without detail still names it", token: userToken,
			err:        katapult.NewError(katapult.CodeScopeNotGranted, katapult.Detail{}),
			wantStatus: 422, wantField: "organizations:read"},
		{name: "katapult did not answer", token: userToken, err: &katapult.UnavailableError{Op: "list organizations"},
			wantStatus: 502, wantPanel: "unavailable"},
		{name: "rate limited", token: userToken, err: &katapult.Error{Status: 429, Code: katapult.CodeRateLimitReached, RetryAfter: 20 * time.Second},
			wantStatus: 429, wantPanel: "rate_limit_reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			calls := 0
			api.organizations = func(katapult.Token) ([]katapult.Organization, error) {
				calls++
				return nil, tt.err
			}
			e := newEnv(t, api)
			c := e.client()
			c.get("/login")
			p := c.post("/login", url.Values{"token": {tt.token}}).wantStatus(tt.wantStatus)
			if tt.wantField != "" {
				got := text(p.testid("token-error"))
				if !strings.Contains(got, tt.wantField) {
					t.Errorf("token error %q, want it to contain %q", got, tt.wantField)
				}
				if v, _ := p.one("#token").Attr("aria-invalid"); v != "true" {
					t.Errorf("token field not aria-invalid")
				}
				if d, _ := p.one("#token").Attr("aria-describedby"); !strings.Contains(d, "token-error") {
					t.Errorf("aria-describedby %q lacks token-error", d)
				}
			}
			if tt.wantPanel != "" && p.find(`[data-testid="error-panel"][data-problem="`+tt.wantPanel+`"]`).Length() != 1 {
				t.Errorf("no %s panel; body:\n%s", tt.wantPanel, p.body)
			}
			if tt.err == nil && calls != 0 {
				t.Errorf("a malformed token was sent to Katapult")
			}
			if strings.Contains(p.body, tt.token) && strings.TrimSpace(tt.token) != "" {
				t.Errorf("the token is in the page")
			}
			if len(p.header.Values("Set-Cookie")) > 0 {
				for _, ck := range p.header.Values("Set-Cookie") {
					if strings.HasPrefix(ck, "ipdesk_session=") {
						t.Errorf("a refused token got a session: %s", ck)
					}
				}
			}
		})
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		e := newEnv(t, newFake(t), func(c *handlers.Config) { c.CookieSecure = secure })
		c := e.client()
		c.get("/login")
		p := c.post("/login", url.Values{"token": {userToken}}).wantStatus(http.StatusSeeOther)
		res := http.Response{Header: p.header}
		var found bool
		for _, ck := range res.Cookies() {
			if ck.Name != "ipdesk_session" {
				continue
			}
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure || ck.Path != "/" {
				t.Errorf("secure=%v: cookie %+v: want HttpOnly, SameSite=Lax, Secure=%v, Path=/", secure, ck, secure)
			}
			if ck.MaxAge != 12*60*60 {
				t.Errorf("MaxAge %d, want 12 hours", ck.MaxAge)
			}
			if strings.Contains(ck.Value, userToken) {
				t.Errorf("the token is readable in the cookie")
			}
		}
		if !found {
			t.Fatalf("no session cookie")
		}
		if hsts := p.header.Get("Strict-Transport-Security"); (hsts != "") != secure {
			t.Errorf("secure=%v: HSTS %q", secure, hsts)
		}
	}
}

func TestCSRFCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		e := newEnv(t, newFake(t), func(c *handlers.Config) { c.CookieSecure = secure })
		p := e.client().get("/login").wantStatus(http.StatusOK)
		var found bool
		for _, ck := range (&http.Response{Header: p.header}).Cookies() {
			if ck.Name != "ipdesk_csrf" {
				continue
			}
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure || ck.Path != "/" {
				t.Errorf("secure=%v: cookie %+v: want HttpOnly, SameSite=Lax, Secure=%v, Path=/", secure, ck, secure)
			}
		}
		if !found {
			t.Fatalf("secure=%v: no CSRF cookie", secure)
		}
	}
}

// TestSignInGoesBackToLocalPathsOnly: whatever next the sign-in form or
// link carries, only a path on this site is followed.
func TestSignInGoesBackToLocalPathsOnly(t *testing.T) {
	t.Parallel()
	tests := []struct{ next, want string }{
		{next: "/orgs/acme/ip-addresses?page=2", want: "/orgs/acme/ip-addresses?page=2"},
		{next: "https://evil.example/", want: "/"},
		{next: "//evil.example/x", want: "/"},
		{next: `/\evil.example`, want: "/"},
		{next: "javascript:alert(1)", want: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, newFake(t))
			c := e.client()
			login := c.get("/login?next=" + url.QueryEscape(tt.next)).wantStatus(http.StatusOK)
			field := login.find(`input[name="next"]`).AttrOr("value", "/")
			if field != tt.want {
				t.Errorf("the form carries next %q, want %q", field, tt.want)
			}
			// A forged post carries next itself.
			p := c.post("/login", url.Values{"token": {userToken}, "next": {tt.next}}).wantStatus(http.StatusSeeOther)
			if p.location() != tt.want {
				t.Errorf("sign-in sent to %q, want %q", p.location(), tt.want)
			}
			// Signed in already: the sign-in link goes straight on, locally.
			if p = c.get("/login?next=" + url.QueryEscape(tt.next)).wantStatus(http.StatusSeeOther); p.location() != tt.want {
				t.Errorf("signed-in visit sent to %q, want %q", p.location(), tt.want)
			}
		})
	}
}

// TestAnUnreadableSessionCookieMeansSigningIn: a tampered, foreign or
// truncated cookie is no session, and never an error page.
func TestAnUnreadableSessionCookieMeansSigningIn(t *testing.T) {
	t.Parallel()
	e, c := signedIn(t, newFake(t))
	value := c.cookie("ipdesk_session")
	flip := []byte(value)
	flip[len(flip)/2] ^= 1
	tests := map[string]string{
		"tampered":  string(flip),
		"truncated": value[:len(value)/2],
		"garbage":   "not-a-cookie",
		"empty":     "",
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/orgs/acme/ip-addresses/new", nil)
			req.AddCookie(&http.Cookie{Name: "ipdesk_session", Value: v})
			res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew" {
				t.Errorf("status %d to %q, want 303 to sign in", res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
}

func TestSessionEndsAfterTwelveHours(t *testing.T) {
	t.Parallel()
	e, c := signedIn(t, newFake(t).creating())
	c.get("/").wantStatus(http.StatusOK)
	// A create in between saves the cookie again: the session still ends
	// 12 hours after sign-in, not after the last save.
	e.clock.Add(6 * time.Hour)
	c.post("/orgs/acme/ip-addresses", formOf(c, "acme")).wantStatus(http.StatusSeeOther)
	e.clock.Add(5*time.Hour + 59*time.Minute)
	c.get("/").wantStatus(http.StatusOK)
	e.clock.Add(time.Minute)
	p := c.get("/orgs/acme/ip-addresses").wantStatus(http.StatusSeeOther)
	want := "/login?next=%2Forgs%2Facme%2Fip-addresses&why=expired"
	if p.location() != want {
		t.Fatalf("redirect %q, want %q", p.location(), want)
	}
	p = c.get(p.location()).wantStatus(http.StatusOK)
	if !strings.Contains(text(p.testid("login-notice")), "12 hours") {
		t.Errorf("notice %q does not say why", text(p.testid("login-notice")))
	}
	// htmx gets 401 and HX-Redirect, never a redirect it would follow.
	p = c.get("/orgs/acme/networks", htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusUnauthorized)
	if got := p.header.Get("HX-Redirect"); !strings.HasPrefix(got, "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew") {
		t.Errorf("HX-Redirect %q", got)
	}
}

func TestRejectedTokenEndsTheSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		htmx     bool
		wantCode int
	}{
		{name: "page", wantCode: http.StatusSeeOther},
		{name: "htmx", htmx: true, wantCode: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			e, c := signedIn(t, api)
			api.availableNetworks = func(katapult.Token, katapult.OrgRef) ([]katapult.Network, error) {
				return nil, katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{})
			}
			var h []hdr
			if tt.htmx {
				h = append(h, htmx(e.srv.URL+"/orgs/globex/ip-addresses/new"))
			}
			p := c.get("/orgs/acme/ip-addresses/new?org=acme", h...)
			if !tt.htmx {
				p = c.get("/orgs/acme/ip-addresses/new")
			}
			p.wantStatus(tt.wantCode)
			target := p.location()
			wantNext := "/orgs/acme/ip-addresses/new"
			if tt.htmx {
				target = p.header.Get("HX-Redirect")
				wantNext = "/orgs/globex/ip-addresses/new"
			}
			u, err := url.Parse(target)
			if err != nil || u.Path != "/login" || u.Query().Get("next") != wantNext || u.Query().Get("why") != "invalid_api_token" {
				t.Fatalf("sent to %q, want /login with next=%s", target, wantNext)
			}
			cleared := false
			for _, ck := range (&http.Response{Header: p.header}).Cookies() {
				cleared = cleared || (ck.Name == "ipdesk_session" && ck.MaxAge < 0)
			}
			if !cleared {
				t.Errorf("session cookie not cleared")
			}
			api.organizations = nil // signed out: no call may be made
			c.get("/").wantStatus(http.StatusSeeOther)
			p = c.get(target).wantStatus(http.StatusOK)
			if !strings.Contains(text(p.testid("login-notice")), katapult.Lookup(katapult.CodeInvalidAPIToken).Message) {
				t.Errorf("sign-in page does not say why: %q", text(p.testid("login-notice")))
			}
		})
	}
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	e, c := signedIn(t, api)
	p := c.get("/").wantStatus(http.StatusOK)
	c.post("/logout", url.Values{}).wantStatus(http.StatusSeeOther)
	_ = p
	api.organizations = nil
	p = c.get("/").wantStatus(http.StatusSeeOther)
	if p.location() != "/login" {
		t.Errorf("after sign-out: %q", p.location())
	}
	_ = e
}

func TestDemoModeShowsTheDemoTokens(t *testing.T) {
	t.Parallel()
	demo := []katapult.DemoToken{{Token: "demo-staff-token", Name: "Demo staff", Scopes: []string{"organizations:read", "ip_addresses"}}}
	tests := []struct {
		name string
		demo []katapult.DemoToken
		want int
	}{
		{name: "embedded", demo: demo, want: 1},
		{name: "remote", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, newFake(t), func(c *handlers.Config) { c.DemoTokens = tt.demo })
			p := e.client().get("/login").wantStatus(http.StatusOK)
			if n := p.testid("demo-panel").Length(); n != tt.want {
				t.Fatalf("%d demo panels, want %d", n, tt.want)
			}
			if tt.want == 1 && text(p.testid("demo-token")) != "demo-staff-token" {
				t.Errorf("demo token %q", text(p.testid("demo-token")))
			}
		})
	}
}
