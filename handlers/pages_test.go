package handlers_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ipdesk/katapult"
)

func TestAddressList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		query      string
		wantStatus int
		wantPage   int
		wantRows   int
		wantPrev   string
		wantNext   string
	}{
		{name: "first page", wantStatus: 200, wantPage: 1, wantRows: 2, wantNext: "/orgs/acme/ip-addresses?page=2"},
		{name: "middle page", query: "?page=2", wantStatus: 200, wantPage: 2, wantRows: 2, wantPrev: "/orgs/acme/ip-addresses", wantNext: "/orgs/acme/ip-addresses?page=3"},
		{name: "last page", query: "?page=3", wantStatus: 200, wantPage: 3, wantRows: 2, wantPrev: "/orgs/acme/ip-addresses?page=2"},
		{name: "past the end", query: "?page=9", wantStatus: 200, wantPage: 9, wantRows: 0, wantPrev: "/orgs/acme/ip-addresses?page=3"},
		{name: "not a number", query: "?page=abc", wantStatus: 400},
		{name: "zero", query: "?page=0", wantStatus: 400},
		{name: "negative", query: "?page=-1", wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			api.ipAddresses = func(_ katapult.Token, _ katapult.OrgRef, page, per int) (katapult.IPAddressPage, error) {
				res := katapult.IPAddressPage{Page: page, PerPage: per, TotalPages: 3, Total: 6}
				if page <= 3 {
					// As Katapult lists them: no label, which only an
					// address fetched alone carries.
					res.Addresses = []katapult.IPAddress{{ID: "ip_A", Address: "192.0.2.1"}, {ID: "ip_B", Address: "192.0.2.2", VIP: true, AllocationID: "vm_1", AllocationType: "VirtualMachine"}}
				}
				return res, nil
			}
			api.ipAddress = func(_ katapult.Token, id string) (katapult.IPAddress, error) {
				if id != "ip_B" {
					t.Errorf("fetched %s, which is no VIP, for its label", id)
				}
				return katapult.IPAddress{ID: id, Address: "192.0.2.2", VIP: true, Label: "lb"}, nil
			}
			_, c := signedIn(t, api)
			p := c.get("/orgs/acme/ip-addresses" + tt.query).wantStatus(tt.wantStatus)
			if tt.wantStatus != 200 {
				p.one(`[data-testid="error-panel"][data-problem="bad-request"]`)
				if api.count("IPAddresses") != 0 {
					t.Errorf("asked Katapult for an invalid page")
				}
				return
			}
			if n := p.testid("address-row").Length(); n != tt.wantRows {
				t.Errorf("%d rows, want %d", n, tt.wantRows)
			}
			if tt.wantRows > 0 {
				if href, _ := p.find(`[data-testid="address-link"]`).First().Attr("href"); href != "/orgs/acme/ip-addresses/ip_A" {
					t.Errorf("row link %q", href)
				}
				vip := p.find(`[data-testid="address-row"][data-id="ip_B"]`)
				if got := text(vip.Find(`[data-testid="address-label"]`)) + "/" + text(vip.Find(`[data-testid="address-vip"]`)); got != "lb/VIP" {
					t.Errorf("the VIP's label and VIP columns read %q, want lb/VIP", got)
				}
			}
			if got := p.testid("page-prev").AttrOr("href", ""); got != tt.wantPrev {
				t.Errorf("prev %q, want %q", got, tt.wantPrev)
			}
			if got := p.testid("page-next").AttrOr("href", ""); got != tt.wantNext {
				t.Errorf("next %q, want %q", got, tt.wantNext)
			}
		})
	}
}

func TestAddressListOfAnOrganizationThatCannotHaveOneExplainsWhy(t *testing.T) {
	t.Parallel()
	orgName := map[string]string{"initech": initech.Name, "umbrella": umbrella.Name}
	tests := []struct{ org, kind string }{
		{org: "initech", kind: "organization_suspended"},
		{org: "umbrella", kind: "organization_not_activated"},
	}
	for _, tt := range tests {
		t.Run(tt.org, func(t *testing.T) {
			t.Parallel()
			api := newFake(t) // no IPAddresses allowed: Katapult would answer 403
			_, c := signedIn(t, api)
			p := c.get("/orgs/" + tt.org + "/ip-addresses").wantStatus(http.StatusOK)
			panel := p.one(`[data-testid="list-page"] [data-testid="error-panel"][data-problem="` + tt.kind + `"]`)
			if got := text(p.one(`[data-testid="org-name"]`)); got != orgName[tt.org] {
				t.Errorf("the page names %q, want %q", got, orgName[tt.org])
			}
			if !strings.Contains(text(panel), "does not show the addresses") {
				t.Errorf("panel %q does not say why there is no list", text(panel))
			}
			if n := p.find(`a[href="/orgs/` + tt.org + `/ip-addresses"]`).Length(); n != 0 {
				t.Errorf("%d links to the list that cannot be shown", n)
			}
			if api.count("IPAddresses") != 0 {
				t.Errorf("asked Katapult for a list it refuses")
			}
		})
	}
}

func TestShowAddressErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		path       string
		err        error
		wantStatus int
		wantKind   string
	}{
		{name: "not found", path: "/orgs/acme/ip-addresses/ip_Missing", err: katapult.NewError(katapult.CodeIPAddressNotFound, katapult.Detail{}), wantStatus: 404, wantKind: "ip_address_not_found"},
		{name: "katapult did not answer", path: "/orgs/acme/ip-addresses/ip_Any", err: &katapult.UnavailableError{Op: "get", Err: errors.New("timeout")}, wantStatus: 502, wantKind: "unavailable"},
		{name: "malformed id", path: "/orgs/acme/ip-addresses/ip%20x", wantStatus: 404, wantKind: "not-found"},
		{name: "unknown route", path: "/nope", wantStatus: 404, wantKind: "not-found"},
		{name: "wrong method", path: "/orgs/acme/networks", wantStatus: 405, wantKind: "method-not-allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			if tt.err != nil {
				api.ipAddress = func(katapult.Token, string) (katapult.IPAddress, error) { return katapult.IPAddress{}, tt.err }
			}
			_, c := signedIn(t, api)
			var p *page
			if tt.wantStatus == 405 {
				p = c.post(tt.path, url.Values{})
			} else {
				p = c.get(tt.path)
			}
			p.wantStatus(tt.wantStatus)
			p.one(`[data-testid="error-panel"][data-problem="` + tt.wantKind + `"]`)
			p.one("header.topbar")
			if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestReadsKatapultDidNotAnswer(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	e, c := signedIn(t, api)
	api.organizations = func(katapult.Token) ([]katapult.Organization, error) {
		return nil, &katapult.UnavailableError{Op: "list organizations", Err: errors.New("dial tcp: refused")}
	}
	p := c.get("/").wantStatus(http.StatusBadGateway)
	panel := p.one(`[data-testid="error-panel"][data-problem="unavailable"]`)
	if !strings.Contains(text(panel), "Katapult did not answer") || strings.Contains(p.body, "dial tcp") {
		t.Errorf("panel %q", text(panel))
	}
	// htmx gets the panel as a fragment that replaces the main content.
	p = c.get("/?q=a", htmx(e.srv.URL+"/")).wantStatus(http.StatusBadGateway)
	if p.header.Get("HX-Retarget") != "#main" || p.find("header.topbar").Length() != 0 {
		t.Errorf("htmx error: retarget %q, layout %d", p.header.Get("HX-Retarget"), p.find("header.topbar").Length())
	}
	p.one(`[data-testid="error-page"]`)
}

func TestNetworksKatapultDidNotAnswerOffersToLoadAgain(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	e, c := signedIn(t, api)
	api.availableNetworks = func(katapult.Token, katapult.OrgRef) ([]katapult.Network, error) {
		return nil, &katapult.UnavailableError{Op: "networks", Err: errors.New("timeout")}
	}
	p := c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
	p.one(`[data-testid="network-field"] [data-problem="unavailable"]`)
	if href, _ := p.one(`[data-testid="network-reload"]`).Attr("hx-get"); href != "/orgs/acme/networks" {
		t.Errorf("reload %q", href)
	}
	p = c.get("/orgs/acme/networks", htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusBadGateway)
	p.one(`#network-field [data-problem="unavailable"]`)
}

func TestPanicsBecomeAnErrorPage(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	e, c := signedIn(t, api)
	api.organizations = func(katapult.Token) ([]katapult.Organization, error) { panic("boom") }
	p := c.get("/").wantStatus(http.StatusInternalServerError)
	p.one(`[data-testid="error-panel"][data-problem="internal"]`)
	if strings.Contains(p.body, "boom") || strings.Contains(p.body, "goroutine") {
		t.Errorf("the panic shows in the page")
	}
	if text(p.testid("request-id")) == "" {
		t.Errorf("no request ID to report")
	}
	if !strings.Contains(e.logs.String(), "boom") {
		t.Errorf("the panic was not logged")
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	e, c := signedIn(t, newFake(t))
	p := c.get("/").wantStatus(http.StatusOK)
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
	}
	for k, v := range want {
		if got := p.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if p.header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS without CookieSecure")
	}
	// No inline script or style anywhere.
	if p.find("script:not([src]), style, [style]").Length() != 0 {
		t.Errorf("inline script or style in the page")
	}
	cfg := p.one(`meta[name="htmx-config"]`).AttrOr("content", "")
	for _, w := range []string{`"includeIndicatorStyles":false`, `"allowEval":false`, `"historyRestoreAsHxRequest":false`, `422`} {
		if !strings.Contains(cfg, w) {
			t.Errorf("htmx-config %s lacks %s", cfg, w)
		}
	}
	// Static files: hashed names, cached for a year.
	for _, sel := range []string{`link[rel="stylesheet"]`, `script[src*="app."]`, `script[src*="htmx"]`} {
		src := p.one(sel).AttrOr("href", p.one(sel).AttrOr("src", ""))
		res, err := http.Get(e.srv.URL + src)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || len(body) == 0 {
			t.Errorf("%s: status %d", src, res.StatusCode)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", src, cc)
		}
		if len(res.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("%s sets a cookie", src)
		}
	}
	if p.one(`link[rel="stylesheet"]`).AttrOr("href", "") == "/static/app.css" {
		t.Errorf("stylesheet not served under a hashed name")
	}
	res, err := http.Get(e.srv.URL + "/static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("unhashed name: status %d", res.StatusCode)
	}
}

// TestOddRequestsGetAnExplanationNeverABare500 sends what browsers,
// scripts and attackers may send, and checks each answer is one of the
// dashboard's own pages.
func TestOddRequestsGetAnExplanationNeverABare500(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("a", 70*1024)
	tests := []struct {
		name, method, path, body, contentType string
		wantStatus                            int
		wantKind                              string
	}{
		{name: "body over the limit", method: http.MethodPost, path: "/orgs/acme/ip-addresses", body: "once=" + huge, wantStatus: 413, wantKind: "too-large"},
		{name: "a huge query", method: http.MethodGet, path: "/?q=" + huge[:8000], wantStatus: 200},
		{name: "page past any list", method: http.MethodGet, path: "/orgs/acme/ip-addresses?page=99999999999999999999", wantStatus: 400, wantKind: "bad-request"},
		{name: "an org that is no DNS label", method: http.MethodGet, path: "/orgs/a%00b/ip-addresses/new", wantStatus: 404, wantKind: "not-found"},
		{name: "an org too long", method: http.MethodGet, path: "/orgs/" + huge[:300] + "/ip-addresses", wantStatus: 404, wantKind: "not-found"},
		{name: "a switch to a malformed org", method: http.MethodGet, path: "/orgs/acme/ip-addresses/new?org=a%2Fb", wantStatus: 400, wantKind: "bad-request"},
		{name: "multipart that is not", method: http.MethodPost, path: "/orgs/acme/ip-addresses", body: "garbage", contentType: "multipart/form-data; boundary=x", wantStatus: 422},
		{name: "JSON instead of a form", method: http.MethodPost, path: "/orgs/acme/ip-addresses", body: `{"network":"x"}`, contentType: "application/json", wantStatus: 422},
		{name: "PUT", method: http.MethodPut, path: "/orgs/acme/ip-addresses", wantStatus: 405, wantKind: "method-not-allowed"},
		{name: "DELETE", method: http.MethodDelete, path: "/orgs/acme/ip-addresses/ip_x", wantStatus: 405, wantKind: "method-not-allowed"},
		{name: "GET of sign-out", method: http.MethodGet, path: "/logout", wantStatus: 405, wantKind: "method-not-allowed"},
		{name: "a static file that is not", method: http.MethodGet, path: "/static/../go.mod", wantStatus: 404, wantKind: "not-found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, c := signedIn(t, newFake(t)) // no create, no list allowed
			c.get("/")
			h := hdr{"X-CSRF-Token": c.csrf}
			if tt.contentType != "" {
				h["Content-Type"] = tt.contentType
			} else if tt.body != "" {
				h["Content-Type"] = "application/x-www-form-urlencoded"
			}
			req, _ := http.NewRequest(tt.method, c.env.srv.URL+tt.path, strings.NewReader(tt.body))
			for k, v := range h {
				req.Header.Set(k, v)
			}
			res, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.wantKind != "" && !strings.Contains(string(body), `data-problem="`+tt.wantKind+`"`) {
				t.Errorf("no %s panel", tt.wantKind)
			}
			if res.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("no Content-Security-Policy on this answer")
			}
			for _, leak := range []string{"goroutine", "panic", "runtime error"} {
				if strings.Contains(strings.ToLower(string(body)), leak) {
					t.Errorf("the page shows %q", leak)
				}
			}
		})
	}
}
