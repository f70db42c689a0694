package handlers_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ipdesk/handlers"
	"ipdesk/katapult"
)

// formOf is the create form of an organization as a browser submits it.
func formOf(c *client, org string) url.Values {
	c.t.Helper()
	return c.get("/orgs/" + org + "/ip-addresses/new").wantStatus(http.StatusOK).formValues()
}

func TestCreateRedirectsToTheAddressPageWithEveryField(t *testing.T) {
	t.Parallel()
	api := newFake(t).creating()
	e, c := signedIn(t, api)
	form := formOf(c, "acme")
	form.Set("vip", "on")
	form.Set("label", "web front")
	api.reset()

	p := c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther)
	if p.location() != "/orgs/acme/ip-addresses/ip_Test000000000001?created=1" {
		t.Fatalf("redirect %q", p.location())
	}
	p = c.get(p.location()).wantStatus(http.StatusOK)
	if got := api.total(); got != 2 {
		t.Errorf("submit to result cost %d calls (%s), want 2", got, api)
	}
	card := p.one(`[data-testid="result-card"]`)
	want := map[string]string{
		"result-address":              "192.0.2.17",
		"result-mask":                 "192.0.2.17/28",
		"result-version":              "IPv4",
		"result-rdns":                 "192-0-2-17.rdns.example.net",
		"result-vip":                  "Yes",
		"result-label":                "web front",
		"result-network":              "Public Network uk-lon-01-public",
		"result-network-permalink":    "uk-lon-01-public",
		"result-datacenter":           "London uk-lon-01",
		"result-datacenter-permalink": "uk-lon-01",
		"result-flag":                 "🇬🇧",
		"result-country-name":         "United Kingdom",
		"result-iso":                  "GB / GBR",
		"result-localtime":            "local time 14:05 BST (UTC+01:00), Mon 2 Jun",
		"result-eu":                   "No",
		"result-allocation":           "Not allocated",
	}
	for id, w := range want {
		if got := text(card.Find(`[data-testid="` + id + `"]`)); got != w {
			t.Errorf("%s: %q, want %q", id, got, w)
		}
	}
	if tz := text(card.Find(`[data-testid="result-timezone"] code`)); tz != "Europe/London" {
		t.Errorf("time zone %q", tz)
	}
	if lbl, _ := card.Find(`[data-testid="result-flag"]`).Attr("aria-label"); lbl != "Flag of United Kingdom" {
		t.Errorf("flag label %q", lbl)
	}
	if href, _ := card.Find(`[data-testid="result-link"]`).Attr("href"); href != "/orgs/acme/ip-addresses/ip_Test000000000001" {
		t.Errorf("link %q", href)
	}
	copyBtn := card.Find(`[data-testid="copy-button"]`)
	if target, _ := copyBtn.Attr("data-copy"); target == "" || p.find("#"+target).Text() != "192.0.2.17" {
		t.Errorf("copy button copies %q", target)
	}
	if !strings.HasPrefix(text(p.find("h1")), "IP address created") {
		t.Errorf("heading %q", text(p.find("h1")))
	}
	_ = e
}

func TestCreateWithHTMXRendersTheCardFromOneCall(t *testing.T) {
	t.Parallel()
	api := newFake(t).creating()
	e, c := signedIn(t, api)
	form := formOf(c, "acme")
	form.Set("version", "ipv6")
	form.Set("network", amsPublic.ID)
	api.reset()

	p := c.post("/orgs/acme/ip-addresses", form, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK)
	if got := api.total(); got != 1 {
		t.Errorf("htmx submit cost %d calls (%s), want 1", got, api)
	}
	if got := p.header.Get("HX-Push-Url"); got != "/orgs/acme/ip-addresses/ip_Test000000000001" {
		t.Errorf("HX-Push-Url %q", got)
	}
	if p.find("header.topbar").Length() != 0 {
		t.Errorf("htmx got the layout")
	}
	card := p.one(`[data-testid="result-card"]`)
	for id, w := range map[string]string{
		"result-address": "2001:db8:100::2", "result-version": "IPv6", "result-flag": "🇳🇱",
		"result-country-name": "Netherlands", "result-eu": "Yes", "result-vip": "No",
		"result-localtime": "local time 15:05 CEST (UTC+02:00), Mon 2 Jun",
	} {
		if got := text(card.Find(`[data-testid="` + id + `"]`)); got != w {
			t.Errorf("%s: %q, want %q", id, got, w)
		}
	}
}

// katapultErr is an error as the adapter returns it.
func katapultErr(code katapult.Code, d katapult.Detail) *katapult.Error {
	e := katapult.NewError(code, d)
	e.RequestID = "req-123"
	return e
}

func TestCreateErrorsAreExplainedWhereTheyBelong(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		// wantAt is the id of the field error, or "" for a panel of wantKind.
		wantAt   string
		wantKind string
		wantText string
	}{
		{name: "validation under the label", err: katapultErr(katapult.CodeValidationError, katapult.Detail{Errors: []string{"Label can't be blank"}}),
			wantStatus: 422, wantAt: "label-error", wantText: "Label can't be blank"},
		{name: "validation of the network", err: katapultErr(katapult.CodeValidationError, katapult.Detail{Errors: []string{"Network is not available"}}),
			wantStatus: 422, wantAt: "network-error", wantText: "Network is not available"},
		{name: "network not found at the network", err: katapultErr(katapult.CodeNetworkNotFound, katapult.Detail{}),
			wantStatus: 422, wantAt: "network-error", wantText: katapult.Lookup(katapult.CodeNetworkNotFound).Message},
		{name: "no available addresses", err: katapultErr(katapult.CodeNoAvailableAddresses, katapult.Detail{}),
			wantStatus: 422, wantKind: "no_available_addresses", wantText: "Try another network or the other IP version"},
		{name: "suspended", err: katapultErr(katapult.CodeOrganizationSuspended, katapult.Detail{}),
			wantStatus: 403, wantKind: "organization_suspended", wantText: katapult.Lookup(katapult.CodeOrganizationSuspended).Message},
		{name: "not activated", err: katapultErr(katapult.CodeOrganizationNotActivated, katapult.Detail{}),
			wantStatus: 403, wantKind: "organization_not_activated", wantText: katapult.Lookup(katapult.CodeOrganizationNotActivated).Message},
		{name: "permission denied", err: katapultErr(katapult.CodePermissionDenied, katapult.Detail{Details: "view only"}),
			wantStatus: 403, wantKind: "permission_denied", wantText: katapult.Lookup(katapult.CodePermissionDenied).Message},
		{name: "scope not granted names the scope", err: katapultErr(katapult.CodeScopeNotGranted, katapult.Detail{Scopes: []string{"ip_addresses"}}),
			wantStatus: 403, wantKind: "scope_not_granted", wantText: "Missing scope: ip_addresses"},
		{name: "rate limit says when", err: &katapult.Error{Status: 429, Code: katapult.CodeRateLimitReached, RetryAfter: 42 * time.Second, Detail: katapult.Detail{TotalPermitted: 1000}},
			wantStatus: 429, wantKind: "rate_limit_reached", wantText: "Try again in 42 seconds."},
		{name: "rate limit without a time", err: katapultErr(katapult.CodeRateLimitReached, katapult.Detail{}),
			wantStatus: 429, wantKind: "rate_limit_reached", wantText: "Try again within a minute."},
		{name: "invalid argument", err: katapultErr(katapult.CodeInvalidArgument, katapult.Detail{Argument: "version", Issue: "invalid_enum_value"}),
			wantStatus: 422, wantKind: "invalid_argument", wantText: "Argument version: invalid_enum_value"},
		{name: "organization not found", err: katapultErr(katapult.CodeOrganizationNotFound, katapult.Detail{}),
			wantStatus: 404, wantKind: "organization_not_found", wantText: katapult.Lookup(katapult.CodeOrganizationNotFound).Message},
		{name: "service unavailable", err: katapultErr(katapult.CodeServiceUnavailable, katapult.Detail{}),
			wantStatus: 503, wantKind: "service_unavailable", wantText: katapult.Lookup(katapult.CodeServiceUnavailable).Message},
		{name: "unknown code", err: &katapult.Error{Status: 400, Code: "brand_new_code"},
			wantStatus: 400, wantKind: "brand_new_code", wantText: "brand_new_code"},
		{name: "never sent", err: &katapult.UnavailableError{Op: "create", Err: errors.New("connection refused")},
			wantStatus: 502, wantKind: "unavailable", wantText: "nothing was created"},
	}
	for _, tt := range tests {
		bothWays(t, tt.name, func(t *testing.T, viaHTMX bool) {
			api := newFake(t)
			creates := 0
			api.create = func(katapult.Token, katapult.CreateIPAddress) (katapult.IPAddress, error) {
				creates++
				if creates > 1 {
					return newAddress("ip_Second0000000001", katapult.CreateIPAddress{}), nil
				}
				return katapult.IPAddress{}, tt.err
			}
			e, c := signedIn(t, api)
			form := formOf(c, "acme")
			form.Set("vip", "on")
			form.Set("label", "kept label")
			form.Set("network", lonEdge.ID)
			p := c.post("/orgs/acme/ip-addresses", form, e.from(viaHTMX, "/orgs/acme/ip-addresses/new")...).wantStatus(tt.wantStatus)
			if viaHTMX == (p.find("header.topbar").Length() == 1) {
				t.Errorf("htmx=%v but layout present=%v", viaHTMX, !viaHTMX)
			}
			p.wantError(tt.wantAt, tt.wantKind, tt.wantText)
			// The user's input is kept, and the same token may be used
			// again: nothing was created.
			again := p.formValues()
			for _, k := range []string{"once", "label", "network", "vip"} {
				if again.Get(k) != form.Get(k) {
					t.Errorf("%s: %q, want kept %q", k, again.Get(k), form.Get(k))
				}
			}
			c.post("/orgs/acme/ip-addresses", again).wantStatus(http.StatusSeeOther)
			if creates != 2 {
				t.Errorf("resubmitting after a definitive failure made %d creates, want 2", creates)
			}
		})
	}
}

func TestCreateChecksTheFormBeforeAskingKatapult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(url.Values)
		wantAt string
		want   string
	}{
		{name: "VIP without label", change: func(v url.Values) { v.Set("vip", "on"); v.Del("label") }, wantAt: "label-error", want: "Label can't be blank"},
		{name: "VIP with a blank label", change: func(v url.Values) { v.Set("vip", "on"); v.Set("label", "   ") }, wantAt: "label-error", want: "Label can't be blank"},
		{name: "label too long", change: func(v url.Values) { v.Set("vip", "on"); v.Set("label", strings.Repeat("x", 256)) }, wantAt: "label-error", want: "too long"},
		{name: "no network", change: func(v url.Values) { v.Del("network") }, wantAt: "network-error", want: "Choose a network."},
		{name: "bad version", change: func(v url.Values) { v.Set("version", "ipv5") }, wantAt: "version-error", want: "Choose IPv4 or IPv6."},
		{name: "missing one-time token", change: func(v url.Values) { v.Del("once") }, wantAt: "form-error", want: "nothing was created"},
		{name: "malformed one-time token", change: func(v url.Values) { v.Set("once", "abc") }, wantAt: "form-error", want: "nothing was created"},
		{name: "a reference too long", change: func(v url.Values) { v.Set("reference", strings.Repeat("T", 65)) }, wantAt: "reference-error", want: "at most 64 characters"},
		{name: "a reference of two lines", change: func(v url.Values) { v.Set("reference", "TCK-1\nTCK-2") }, wantAt: "reference-error", want: "no tabs or line breaks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t) // no create allowed
			_, c := signedIn(t, api)
			form := formOf(c, "acme")
			tt.change(form)
			p := c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusUnprocessableEntity)
			if got := text(p.testid(tt.wantAt)); !strings.Contains(got, tt.want) {
				t.Errorf("%s: %q, want %q", tt.wantAt, got, tt.want)
			}
			if once := p.formValues().Get("once"); len(once) != 22 {
				t.Errorf("the form came back without a valid one-time token: %q", once)
			}
			if got := p.formValues().Get("reference"); got != form.Get("reference") {
				t.Errorf("the reference came back as %q, want %q kept", got, form.Get("reference"))
			}
			if api.count("CreateIPAddress") != 0 {
				t.Errorf("created anyway")
			}
		})
	}
}

func TestCreateWithARejectedTokenSignsOut(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	api.create = func(katapult.Token, katapult.CreateIPAddress) (katapult.IPAddress, error) {
		return katapult.IPAddress{}, katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{})
	}
	_, c := signedIn(t, api)
	form := formOf(c, "acme")
	p := c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther)
	if !strings.HasPrefix(p.location(), "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew") {
		t.Errorf("redirect %q", p.location())
	}
	e2, c2 := signedIn(t, api)
	form = formOf(c2, "acme")
	p = c2.post("/orgs/acme/ip-addresses", form, htmx(e2.srv.URL+"/orgs/acme/ip-addresses/new?network=x")).wantStatus(http.StatusUnauthorized)
	if got := p.header.Get("HX-Redirect"); !strings.HasPrefix(got, "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew%3Fnetwork%3Dx") {
		t.Errorf("HX-Redirect %q", got)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		csrf   string
		header hdr
		// expire drops the CSRF cookie, as the browser does when it
		// expires, so that the form's token matches nothing.
		expire bool
	}{
		{name: "missing", csrf: "-"},
		{name: "wrong", csrf: "not-the-token"},
		{name: "expired", expire: true},
		{name: "cross-site browser", header: hdr{"Sec-Fetch-Site": "cross-site"}},
		{name: "same-site browser", header: hdr{"Sec-Fetch-Site": "same-site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t) // no create allowed
			e, c := signedIn(t, api)
			form := formOf(c, "acme")
			if tt.expire {
				u, _ := url.Parse(e.srv.URL)
				c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "ipdesk_csrf", Path: "/", MaxAge: -1}})
			}
			switch tt.csrf {
			case "-":
				form.Del("_csrf")
				c.csrf = ""
			case "":
			default:
				form.Set("_csrf", tt.csrf)
			}
			p := c.post("/orgs/acme/ip-addresses", form, tt.header).wantStatus(http.StatusForbidden)
			p.one(`[data-testid="error-panel"][data-problem="csrf"]`)
			p.one("header.topbar")
			if api.count("CreateIPAddress") != 0 {
				t.Errorf("created despite CSRF")
			}
		})
	}
	t.Run("every post", func(t *testing.T) {
		t.Parallel()
		api := newFake(t) // nothing may be called
		e, c := signedIn(t, api)
		c.get("/").wantStatus(http.StatusOK)
		api.organizations = nil
		c.csrf = ""
		for _, path := range []string{"/login", "/logout", "/orgs/acme/ip-addresses"} {
			p := c.post(path, url.Values{"token": {userToken}}).wantStatus(http.StatusForbidden)
			p.one(`[data-testid="error-panel"][data-problem="csrf"]`)
			if len(p.header.Values("Set-Cookie")) > 0 && strings.Contains(strings.Join(p.header.Values("Set-Cookie"), " "), "ipdesk_session") {
				t.Errorf("%s changed the session without a CSRF token", path)
			}
		}
		// Still signed in: the refused sign-out did nothing.
		api.organizations = newFake(t).organizations
		c.get("/").wantStatus(http.StatusOK)
		_ = e
	})
	t.Run("htmx sends the header", func(t *testing.T) {
		t.Parallel()
		api := newFake(t).creating()
		e, c := signedIn(t, api)
		p := c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
		form := p.formValues()
		hx := p.one("body").AttrOr("hx-headers", "")
		if !strings.Contains(hx, `"X-CSRF-Token":"`+form.Get("_csrf")+`"`) {
			t.Fatalf("hx-headers %q lacks the token", hx)
		}
		tok := form.Get("_csrf")
		form.Del("_csrf")
		c.csrf = ""
		h := htmx(e.srv.URL + "/orgs/acme/ip-addresses/new")
		h["X-CSRF-Token"] = tok
		c.post("/orgs/acme/ip-addresses", form, h).wantStatus(http.StatusOK)
	})
}

// TestTheResultNamesTheOrganizationOnceWithinTwoCalls: the pages after a
// create never fetch the organization (submit to result costs at most two
// calls), so they name it from the cached list when it is warm, and by its
// sub_domain alone, once, when it is not.
func TestTheResultNamesTheOrganizationOnceWithinTwoCalls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// cache wraps the fake in the per-token cache; cold lets it expire
		// between the form and the submit.
		cache, cold bool
		wantName    string
		wantSub     string
	}{
		{name: "warm cache", cache: true, wantName: "ACME Inc.", wantSub: "acme"},
		{name: "cold cache", cache: true, cold: true, wantName: "acme"},
		{name: "no cache", wantName: "acme"},
	}
	for _, tt := range tests {
		for _, viaHTMX := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, htmx %v", tt.name, viaHTMX), func(t *testing.T) {
				t.Parallel()
				api := newFake(t).creating()
				clk := &clock{t: time.Date(2025, 6, 2, 13, 5, 0, 0, time.UTC)}
				var opts []options
				if tt.cache {
					opts = append(opts, func(c *handlers.Config) { c.API = katapult.NewCache(api, time.Minute, clk.Now) })
				}
				e, c := signedIn(t, api, opts...)
				form := formOf(c, "acme")
				if tt.cold {
					clk.Add(2 * time.Minute)
				}
				api.reset()
				var p *page
				if viaHTMX {
					p = c.post("/orgs/acme/ip-addresses", form, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK)
				} else {
					p = c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther)
					p = c.get(p.location()).wantStatus(http.StatusOK)
				}
				if got := api.total(); got > 2 {
					t.Errorf("submit to result cost %d calls (%s), want at most 2", got, api)
				}
				crumbs := p.one(`nav[aria-label="Breadcrumb"]`)
				if got := text(crumbs.Find(`[data-testid="org-name"]`)); got != tt.wantName {
					t.Errorf("breadcrumb names %q, want %q", got, tt.wantName)
				}
				if got := text(crumbs.Find(`[data-testid="org-subdomain"]`)); got != tt.wantSub {
					t.Errorf("breadcrumb sub_domain %q, want %q", got, tt.wantSub)
				}
				if strings.Count(text(crumbs), "acme") != 1 {
					t.Errorf("breadcrumb %q names the sub_domain more than once", text(crumbs))
				}
			})
		}
	}
}

// TestEveryErrorCodeIsExplained walks the whole catalogue: whatever code a
// create or a read gets, staff read the catalogue's message for it (or are
// sent to sign in again, saying why), never a bare 500.
func TestEveryErrorCodeIsExplained(t *testing.T) {
	t.Parallel()
	for _, code := range katapult.Codes() {
		en := katapult.Lookup(code)
		for _, via := range []string{"create", "read"} {
			t.Run(string(code)+" on "+via, func(t *testing.T) {
				t.Parallel()
				api := newFake(t)
				kerr := katapultErr(code, katapult.Detail{})
				api.create = func(katapult.Token, katapult.CreateIPAddress) (katapult.IPAddress, error) {
					return katapult.IPAddress{}, kerr
				}
				api.ipAddresses = func(katapult.Token, katapult.OrgRef, int, int) (katapult.IPAddressPage, error) {
					return katapult.IPAddressPage{}, kerr
				}
				_, c := signedIn(t, api)
				var p *page
				if via == "create" {
					p = c.post("/orgs/acme/ip-addresses", formOf(c, "acme"))
				} else {
					p = c.get("/orgs/acme/ip-addresses")
				}
				if en.SignIn {
					p.wantStatus(http.StatusSeeOther)
					u, _ := url.Parse(p.location())
					if u.Path != "/login" || u.Query().Get("why") != string(code) {
						t.Fatalf("sent to %q, want the sign-in page saying why", p.location())
					}
					login := c.get(p.location()).wantStatus(http.StatusOK)
					if !strings.Contains(text(login.testid("login-notice")), en.Message) {
						t.Errorf("sign-in notice %q lacks %q", text(login.testid("login-notice")), en.Message)
					}
					return
				}
				if p.status < 400 || p.status == http.StatusInternalServerError {
					t.Fatalf("status %d", p.status)
				}
				where := p.find(`[data-testid="error-panel"][data-problem="` + string(code) + `"], [data-testid$="-error"]`)
				if !strings.Contains(text(where), en.Message) {
					t.Errorf("the catalogue's message %q is not shown; body:\n%s", en.Message, p.body)
				}
			})
		}
	}
}
