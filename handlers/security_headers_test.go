package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEveryAnswerCarriesTheSecurityHeaders walks answers of every kind
// through ipdesk as main builds it: pages, htmx fragments, redirects
// (303), error pages (400, 401, 403, 404, 405, 413, 422), static files and
// the probes. Each carries the same Content-Security-Policy,
// X-Content-Type-Options, X-Frame-Options and Referrer-Policy. The
// ServeMux's own redirects to a clean path (301, 307) are checked by
// app's TestRedirectsToACleanPathCarryTheSecurityHeaders; the embedded
// API under /core/v1 answers JSON to API clients and is not a page.
func TestEveryAnswerCarriesTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	out := e.client()
	c := e.client()
	hx := htmx(e.srv.URL + "/orgs/acme/ip-addresses/new")

	type answer struct {
		name   string
		p      *page
		status int
	}
	var answers []answer
	add := func(name string, status int, p *page) *page {
		answers = append(answers, answer{name: name, p: p, status: status})
		return p
	}
	add("a page signed out, redirected", http.StatusSeeOther, out.get("/orgs/acme/ip-addresses/new"))
	add("htmx signed out", http.StatusUnauthorized, out.get("/orgs/acme/networks", hx))
	login := add("the sign-in page", http.StatusOK, c.get("/login"))
	add("a refused sign-in", http.StatusUnprocessableEntity, c.post("/login", url.Values{"token": {"has space"}}))
	add("sign-in", http.StatusSeeOther, c.post("/login", url.Values{"token": {staff}}))
	add("the sign-in page signed in, redirected", http.StatusSeeOther, c.get("/login?next=%2F"))
	add("the organizations", http.StatusOK, c.get("/"))
	form := add("the form", http.StatusOK, c.get("/orgs/acme/ip-addresses/new")).formValues()
	add("the networks fragment", http.StatusOK, c.get("/orgs/acme/networks", hx))
	created := add("a create, redirected", http.StatusSeeOther, c.post("/orgs/acme/ip-addresses", form))
	add("the address", http.StatusOK, c.get(created.location()))
	add("a create with htmx", http.StatusOK, c.post("/orgs/acme/ip-addresses", formOf(c, "acme"), hx))
	bad := formOf(c, "acme")
	bad.Del("network")
	add("a form with errors", http.StatusUnprocessableEntity, c.post("/orgs/acme/ip-addresses", bad))
	add("a form with errors, htmx", http.StatusUnprocessableEntity, c.post("/orgs/acme/ip-addresses", bad, hx))
	add("a forged post", http.StatusForbidden, c.do(http.MethodPost, "/orgs/acme/ip-addresses", formOf(c, "acme"), hdr{"Sec-Fetch-Site": "cross-site"}))
	add("a view-only organization's create", http.StatusForbidden, c.post("/orgs/hooli/ip-addresses", formOf(c, "hooli")))
	add("the list", http.StatusOK, c.get("/orgs/acme/ip-addresses"))
	add("a page number that is none", http.StatusBadRequest, c.get("/orgs/acme/ip-addresses?page=x"))
	add("an unknown route", http.StatusNotFound, c.get("/nope"))
	add("an unknown address", http.StatusNotFound, c.get("/orgs/acme/ip-addresses/ip_Nothing000000001"))
	add("an unknown address, htmx", http.StatusNotFound, c.get("/orgs/acme/ip-addresses/ip_Nothing000000001", hx))
	add("an organization the token cannot see", http.StatusNotFound, c.get("/orgs/wayne/ip-addresses/new"))
	add("a method not allowed", http.StatusMethodNotAllowed, c.do(http.MethodDelete, "/orgs/acme/ip-addresses/ip_x", nil, hdr{"X-CSRF-Token": c.csrf}))
	add("a body too large", http.StatusRequestEntityTooLarge, c.post("/orgs/acme/ip-addresses", url.Values{"label": {strings.Repeat("x", 100<<10)}}))
	css, _ := login.find(`link[rel="stylesheet"]`).Attr("href")
	js, _ := login.find(`script[src*="htmx"]`).Attr("src")
	add("a stylesheet", http.StatusOK, c.get(css))
	add("a script", http.StatusOK, c.get(js))
	add("a static file that is none", http.StatusNotFound, c.get("/static/nothing.js"))
	for _, probe := range []string{"/healthz", "/readyz", "/metrics"} {
		add(probe, http.StatusOK, c.get(probe))
	}
	add("sign-out", http.StatusSeeOther, c.post("/logout", url.Values{}))

	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "same-origin",
	}
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			a.p.t = t
			a.p.wantStatus(a.status)
			for h, v := range want {
				if got := a.p.header.Values(h); len(got) != 1 || got[0] != v {
					t.Errorf("%s: %q, want %q", h, got, v)
				}
			}
			csp := a.p.header.Values("Content-Security-Policy")
			if len(csp) != 1 {
				t.Fatalf("Content-Security-Policy: %q, want one", csp)
			}
			for _, d := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(csp[0], d) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp[0], d)
				}
			}
			if strings.Contains(csp[0], "unsafe-") {
				t.Errorf("Content-Security-Policy %q allows something unsafe", csp[0])
			}
		})
	}
}
