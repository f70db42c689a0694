package handlers_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"ipdesk/katapult"
)

// TestTheTokenAppearsNowhere signs in with a known token, visits every
// page (and its errors), and checks that the token is in no page, header,
// URL or log line.
func TestTheTokenAppearsNowhere(t *testing.T) {
	t.Parallel()
	api := newFake(t).creating()
	api.ipAddresses = func(katapult.Token, katapult.OrgRef, int, int) (katapult.IPAddressPage, error) {
		return katapult.IPAddressPage{Page: 1, TotalPages: 1, Total: 1, Addresses: []katapult.IPAddress{{ID: "ip_Test000000000001", Address: "192.0.2.17"}}}, nil
	}
	e := newEnv(t, api)
	c := e.client()
	var seen []*page
	visit := func(p *page) *page { seen = append(seen, p); return p }

	visit(c.get("/orgs/acme/ip-addresses/new"))
	visit(c.get("/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew"))
	visit(c.post("/login", formWith("token", userToken, "next", "/orgs/acme/ip-addresses/new")))
	visit(c.get("/"))
	visit(c.get("/?q=ac"))
	form := visit(c.get("/orgs/acme/ip-addresses/new")).formValues()
	visit(c.get("/orgs/initech/ip-addresses/new"))
	visit(c.get("/orgs/acme/networks"))
	visit(c.get("/orgs/acme/networks", htmx(e.srv.URL+"/")))
	visit(c.get("/orgs/acme/ip-addresses/new?org=globex", htmx(e.srv.URL+"/")))
	visit(c.post("/orgs/acme/ip-addresses", formWith("once", form.Get("once"), "network", lonPublic.ID, "version", "ipv4", "vip", "on")))
	visit(c.post("/orgs/acme/ip-addresses", form))
	visit(c.post("/orgs/acme/ip-addresses", form, htmx(e.srv.URL+"/")))
	visit(c.get("/orgs/acme/ip-addresses/ip_Test000000000001"))
	visit(c.get("/orgs/acme/ip-addresses"))
	visit(c.get("/orgs/acme/ip-addresses?page=x"))
	visit(c.get("/nope"))
	api.create = func(katapult.Token, katapult.CreateIPAddress) (katapult.IPAddress, error) {
		return katapult.IPAddress{}, &katapult.OutcomeUnknownError{Err: errors.New("timeout")}
	}
	visit(c.post("/orgs/acme/ip-addresses", formOf(c, "acme")))
	api.organizations = func(katapult.Token) ([]katapult.Organization, error) {
		return nil, katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{})
	}
	visit(c.get("/"))
	visit(c.post("/logout", formWith()))

	if len(seen) < 10 {
		t.Fatalf("visited %d pages", len(seen))
	}
	for i, p := range seen {
		if strings.Contains(p.body, userToken) {
			t.Errorf("page %d contains the token", i)
		}
		for k, vs := range p.header {
			for _, v := range vs {
				if strings.Contains(v, userToken) {
					t.Errorf("page %d: header %s contains the token", i, k)
				}
			}
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, userToken) || !strings.Contains(logs, "request") {
		t.Errorf("log output contains the token, or nothing was logged:\n%s", logs)
	}
	if strings.Contains(e.logs.String(), "next=") {
		t.Errorf("the query of /login was logged")
	}
	_ = http.StatusOK
}

func formWith(kv ...string) (v map[string][]string) {
	v = map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		v[kv[i]] = []string{kv[i+1]}
	}
	return v
}
