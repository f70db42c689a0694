package handlers_test

import (
	"net/http"
	"testing"
)

// TestATokenReachesOnlyWhatKatapultLetsItThroughTheDashboard: the
// dashboard adds no access of its own. With the staff token, which cannot
// see wayne, and the read-only token, which views acme, globex and wayne
// but may create nowhere, every page of an organization out of reach is
// the not-found page, and every create that Katapult would refuse is
// refused with its explanation; the engine allocates nothing (counted
// through its API with a token that sees the organization).
func TestATokenReachesOnlyWhatKatapultLetsItThroughTheDashboard(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	readonly := demoToken(t, tokens, "organizations:read", "ip_addresses:read")
	k := engineOf(t, e)
	ofAcme := k.create(staff, "acme")
	s := e.client()
	signInWith(s, staff)
	ro := e.client()
	signInWith(ro, readonly)
	counts := func() map[string]int {
		return map[string]int{"acme": k.count(staff, "acme"), "globex": k.count(staff, "globex"), "wayne": k.count(readonly, "wayne")}
	}
	before := counts()

	t.Run("reads", func(t *testing.T) {
		tests := []struct {
			name, path string
			c          *client
			htmx       bool
		}{
			{name: "the form", path: "/orgs/wayne/ip-addresses/new", c: s},
			{name: "the form, htmx", path: "/orgs/wayne/ip-addresses/new", c: s, htmx: true},
			{name: "the networks", path: "/orgs/wayne/networks", c: s},
			{name: "the networks, htmx", path: "/orgs/wayne/networks", c: s, htmx: true},
			{name: "the list", path: "/orgs/wayne/ip-addresses", c: s},
			{name: "an address page", path: "/orgs/wayne/ip-addresses/" + ofAcme.ID, c: s},
			{name: "an address page, said to be created", path: "/orgs/wayne/ip-addresses/" + ofAcme.ID + "?created=1", c: s},
			{name: "an organization no token sees", path: "/orgs/nonexistent/ip-addresses", c: ro},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				var h []hdr
				if tt.htmx {
					h = append(h, htmx(e.srv.URL+"/"))
				}
				p := tt.c.in(t).do(http.MethodGet, tt.path, nil, merge(h)).wantStatus(http.StatusNotFound)
				p.one(`[data-testid="error-panel"][data-problem="organization_not_found"]`)
				if p.testid("create-form").Length() != 0 || p.testid("result-card").Length() != 0 || p.testid("address-row").Length() != 0 {
					t.Errorf("the not-found page shows the organization's things")
				}
			})
		}
	})

	t.Run("creates", func(t *testing.T) {
		tests := []struct {
			name string
			c    *client
			// formOrg is the organization whose form is posted, to org.
			formOrg, org string
			htmx         bool
			status       int
			problem      string
		}{
			{name: "staff into wayne", c: s, formOrg: "acme", org: "wayne", status: http.StatusNotFound, problem: "organization_not_found"},
			{name: "staff into wayne, htmx", c: s, formOrg: "acme", org: "wayne", htmx: true, status: http.StatusNotFound, problem: "organization_not_found"},
			{name: "read-only into acme", c: ro, formOrg: "acme", org: "acme", status: http.StatusForbidden, problem: "scope_not_granted"},
			{name: "read-only into acme, htmx", c: ro, formOrg: "acme", org: "acme", htmx: true, status: http.StatusForbidden, problem: "scope_not_granted"},
			{name: "read-only into wayne", c: ro, formOrg: "wayne", org: "wayne", status: http.StatusForbidden, problem: "scope_not_granted"},
			{name: "staff into view-only hooli", c: s, formOrg: "hooli", org: "hooli", status: http.StatusForbidden, problem: "permission_denied"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				c := tt.c.in(t)
				var h []hdr
				if tt.htmx {
					h = append(h, htmx(e.srv.URL+"/orgs/"+tt.formOrg+"/ip-addresses/new"))
				}
				p := c.post("/orgs/"+tt.org+"/ip-addresses", formOf(c, tt.formOrg), h...).wantStatus(tt.status)
				p.one(`[data-problem="` + tt.problem + `"]`)
				if p.testid("result-card").Length() != 0 {
					t.Errorf("a refused create shows an address")
				}
			})
		}
	})

	after := counts()
	for org, n := range before {
		if after[org] != n {
			t.Errorf("%s has %d addresses, had %d", org, after[org], n)
		}
	}
}
