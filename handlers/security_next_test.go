package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// hostileNexts are return paths that lead, or once led some browser or
// server, off the site: scheme and host forms, slashes and backslashes
// spelled every way, characters browsers strip, encodings decoded once too
// often, and loops through the sign-in page.
var hostileNexts = []struct{ name, next string }{
	{name: "protocol-relative", next: "//evil.example"},
	{name: "protocol-relative with a path", next: "//evil.example/orgs"},
	{name: "three slashes", next: "///evil.example"},
	{name: "slash backslash", next: `/\evil.example`},
	{name: "backslash slash", next: `\/evil.example`},
	{name: "two backslashes", next: `\\evil.example`},
	{name: "slash backslash slash", next: `/\/evil.example`},
	{name: "https", next: "https://evil.example"},
	{name: "http without slashes", next: "http:evil.example"},
	{name: "http with one slash", next: "http:/evil.example"},
	{name: "userinfo", next: "https://a@evil.example"},
	{name: "userinfo without scheme", next: "//ipdesk.test@evil.example"},
	{name: "encoded slashes", next: "/%2F%2Fevil.example"},
	{name: "encoded backslash", next: "/%5Cevil.example"},
	{name: "encoded slashes first", next: "%2F%2Fevil.example"},
	{name: "tab", next: "/\t/evil.example"},
	{name: "newline", next: "/\n/evil.example"},
	{name: "carriage return", next: "/\r/evil.example"},
	{name: "header injection", next: "/\r\nLocation: https://evil.example"},
	{name: "NUL", next: "/\x00/evil.example"},
	{name: "javascript", next: "javascript:alert(1)"},
	{name: "javascript in capitals", next: "JaVaScRiPt:alert(1)"},
	{name: "data", next: "data:text/html,<script>alert(1)</script>"},
	{name: "dot dot", next: "/..//evil.example"},
	{name: "dot", next: "/.//evil.example"},
	{name: "division slash", next: "/\u2215evil.example"},
	{name: "fullwidth slashes", next: "\uff0f\uff0fevil.example"},
	{name: "slash and fullwidth slash", next: "/\uff0fevil.example"},
	{name: "leading spaces", next: "  //evil.example"},
	{name: "leading tab", next: "\t//evil.example"},
	{name: "relative", next: "evil.example"},
	{name: "very long", next: "/" + strings.Repeat("a", 5000)},
	{name: "the sign-in page", next: "/login?next=//evil.example"},
	{name: "the sign-in page, encoded", next: "/login?next=https%3A%2F%2Fevil.example"},
	{name: "the sign-out page", next: "/logout"},
}

// offSite says why a Location would take a browser anywhere but a path of
// this host, or is "" when it would not: it is read as Go reads it, and as
// browsers do, which drop tabs and newlines, strip leading spaces and
// control characters, and take a backslash for a slash.
func offSite(loc string) string {
	u, err := url.Parse(loc)
	switch {
	case err != nil:
		return "it does not parse"
	case u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "":
		return "it names a scheme or a host"
	case !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`):
		return "it does not start with exactly one slash"
	case strings.ContainsRune(loc, '\\') || strings.IndexFunc(loc, unicode.IsControl) >= 0:
		return "it holds a backslash or a control character"
	}
	browser := strings.ReplaceAll(strings.TrimLeftFunc(loc, func(r rune) bool { return r <= ' ' }), `\`, "/")
	browser = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, browser)
	base, _ := url.Parse("https://ipdesk.test/orgs/acme/")
	ref, err := url.Parse(browser)
	if err != nil || base.ResolveReference(ref).Host != "ipdesk.test" {
		return "a browser would leave the host"
	}
	return ""
}

// TestSignInNeverSendsAnywhereElse: whatever next a sign-in link or form
// carries, the sign-in form keeps a local path only, and after signing in
// (POST /login) and when already signed in (GET /login) the redirect goes
// to a path of this host, whose own answer stays on it too.
func TestSignInNeverSendsAnywhereElse(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	if len(hostileNexts) < 20 {
		t.Fatalf("only %d hostile forms", len(hostileNexts))
	}
	check := func(t *testing.T, c *client, how string, p *page) {
		t.Helper()
		loc := p.location()
		if why := offSite(loc); why != "" {
			t.Fatalf("%s: Location %q: %s", how, loc, why)
		}
		// And where it leads does not send the browser away either.
		then := c.get(loc)
		if then.status >= 300 && then.status < 400 {
			if why := offSite(then.location()); why != "" {
				t.Errorf("%s: %q redirects on to %q: %s", how, loc, then.location(), why)
			}
		}
	}
	for _, tt := range hostileNexts {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := e.client()
			c.t = t
			login := c.get("/login?next=" + url.QueryEscape(tt.next)).wantStatus(http.StatusOK)
			if field, ok := login.find(`input[name="next"]`).Attr("value"); ok && offSite(field) != "" {
				t.Errorf("the sign-in form carries next %q", field)
			}
			// A forged post carries next itself.
			p := c.post("/login", url.Values{"token": {staff}, "next": {tt.next}}).wantStatus(http.StatusSeeOther)
			check(t, c, "POST /login", p)
			p = c.get("/login?next=" + url.QueryEscape(tt.next)).wantStatus(http.StatusSeeOther)
			check(t, c, "GET /login signed in", p)
		})
	}
	t.Run("next given twice", func(t *testing.T) {
		t.Parallel()
		c := e.client()
		c.t = t
		c.get("/login").wantStatus(http.StatusOK)
		for _, order := range [][]string{{"//evil.example", "/orgs"}, {"/orgs", "//evil.example"}} {
			p := c.post("/login", url.Values{"token": {staff}, "next": order}).wantStatus(http.StatusSeeOther)
			check(t, c, "POST /login", p)
			q := "/login?next=" + url.QueryEscape(order[0]) + "&next=" + url.QueryEscape(order[1])
			check(t, c, "GET "+q, c.get(q).wantStatus(http.StatusSeeOther))
			c.post("/logout", url.Values{}).wantStatus(http.StatusSeeOther)
			c.get("/login").wantStatus(http.StatusOK)
		}
	})
	t.Run("a local path is kept", func(t *testing.T) {
		t.Parallel()
		c := e.client()
		c.t = t
		c.get("/login").wantStatus(http.StatusOK)
		const next = "/orgs/acme/ip-addresses?page=2"
		if got := c.post("/login", url.Values{"token": {staff}, "next": {next}}).wantStatus(http.StatusSeeOther).location(); got != next {
			t.Errorf("sent to %q, want %q", got, next)
		}
	})
}

// TestOffSiteSeesWhatBrowsersSee checks the checker: each of these would
// take a browser elsewhere, and a plain path would not.
func TestOffSiteSeesWhatBrowsersSee(t *testing.T) {
	t.Parallel()
	for _, loc := range []string{"//evil.example", `/\evil.example`, "https://evil.example", "/\t/evil.example", " //evil.example", "javascript:alert(1)", `\\evil.example`, "evil.example"} {
		if offSite(loc) == "" {
			t.Errorf("offSite(%q) found nothing wrong", loc)
		}
	}
	for _, loc := range []string{"/", "/orgs/acme/ip-addresses?page=2", "/%2F%2Fevil.example"} {
		if why := offSite(loc); why != "" {
			t.Errorf("offSite(%q): %s", loc, why)
		}
	}
}
