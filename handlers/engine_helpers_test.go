package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"ipdesk/katapult"
)

// engineAPI is the embedded engine's Core API, reached over HTTP through
// Krystal's client (the port's adapter) as any other client would: the
// tests create and count addresses there behind the dashboard's back.
type engineAPI struct {
	t   *testing.T
	api *katapult.Client
}

func engineOf(t *testing.T, e *env) *engineAPI {
	t.Helper()
	api, err := katapult.NewClient(e.srv.URL + "/core/v1")
	if err != nil {
		t.Fatal(err)
	}
	return &engineAPI{t: t, api: api}
}

// create makes an address of org on its London public network.
func (k *engineAPI) create(token, org string) katapult.IPAddress {
	k.t.Helper()
	ctx, tok := context.Background(), katapult.Token(token)
	nets, err := k.api.AvailableNetworks(ctx, tok, katapult.OrgRef(org))
	if err != nil {
		k.t.Fatalf("networks of %s: %v", org, err)
	}
	i := slices.IndexFunc(nets, func(n katapult.Network) bool { return n.Permalink == "uk-lon-01-public" })
	if i < 0 {
		k.t.Fatalf("%s has no London public network", org)
	}
	a, err := k.api.CreateIPAddress(ctx, tok, katapult.CreateIPAddress{Organization: katapult.OrgRef(org), NetworkID: nets[i].ID, Version: katapult.IPv4})
	if err != nil {
		k.t.Fatalf("create in %s: %v", org, err)
	}
	return a
}

// count is how many addresses org holds, as a token that sees it reads.
func (k *engineAPI) count(token, org string) int {
	k.t.Helper()
	p, err := k.api.IPAddresses(context.Background(), katapult.Token(token), katapult.OrgRef(org), 1, 1)
	if err != nil {
		k.t.Fatalf("count %s: %v", org, err)
	}
	return p.Total
}

// signInWith signs a client in with a token, from the sign-in page.
func signInWith(c *client, token string) {
	c.t.Helper()
	c.get("/login").wantStatus(http.StatusOK)
	c.post("/login", url.Values{"token": {token}}).wantStatus(http.StatusSeeOther)
}

// in is the client for a subtest: the same browser (cookie jar), whose
// failures end the subtest only.
func (c *client) in(t *testing.T) *client {
	cc := *c
	cc.t = t
	return &cc
}
