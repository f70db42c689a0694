package engine

import (
	"context"
	"net/http"
	"testing"

	"github.com/krystal/go-katapult/next/core"
)

// orgHolding is acme of the test seeds, holding the addresses given as
// JSON objects.
func orgHolding(extra, addresses string) string {
	return `{"name":"ACME","sub_domain":"acme","activated":true,"networks":["pub"]` + extra + `,"ip_addresses":[` + addresses + `]}`
}

func TestASeedsHeldAddressesLimitsAndUsersAreRefusedWithAMessageNamingTheItem(t *testing.T) {
	t.Parallel()
	other := `{"name":"Other","permalink":"other","data_center":"uk-lon-01","reverse_dns_zone":"r.example.net","subnets":[{"cidr":"198.51.100.0/24"}]}`
	tok := func(extra string) string {
		return `{"token":"t1","name":"Staff","scopes":["ip_addresses"],"organizations":{"acme":"manage"}` + extra + `}`
	}
	wantSeedErrors(t, []seedCase{
		{"a negative limit", seedParts{orgs: []string{orgHolding(`,"maximum_unallocated_ip_addresses":-1`, ``)}}.json(),
			`seed: organization "acme": maximum_unallocated_ip_addresses -1 is negative`},
		{"a limit that is no number", seedParts{orgs: []string{orgHolding(`,"maximum_unallocated_ip_addresses":"5"`, ``)}}.json(),
			`cannot unmarshal string`},
		{"an unknown field of a held address", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.9","vm":"x"}`)}}.json(),
			`seed: organization "acme" address "192.0.2.9": unknown field "vm"`},
		{"a held address that is no address", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.300"}`)}}.json(),
			`seed: organization "acme" address "192.0.2.300": is not an IP address`},
		{"a held address outside every subnet", seedParts{orgs: []string{orgHolding(``, `{"address":"203.0.113.9"}`)}}.json(),
			`seed: organization "acme" address "203.0.113.9": is in no subnet of the seed`},
		{"a held address of a network the organization may not use", seedParts{nets: []string{okNet, other},
			orgs: []string{orgHolding(``, `{"address":"198.51.100.9"}`)}}.json(),
			`seed: organization "acme" address "198.51.100.9": is in network "other", which the organization may not use`},
		{"a held gateway", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.1"}`)}}.json(),
			`seed: organization "acme" address "192.0.2.1": is never handed out: it is the network, broadcast, gateway or a reserved address of subnet 192.0.2.0/24`},
		{"a held broadcast address", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.255"}`)}}.json(),
			`address "192.0.2.255": is never handed out`},
		{"an address held twice", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.9"},{"address":"192.0.2.9"}`)}}.json(),
			`seed: organization "acme" address "192.0.2.9": is already held by organization "acme"`},
		{"a VIP without a label", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.9","vip":true}`)}}.json(),
			`seed: organization "acme" address "192.0.2.9": label: Label can't be blank`},
		{"a label without a VIP", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.9","label":"web"}`)}}.json(),
			`address "192.0.2.9": has a label but is not a VIP`},
		{"a reverse DNS that is no host name", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.9","reverse_dns":"mail"}`)}}.json(),
			`address "192.0.2.9": reverse_dns: Reverse DNS must be a full host name`},
		{"an id of another kind", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.9","id":"vm_abc"}`)}}.json(),
			`address "192.0.2.9": id "vm_abc" is not ip_ followed by letters and digits`},
		{"an allocation without a type", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.9","allocation":{"id":"vm_abc","name":"web"}}`)}}.json(),
			`address "192.0.2.9": allocation type "" is not a resource type`},
		{"an allocation whose id has no prefix", seedParts{orgs: []string{orgHolding(``,
			`{"address":"192.0.2.9","allocation":{"type":"VirtualMachine","id":"abc","name":"web"}}`)}}.json(),
			`address "192.0.2.9": allocation id "abc" is not a type prefix`},
		{"an allocation without a name", seedParts{orgs: []string{orgHolding(``,
			`{"address":"192.0.2.9","allocation":{"type":"VirtualMachine","id":"vm_abc"}}`)}}.json(),
			`address "192.0.2.9": allocation has no name`},
		{"a user without a last name", seedParts{toks: []string{tok(`,"user":{"first_name":"Alex"}`)}}.json(),
			`seed: token "Staff": user needs a first_name and a last_name`},
		{"a user id of another kind", seedParts{toks: []string{tok(`,"user":{"id":"usr_1","first_name":"A","last_name":"B"}`)}}.json(),
			`seed: token "Staff" user: id "usr_1" is not user_ followed by letters and digits`},
		{"an avatar that is no web address", seedParts{toks: []string{tok(`,"user":{"first_name":"A","last_name":"B","avatar_url":"file:///etc/passwd"}`)}}.json(),
			`seed: token "Staff": user avatar_url "file:///etc/passwd" is not an http or https URL`},
		{"one user described two ways", seedParts{toks: []string{
			tok(`,"user":{"id":"user_1","first_name":"A","last_name":"B"}`),
			`{"token":"t2","name":"Other","user":{"id":"user_1","first_name":"A","last_name":"C"}}`}}.json(),
			`seed: token "Other": user "user_1" differs from the one of another token with that id`},
		{"a token id of another kind", seedParts{toks: []string{tok(`,"id":"tok_1"`)}}.json(),
			`seed: token "Staff": id "tok_1" is not apitoken_ followed by letters and digits`},
		{"an address id held twice", seedParts{orgs: []string{orgHolding(``, `{"address":"192.0.2.9","id":"ip_1"},{"address":"192.0.2.10","id":"ip_1"}`)}}.json(),
			`address "192.0.2.10": id "ip_1" is already used by organization "acme" address "192.0.2.9"`},
	})
}

// TestASeedsHeldAddressesAreServedAndLeftOutOfThePool: a held address is
// the organization's from the start, with what the seed says of it, and
// creates skip it; tokens of one user share it.
func TestASeedsHeldAddressesAreServedAndLeftOutOfThePool(t *testing.T) {
	t.Parallel()
	seed := seedParts{
		orgs: []string{orgHolding(`,"maximum_unallocated_ip_addresses":0`,
			`{"address":"192.0.2.3","vip":true,"label":" web ","reverse_dns":"web.example.com."},`+
				`{"address":"192.0.2.2","allocation":{"type":"VirtualMachine","id":"vm_1","name":"db"}}`)},
		toks: []string{
			`{"token":"t1","name":"Staff","scopes":["ip_addresses","organizations:read"],"organizations":{"acme":"manage"},
			  "user":{"id":"user_1","first_name":"Alex","last_name":"Morgan","avatar_url":"https://example.com/a.png"}}`,
			`{"token":"t2","name":"Laptop","scopes":[],"user":{"id":"user_1","first_name":"Alex","last_name":"Morgan","avatar_url":"https://example.com/a.png"}}`,
		},
	}.json()
	srv := serve(t, openEngine(t, Config{SeedFile: writeSeed(t, seed)}))
	c := client(t, srv, "t1")
	res, err := c.GetIpAddressWithResponse(context.Background(), &core.GetIpAddressParams{IpAddressAddress: ptr("192.0.2.3")})
	if err != nil {
		t.Fatalf("the held VIP: %v", err)
	}
	ip := res.JSON200.IpAddress
	if !*ip.Vip || label(ip) != "web" || *ip.ReverseDns != "web.example.com" || *ip.AddressWithMask != "192.0.2.3/24" ||
		!ip.AllocationId.IsNull() || ip.Network.Permalink.MustGet() != "pub" {
		t.Errorf("the held VIP: %s", res.Body)
	}
	if al, ip := allocationOf(t, c, *mustGetByAddress(t, c, "192.0.2.2").Id); al == nil || al.Value.Name != "db" ||
		*ip.ReverseDns != "192-0-2-2.rdns.example.net" || ip.Vip == nil || *ip.Vip {
		t.Errorf("the held allocated address: %+v, %+v", al, ip)
	}
	if got := create(t, c, createBodyOf("acme", "pub", "ipv4")); *got.Address != "192.0.2.4" {
		t.Errorf("the first create got %s, want 192.0.2.4 (.2 and .3 are held)", *got.Address)
	}
	if limit := policyLimitsOf(t, c, "acme"); *limit.Unlimited || limit.Value.MustGet() != 0 {
		t.Errorf("limit = %+v, want 0", limit)
	}
	for _, token := range []string{"t1", "t2"} {
		res, err := client(t, srv, token).GetUsersCurrentWithResponse(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", token, err)
		}
		wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
		u := res.JSON200.User
		if *u.Id != "user_1" || *u.AvatarUrl != "https://example.com/a.png" || !validID(res.JSON200.ApiTokenId.MustGet(), prefixAPIToken) {
			t.Errorf("%s: %s", token, res.Body)
		}
	}
}

func mustGetByAddress(t *testing.T, c *core.ClientWithResponses, address string) core.IPAddress {
	t.Helper()
	res, err := c.GetIpAddressWithResponse(context.Background(), &core.GetIpAddressParams{IpAddressAddress: &address})
	if err != nil {
		t.Fatalf("get %s: %v", address, err)
	}
	return res.JSON200.IpAddress
}
