package handlers_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"ipdesk/app"
	"ipdesk/katapult"
)

// e2e is ipdesk as main builds it (app.New, embedded mode): the dashboard
// in front of the embedded engine, served over real HTTP.
func e2e(t *testing.T) (*env, []katapult.DemoToken) {
	t.Helper()
	e := &env{t: t, logs: &logBuffer{}, clock: &clock{t: time.Now()}}
	a, err := app.New(context.Background(), app.Config{
		DataDir:       t.TempDir(),
		SessionKeys:   [][]byte{testKey[:]},
		Budget:        app.NewBudget(katapult.DefaultReadTimeout, katapult.DefaultCreateTimeout),
		MetricsOnMain: true,
		Logger:        slog.New(slog.NewTextHandler(e.logs, nil)),
	})
	if err != nil {
		t.Fatalf("app: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	e.srv = httptest.NewServer(a.Handler())
	t.Cleanup(e.srv.Close)
	return e, a.DemoTokens()
}

// demoToken is the demo token whose scopes are exactly these.
func demoToken(t *testing.T, tokens []katapult.DemoToken, scopes ...string) string {
	t.Helper()
	for _, d := range tokens {
		if strings.Join(d.Scopes, " ") == strings.Join(scopes, " ") {
			return d.Token
		}
	}
	t.Fatalf("no demo token with scopes %v in %+v", scopes, tokens)
	return ""
}

// e2eSignIn signs in from a bookmark, as a user would.
func e2eSignIn(t *testing.T, c *client, token, bookmark string) *page {
	t.Helper()
	p := c.get(bookmark).wantStatus(http.StatusSeeOther)
	login := c.get(p.location()).wantStatus(http.StatusOK)
	if login.testid("demo-panel").Length() != 1 {
		t.Errorf("embedded mode does not say it is a demo")
	}
	next := login.one(`input[name="next"]`).AttrOr("value", "")
	p = c.post("/login", url.Values{"token": {token}, "next": {next}}).wantStatus(http.StatusSeeOther)
	if p.location() != bookmark {
		t.Fatalf("after sign-in: %q, want the bookmark %q", p.location(), bookmark)
	}
	return c.get(bookmark).wantStatus(http.StatusOK)
}

// networkID is the id of the option of a network's permalink in a form.
func networkID(t *testing.T, p *page, permalink string) string {
	t.Helper()
	id, ok := p.find(`option[data-permalink="` + permalink + `"]`).Attr("value")
	if !ok {
		t.Fatalf("no network %s in the form", permalink)
	}
	return id
}

func TestEndToEndCreateInLondon(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	c := e.client()
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	form := e2eSignIn(t, c, staff, "/orgs/acme/ip-addresses/new")
	if got := form.find(`optgroup[data-dc="uk-lon-01"]`).AttrOr("label", ""); !strings.Contains(got, "United Kingdom") {
		t.Errorf("London group %q lacks its country", got)
	}
	if sel := form.one(`#network option[selected]`).AttrOr("data-permalink", ""); sel != "uk-lon-01-public" {
		t.Errorf("preselected %q, want London's default", sel)
	}

	// IPv4 without JavaScript: post, redirect, result page.
	v := form.formValues()
	v.Set("network", networkID(t, form, "uk-lon-01-public"))
	p := c.post("/orgs/acme/ip-addresses", v).wantStatus(http.StatusSeeOther)
	p = c.get(p.location()).wantStatus(http.StatusOK)
	// The cache is warm from the form: the result names the organization
	// without asking Katapult for it.
	if got := text(p.one(`nav[aria-label="Breadcrumb"]`)); got != "Organizations › ACME Inc. acme" {
		t.Errorf("breadcrumb %q", got)
	}
	card := p.one(`[data-testid="result-card"]`)
	addr := text(card.Find(`[data-testid="result-address"]`))
	if !strings.HasPrefix(addr, "192.0.2.") && !strings.HasPrefix(addr, "198.51.100.") {
		t.Errorf("IPv4 address %q", addr)
	}
	for id, want := range map[string]string{
		"result-version": "IPv4", "result-country-name": "United Kingdom", "result-flag": "🇬🇧",
		"result-iso": "GB / GBR", "result-datacenter-permalink": "uk-lon-01", "result-network-permalink": "uk-lon-01-public",
		"result-eu": "No", "result-allocation": "Not allocated",
	} {
		if got := text(card.Find(`[data-testid="` + id + `"]`)); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if !strings.Contains(text(card.Find(`[data-testid="result-mask"]`)), addr+"/") {
		t.Errorf("mask %q", text(card.Find(`[data-testid="result-mask"]`)))
	}
	if !strings.HasPrefix(text(card.Find(`[data-testid="result-rdns"]`)), strings.ReplaceAll(addr, ".", "-")+".") {
		t.Errorf("reverse DNS %q", text(card.Find(`[data-testid="result-rdns"]`)))
	}

	// IPv6 with htmx: the card at once.
	form = c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
	v = form.formValues()
	v.Set("network", networkID(t, form, "uk-lon-01-public"))
	v.Set("version", "ipv6")
	p = c.post("/orgs/acme/ip-addresses", v, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK)
	addr6 := text(p.one(`[data-testid="result-address"]`))
	if !strings.HasPrefix(addr6, "2001:db8:") || text(p.testid("result-version")) != "IPv6" {
		t.Errorf("IPv6 address %q", addr6)
	}
	if !strings.HasPrefix(p.header.Get("HX-Push-Url"), "/orgs/acme/ip-addresses/ip_") {
		t.Errorf("pushed %q", p.header.Get("HX-Push-Url"))
	}
	// The form now remembers London and IPv6.
	form = c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
	if _, on := form.one(`[data-testid="version-ipv6"]`).Attr("checked"); !on {
		t.Errorf("IPv6 not remembered")
	}
	// Both are in the list, each linking to its page.
	list := c.get("/orgs/acme/ip-addresses").wantStatus(http.StatusOK)
	if !strings.Contains(text(list.testid("address-table")), addr) || !strings.Contains(text(list.testid("address-table")), addr6) {
		t.Errorf("list lacks the new addresses")
	}
	if strings.Contains(e.logs.String(), staff) {
		t.Errorf("the token is in the log")
	}
}

func TestEndToEndRefusals(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	c := e.client()
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	form := e2eSignIn(t, c, staff, "/orgs/acme/ip-addresses/new")

	t.Run("VIP without label", func(t *testing.T) {
		v := form.formValues()
		v.Set("vip", "on")
		v.Del("label")
		p := c.post("/orgs/acme/ip-addresses", v).wantStatus(http.StatusUnprocessableEntity)
		if got := text(p.testid("label-error")); got != "Label can't be blank" {
			t.Errorf("label error %q", got)
		}
	})
	t.Run("a pool with no IPv6 is dry", func(t *testing.T) {
		v := form.formValues()
		v.Set("network", networkID(t, form, "nl-ams-01-small"))
		v.Set("version", "ipv6")
		p := c.post("/orgs/acme/ip-addresses", v).wantStatus(http.StatusUnprocessableEntity)
		p.one(`[data-problem="no_available_addresses"]`)
	})
	t.Run("a small IPv4 pool runs dry", func(t *testing.T) {
		small := networkID(t, form, "nl-ams-01-small")
		for i := 0; ; i++ {
			f := c.get("/orgs/acme/ip-addresses/new").formValues()
			f.Set("network", small)
			f.Set("version", "ipv4")
			p := c.post("/orgs/acme/ip-addresses", f)
			if p.status == http.StatusUnprocessableEntity {
				p.one(`[data-problem="no_available_addresses"]`)
				if i == 0 {
					t.Errorf("dry before any address was made")
				}
				return
			}
			p.wantStatus(http.StatusSeeOther)
			if i > 20 {
				t.Fatalf("the small pool never ran dry")
			}
		}
	})
	t.Run("view-only organization", func(t *testing.T) {
		f := c.get("/orgs/hooli/ip-addresses/new").wantStatus(http.StatusOK).formValues()
		p := c.post("/orgs/hooli/ip-addresses", f).wantStatus(http.StatusForbidden)
		p.one(`[data-problem="permission_denied"]`)
	})
	t.Run("suspended organization", func(t *testing.T) {
		p := c.get("/orgs/initech/ip-addresses/new").wantStatus(http.StatusOK)
		p.one(`[data-problem="organization_suspended"]`)
		if p.testid("create-form").Length() != 0 {
			t.Errorf("a suspended organization got a form")
		}
	})
	t.Run("not activated organization", func(t *testing.T) {
		p := c.get("/orgs/umbrella/ip-addresses/new").wantStatus(http.StatusOK)
		p.one(`[data-problem="organization_not_activated"]`)
	})
	t.Run("the address list of a suspended organization explains why there is none", func(t *testing.T) {
		p := c.get("/orgs/initech/ip-addresses").wantStatus(http.StatusOK)
		p.one(`[data-problem="organization_suspended"]`)
		if n := c.get("/").wantStatus(http.StatusOK).find(`a[href="/orgs/initech/ip-addresses"]`).Length(); n != 0 {
			t.Errorf("the organization list links %d times to a list Katapult refuses", n)
		}
	})
	t.Run("token without organizations:read", func(t *testing.T) {
		c := e.client()
		c.get("/login")
		p := c.post("/login", url.Values{"token": {demoToken(t, tokens, "ip_addresses")}}).wantStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(text(p.testid("token-error")), "organizations:read") {
			t.Errorf("refusal %q does not name the scope", text(p.testid("token-error")))
		}
	})
}

func TestEndToEndDoubleSubmitGivesOneAddress(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	c := e.client()
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	form := e2eSignIn(t, c, staff, "/orgs/globex/ip-addresses/new")
	total := func() int {
		return c.get("/orgs/globex/ip-addresses").wantStatus(http.StatusOK).testid("address-row").Length()
	}
	before := total()
	v := form.formValues()
	first := c.post("/orgs/globex/ip-addresses", v).wantStatus(http.StatusSeeOther)
	second := c.post("/orgs/globex/ip-addresses", v).wantStatus(http.StatusSeeOther)
	third := c.post("/orgs/globex/ip-addresses", v, htmx(e.srv.URL+"/orgs/globex/ip-addresses/new")).wantStatus(http.StatusOK)
	id := strings.TrimPrefix(strings.SplitN(first.location(), "?", 2)[0], "/orgs/globex/ip-addresses/")
	if !strings.HasPrefix(second.location(), "/orgs/globex/ip-addresses/"+id) || third.one(`[data-testid="result-card"]`).AttrOr("data-id", "") != id {
		t.Errorf("resubmits went elsewhere: %q, %q", second.location(), third.one(`[data-testid="result-card"]`).AttrOr("data-id", ""))
	}
	if after := total(); after != before+1 {
		t.Errorf("%d addresses after a triple submit, want %d", after, before+1)
	}
}
