package handlers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// heldBy is how many addresses the organizations hold, read from the
// embedded engine's own API with a token that sees them: a refused form
// must leave it as it was.
func heldBy(t *testing.T, e *env, token string, orgs ...string) int {
	t.Helper()
	total := 0
	for _, org := range orgs {
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/core/v1/organizations/_/ip_addresses?per_page=1&organization[sub_domain]="+org, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Pagination struct{ Total int } `json:"pagination"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("count of %s: status %d, %v", org, res.StatusCode, err)
		}
		total += page.Pagination.Total
	}
	return total
}

// TestTheFormRefusesANetworkTheOrganizationMayNotUse: a form of globex
// posted with a network globex may not use (acme's London edge network,
// in a data center globex works in; New York's, in one it does not) gets
// the catalogue's network_not_found under the network field, and nothing
// is allocated, in the real engine.
func TestTheFormRefusesANetworkTheOrganizationMayNotUse(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	c := e.client()
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	acmeForm := e2eSignIn(t, c, staff, "/orgs/acme/ip-addresses/new")
	for _, permalink := range []string{"uk-lon-01-edge", "us-nyc-01-public"} {
		t.Run(permalink, func(t *testing.T) {
			before := heldBy(t, e, staff, "acme", "globex")
			v := c.get("/orgs/globex/ip-addresses/new").wantStatus(http.StatusOK).formValues()
			v.Set("network", networkID(t, acmeForm, permalink))
			p := c.post("/orgs/globex/ip-addresses", v).wantStatus(http.StatusUnprocessableEntity)
			want := "This network does not exist or this organization may not use it. Pick another network from the list."
			if got := text(p.testid("network-error")); got != want {
				t.Errorf("network error %q, want %q", got, want)
			}
			if after := heldBy(t, e, staff, "acme", "globex"); after != before {
				t.Errorf("addresses held went from %d to %d", before, after)
			}
		})
	}
}

// TestOddOrganizationsInTheURLFindNoPage puts odd names where the
// organization's sub_domain goes in the dashboard's URLs: each is the
// not-found page (after at most the redirect to a clean path), never a
// page of the organization the token cannot see, and a post creates
// nothing.
func TestOddOrganizationsInTheURLFindNoPage(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	c := e.client()
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	e2eSignIn(t, c, staff, "/orgs/acme/ip-addresses/new")
	tests := []struct{ name, org string }{
		{"a parent directory", "../wayne"},
		{"an encoded parent directory", "..%2Fwayne"},
		{"encoded dots", "%2e%2e"},
		{"encoded dots and slash", "%2e%2e%2fwayne"},
		{"an encoded slash", "acme%2F..%2Fwayne"},
		{"a doubly encoded slash", "acme%252F..%252Fwayne"},
		{"an encoded backslash", "acme%5C..%5Cwayne"},
		{"a NUL", "acme%00"},
		{"a space", "acme%20"},
		{"overlong", strings.Repeat("a", 300)},
		{"an accented letter", "%C3%A1cme"},
		{"a zero-width space", "acme%E2%80%8B"},
		{"fullwidth letters", "%EF%BC%A1%EF%BC%A3%EF%BC%AD%EF%BC%A5"},
		{"not UTF-8", "acme%FF"},
		{"the hidden organization", "wayne"},
		{"the hidden organization in capitals", "WAYNE"},
		{"the hidden organization's id", "org_xJEjlN5TjpD86bJZ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, page := range []string{"/ip-addresses/new", "/ip-addresses", "/networks"} {
				status, body := followGet(t, c, "/orgs/"+tt.org+page)
				if status != http.StatusNotFound {
					t.Errorf("%s: status %d, want 404", page, status)
				}
				noWayne(t, body)
			}
			before := heldBy(t, e, staff, "acme", "globex")
			form := c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK).formValues()
			p := c.post("/orgs/"+tt.org+"/ip-addresses", form)
			switch p.status {
			case http.StatusNotFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			default:
				t.Errorf("post: status %d, want 404 or a redirect to a clean path", p.status)
			}
			noWayne(t, p.body)
			if after := heldBy(t, e, staff, "acme", "globex"); after != before {
				t.Errorf("addresses held went from %d to %d", before, after)
			}
		})
	}
}

// followGet gets a raw path, following redirects within the dashboard (a
// path made clean, a sub_domain made canonical) a few times.
func followGet(t *testing.T, c *client, path string) (int, string) {
	t.Helper()
	for range 4 {
		req, err := http.NewRequest(http.MethodGet, c.env.srv.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = path // sent exactly as written
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		loc := res.Header.Get("Location")
		if res.StatusCode < 300 || res.StatusCode > 399 || loc == "" {
			return res.StatusCode, string(body)
		}
		u, err := url.Parse(loc)
		if err != nil || u.Host != "" {
			t.Fatalf("%s redirects off the dashboard to %q", path, loc)
		}
		path = u.EscapedPath()
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
	}
	t.Fatalf("%s: too many redirects", path)
	return 0, ""
}

// noWayne fails the test if a page shows the organization the staff token
// cannot see.
func noWayne(t *testing.T, body string) {
	t.Helper()
	for _, s := range []string{"Wayne", "org_xJEjlN5TjpD86bJZ"} {
		if strings.Contains(body, s) {
			t.Errorf("the page shows %q", s)
		}
	}
}
