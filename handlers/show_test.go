package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"ipdesk/katapult"
)

// heading is the result page's h1: "IP address created" or "IP address".
func heading(p *page) string { return text(p.find(`[data-testid="result-page"] h1`)) }

func TestAnAddressIsShownOnlyUnderTheOrganizationThatHoldsIt(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	readonly := demoToken(t, tokens, "organizations:read", "ip_addresses:read")
	k := engineOf(t, e)
	ofAcme, ofGlobex := k.create(staff, "acme"), k.create(staff, "globex")
	c := e.client()
	signInWith(c, staff)
	ro := e.client()
	signInWith(ro, readonly)

	tests := []struct {
		name   string
		c      *client
		path   string
		htmx   bool
		status int
		// problem is the error panel's kind; empty for the address's page.
		problem string
	}{
		{name: "its own organization", c: c, path: "/orgs/acme/ip-addresses/" + ofAcme.ID, status: 200},
		{name: "its own organization, read-only token", c: ro, path: "/orgs/globex/ip-addresses/" + ofGlobex.ID, status: 200},
		{name: "another organization's address", c: c, path: "/orgs/acme/ip-addresses/" + ofGlobex.ID, status: 404, problem: "ip_address_not_found"},
		{name: "another organization's address, said to be created", c: c, path: "/orgs/acme/ip-addresses/" + ofGlobex.ID + "?created=1", status: 404, problem: "ip_address_not_found"},
		{name: "another organization's address, htmx", c: c, path: "/orgs/acme/ip-addresses/" + ofGlobex.ID + "?created=1", htmx: true, status: 404, problem: "ip_address_not_found"},
		{name: "another organization's address, read-only token", c: ro, path: "/orgs/wayne/ip-addresses/" + ofGlobex.ID, status: 404, problem: "ip_address_not_found"},
		{name: "an organization the token cannot see", c: c, path: "/orgs/wayne/ip-addresses/" + ofAcme.ID + "?created=1", status: 404, problem: "organization_not_found"},
		{name: "an organization the token cannot see, htmx", c: c, path: "/orgs/wayne/ip-addresses/" + ofAcme.ID, htmx: true, status: 404, problem: "organization_not_found"},
		{name: "an organization that does not exist", c: c, path: "/orgs/nonexistent/ip-addresses/" + ofAcme.ID + "?created=1", status: 404, problem: "organization_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h []hdr
			if tt.htmx {
				h = append(h, htmx(e.srv.URL+"/"))
			}
			p := tt.c.in(t).do(http.MethodGet, tt.path, nil, merge(h)).wantStatus(tt.status)
			if tt.htmx == (p.find("header.topbar").Length() != 0) {
				t.Errorf("htmx %v got the layout %v", tt.htmx, !tt.htmx)
			}
			if tt.problem != "" {
				p.one(`[data-testid="error-panel"][data-problem="` + tt.problem + `"]`)
				if p.testid("result-card").Length() != 0 || strings.Contains(p.body, ofGlobex.Address) || strings.Contains(p.body, ofAcme.Address) {
					t.Errorf("the refusal shows the address")
				}
				return
			}
			p.one(`[data-testid="result-card"]`)
			if got := heading(p); got != "IP address" {
				t.Errorf("heading %q, want %q", got, "IP address")
			}
		})
	}
}

// TestCreatedIsSaidOnlyToTheSessionThatCreatedTheAddress: ?created= is
// part of a link anyone can write; the heading says "created" only when
// this session's form did create the address.
func TestCreatedIsSaidOnlyToTheSessionThatCreatedTheAddress(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	k := engineOf(t, e)
	creator := e.client()
	form := e2eSignIn(t, creator, staff, "/orgs/acme/ip-addresses/new").formValues()
	other := e.client()
	signInWith(other, staff)

	created := creator.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther).location()
	if !strings.HasSuffix(created, "?created=1") {
		t.Fatalf("the create went to %q", created)
	}
	again := creator.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther).location()
	hxForm := creator.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK).formValues()
	hx := creator.post("/orgs/acme/ip-addresses", hxForm, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK)
	pushed := hx.header.Get("HX-Push-Url")
	if got := heading(hx); got != "IP address created" || pushed == "" {
		t.Fatalf("the htmx create says %q and pushes %q", got, pushed)
	}
	behind := "/orgs/acme/ip-addresses/" + k.create(staff, "acme").ID
	plain, _, _ := strings.Cut(created, "?")

	tests := []struct {
		name    string
		c       *client
		path    string
		htmx    bool
		heading string
		again   bool
	}{
		{name: "the creator, after the redirect", c: creator, path: created, heading: "IP address created"},
		{name: "the creator, after submitting again", c: creator, path: again, heading: "IP address created", again: true},
		{name: "the creator, without the parameter", c: creator, path: plain, heading: "IP address"},
		{name: "the creator, htmx's pushed address said to be created", c: creator, path: pushed + "?created=1", htmx: true, heading: "IP address created"},
		{name: "the creator, an address made behind the dashboard", c: creator, path: behind + "?created=1", heading: "IP address"},
		{name: "the creator, an address made behind the dashboard, again", c: creator, path: behind + "?created=again", heading: "IP address"},
		{name: "another session, the creator's link", c: other, path: created, heading: "IP address"},
		{name: "another session, the creator's second link", c: other, path: again, heading: "IP address"},
		{name: "another session, htmx", c: other, path: pushed + "?created=1", htmx: true, heading: "IP address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h []hdr
			if tt.htmx {
				h = append(h, htmx(e.srv.URL+"/"))
			}
			p := tt.c.in(t).do(http.MethodGet, tt.path, nil, merge(h)).wantStatus(http.StatusOK)
			p.one(`[data-testid="result-card"]`)
			if got := heading(p); got != tt.heading {
				t.Errorf("heading %q, want %q", got, tt.heading)
			}
			if got := p.testid("result-again").Length() == 1; got != tt.again {
				t.Errorf("says it was created before: %v, want %v", got, tt.again)
			}
			if created := strings.HasPrefix(text(p.find("title")), "Created "); !tt.htmx && created != (tt.heading == "IP address created") {
				t.Errorf("title %q", text(p.find("title")))
			}
		})
	}

	// The creator's own address is still not globex's.
	t.Run("the creator's address under another organization", func(t *testing.T) {
		t.Parallel()
		p := creator.in(t).get(strings.Replace(created, "/orgs/acme/", "/orgs/globex/", 1)).wantStatus(http.StatusNotFound)
		p.one(`[data-testid="error-panel"][data-problem="ip_address_not_found"]`)
	})
}

// TestAUsedFormPostedToAnotherOrganizationShowsNothing: a form's one-time
// token replayed to another organization's URL (a crafted post) never
// shows its address under that organization, with or without htmx.
func TestAUsedFormPostedToAnotherOrganizationShowsNothing(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	k := engineOf(t, e)
	c := e.client()
	form := e2eSignIn(t, c, staff, "/orgs/acme/ip-addresses/new").formValues()
	c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther)
	before := k.count(staff, "globex")

	p := c.post("/orgs/globex/ip-addresses", form, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusNotFound)
	p.one(`[data-testid="error-panel"][data-problem="ip_address_not_found"]`)
	loc := c.post("/orgs/globex/ip-addresses", form).wantStatus(http.StatusSeeOther).location()
	c.get(loc).wantStatus(http.StatusNotFound).one(`[data-testid="error-panel"][data-problem="ip_address_not_found"]`)
	if after := k.count(staff, "globex"); after != before {
		t.Errorf("globex has %d addresses more", after-before)
	}
}

// TestTheAddressPageAsksTheListOnlyWhenTheSessionDidNotCreateTheAddress:
// right after a create the page costs the address alone; opened otherwise
// it also reads the organization's list, newest pages first, and a
// bounded number of them.
func TestTheAddressPageAsksTheListOnlyWhenTheSessionDidNotCreateTheAddress(t *testing.T) {
	t.Parallel()
	const target = "ip_Target0000000001"
	tests := []struct {
		name string
		// pages is the list's length; on is the page that holds the
		// address (0: none).
		pages, on  int
		listErr    error
		status     int
		problem    string
		wantPages  []int
		atMostList int
	}{
		{name: "one page", pages: 1, on: 1, status: 200, wantPages: []int{1}},
		{name: "the newest of five pages", pages: 5, on: 5, status: 200, wantPages: []int{1, 5}},
		{name: "the fourth of five pages", pages: 5, on: 4, status: 200, wantPages: []int{1, 5, 4}},
		{name: "in none of three pages", pages: 3, status: 404, problem: "ip_address_not_found", wantPages: []int{1, 3, 2}},
		{name: "in none of 500 pages", pages: 500, status: 404, problem: "ip_address_not_found", atMostList: 10},
		{name: "an organization the token cannot see", listErr: katapult.NewError(katapult.CodeOrganizationNotFound, katapult.Detail{}), status: 404, problem: "organization_not_found", wantPages: []int{1}},
		{name: "a suspended organization", listErr: katapult.NewError(katapult.CodeOrganizationSuspended, katapult.Detail{}), status: 403, problem: "organization_suspended", wantPages: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			api.ipAddress = func(katapult.Token, string) (katapult.IPAddress, error) {
				return newAddress(target, katapult.CreateIPAddress{NetworkID: lonPublic.ID, Version: katapult.IPv4}), nil
			}
			var asked []int
			api.ipAddresses = func(_ katapult.Token, ref katapult.OrgRef, page, per int) (katapult.IPAddressPage, error) {
				asked = append(asked, page)
				if tt.listErr != nil {
					return katapult.IPAddressPage{}, tt.listErr
				}
				if ref != "acme" || page < 1 || page > tt.pages {
					t.Errorf("asked for page %d of %s", page, ref)
				}
				p := katapult.IPAddressPage{Page: page, PerPage: per, TotalPages: tt.pages, Total: tt.pages * per,
					Addresses: []katapult.IPAddress{{ID: "ip_Other" + strings.Repeat("0", 11)}}}
				if page == tt.on {
					p.Addresses = append(p.Addresses, katapult.IPAddress{ID: target})
				}
				return p, nil
			}
			_, c := signedIn(t, api)
			p := c.get("/orgs/acme/ip-addresses/" + target + "?created=1").wantStatus(tt.status)
			if tt.problem != "" {
				p.one(`[data-testid="error-panel"][data-problem="` + tt.problem + `"]`)
			} else if got := heading(p); got != "IP address" {
				t.Errorf("heading %q for an address this session did not create", got)
			}
			if api.count("IPAddress") != 1 || api.total() != 1+len(asked) {
				t.Errorf("calls %s, want the address and list pages only", api)
			}
			if tt.wantPages != nil && !slices.Equal(asked, tt.wantPages) {
				t.Errorf("asked for pages %v, want %v", asked, tt.wantPages)
			}
			if tt.atMostList > 0 && (len(asked) > tt.atMostList || asked[0] != 1 || asked[1] != tt.pages) {
				t.Errorf("asked for pages %v: want page 1, then from the last back, at most %d", asked, tt.atMostList)
			}
		})
	}

	t.Run("right after a create", func(t *testing.T) {
		t.Parallel()
		api := newFake(t).creating() // no list allowed
		_, c := signedIn(t, api)
		form := formOf(c, "acme")
		api.reset()
		loc := c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther).location()
		p := c.get(loc).wantStatus(http.StatusOK)
		if got := heading(p); got != "IP address created" {
			t.Errorf("heading %q", got)
		}
		if got := api.total(); got != 2 {
			t.Errorf("submit to result cost %d calls (%s), want 2", got, api)
		}
		u, _ := url.Parse(loc)
		api.reset()
		c.get(u.Path).wantStatus(http.StatusOK)
		if got := api.String(); got != "IPAddress" {
			t.Errorf("the page of an address this session created cost %q, want the address alone", got)
		}
	})
}
