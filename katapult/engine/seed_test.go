package engine

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

// Fragments of a small valid seed; each refusal case replaces some.
const (
	okDC  = `{"name":"London","permalink":"uk-lon-01","country":{"name":"United Kingdom","iso_code2":"GB","iso_code3":"GBR","time_zone":"Europe/London","eu":false}}`
	okNet = `{"name":"Public","permalink":"pub","data_center":"uk-lon-01","default":true,"reverse_dns_zone":"rdns.example.net","subnets":[{"cidr":"192.0.2.0/24","gateway":"192.0.2.1"}]}`
	okOrg = `{"name":"ACME","sub_domain":"acme","activated":true,"networks":["pub"]}`
	okTok = `{"token":"t1","name":"Staff","scopes":["ip_addresses"],"organizations":{"acme":"manage"}}`
)

// seedParts builds a seed; a nil part is the valid fragment.
type seedParts struct {
	dcs, nets, orgs, toks []string
	vnets                 []string // optional: left out of the seed when nil
}

func (p seedParts) json() string {
	part := func(items []string, ok string) string {
		if items == nil {
			items = []string{ok}
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	vnets := ""
	if p.vnets != nil {
		vnets = `,"virtual_networks":[` + strings.Join(p.vnets, ",") + `]`
	}
	return `{"data_centers":` + part(p.dcs, okDC) + `,"networks":` + part(p.nets, okNet) +
		`,"organizations":` + part(p.orgs, okOrg) + `,"tokens":` + part(p.toks, okTok) + vnets + `}`
}

func netJSON(permalink, subnets string) string {
	return `{"name":"N","permalink":"` + permalink + `","data_center":"uk-lon-01","reverse_dns_zone":"rdns.example.net","subnets":[` + subnets + `]}`
}

// writeSeed writes a seed file into a fresh folder.
func writeSeed(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// seedCase is a seed and what its refusal must say.
type seedCase struct {
	name string
	seed string
	want string
}

func TestASeedIsRefusedWithAMessageNamingTheItem(t *testing.T) {
	t.Parallel()
	tests := []seedCase{
		{"an unknown top-level field", `{"data_centres":[]}`, `seed: top level: unknown field "data_centres"`},
		{"an unknown field of a subnet", seedParts{nets: []string{
			`{"name":"P","permalink":"pub","data_center":"uk-lon-01","reverse_dns_zone":"r.example","subnets":[{"cidr":"192.0.2.0/24","gw":"192.0.2.1"}]}`}}.json(),
			`seed: network "pub" subnet "192.0.2.0/24": unknown field "gw"`},
		{"a field of a subnet in capitals", seedParts{nets: []string{
			`{"name":"P","permalink":"pub","data_center":"uk-lon-01","reverse_dns_zone":"r.example","subnets":[{"cidr":"192.0.2.0/24"},{"CIDR":"198.51.100.0/24"}]}`}}.json(),
			`seed: network "pub" subnet #2: unknown field "CIDR"`},
		{"an unknown field of a country", seedParts{dcs: []string{strings.Replace(okDC, `"eu":false`, `"eu":false,"currency":"GBP"`, 1)}}.json(),
			`seed: data center "uk-lon-01": unknown field "currency"`},
		{"an unknown field of an organization", seedParts{orgs: []string{`{"name":"A","sub_domain":"acme","activated_at":1}`}}.json(),
			`seed: organization "acme": unknown field "activated_at"`},
		{"an unknown field of a token", seedParts{toks: []string{`{"token":"t1","name":"Staff","scope":["ip_addresses"]}`}}.json(),
			`seed: token "Staff": unknown field "scope"`},
		{"a null data center", seedParts{dcs: []string{okDC, "null"}}.json(), `seed: data center #2: is null, not an object`},
		{"a null network", seedParts{nets: []string{"null"}}.json(), `seed: network #1: is null, not an object`},
		{"a null subnet", seedParts{nets: []string{netJSON("pub", "null")}}.json(), `seed: network "pub" subnet #1: is null, not an object`},
		{"a null organization", seedParts{orgs: []string{"null"}}.json(), `seed: organization #1: is null, not an object`},
		{"a null token", seedParts{toks: []string{okTok, "null"}}.json(), `seed: token #2: is null, not an object`},
		{"a field of the wrong type names the file", seedParts{nets: []string{netJSON("pub", `"192.0.2.0/24"`)}}.json(),
			`json: cannot unmarshal string`},
		{"a network in an unknown data center", seedParts{nets: []string{strings.Replace(okNet, `"data_center":"uk-lon-01"`, `"data_center":"uk-lon-02"`, 1)}}.json(),
			`seed: network "pub": data center "uk-lon-02" does not exist`},
		{"an organization on an unknown network", seedParts{orgs: []string{`{"name":"A","sub_domain":"acme","networks":["nope"]}`}}.json(),
			`seed: organization "acme": network "nope" does not exist`},
		{"an organization listing a network twice", seedParts{orgs: []string{`{"name":"A","sub_domain":"acme","networks":["pub","pub"]}`}}.json(),
			`seed: organization "acme": network "pub" is listed twice`},
		{"a token for an unknown organization", seedParts{toks: []string{`{"token":"t1","name":"Staff","organizations":{"nope":"view"}}`}}.json(),
			`seed: token "Staff": organization "nope" does not exist`},
		{"an unknown access level", seedParts{toks: []string{`{"token":"t1","name":"Staff","organizations":{"acme":"admin"}}`}}.json(),
			`seed: token "Staff": access level "admin" for organization "acme" is unknown (use manage or view)`},
		{"a data center permalink used twice", seedParts{dcs: []string{okDC, okDC}}.json(),
			`seed: data center "uk-lon-01": permalink is used twice`},
		{"a network permalink used twice", seedParts{nets: []string{okNet, netJSON("pub", `{"cidr":"198.51.100.0/24"}`)}}.json(),
			`seed: network "pub": permalink is used twice`},
		{"a sub_domain used twice", seedParts{orgs: []string{okOrg, `{"name":"B","sub_domain":"acme"}`}}.json(),
			`seed: organization "acme": sub_domain is used twice`},
		{"a token used twice", seedParts{toks: []string{okTok, `{"token":"t1","name":"Other"}`}}.json(),
			`seed: token "Other": token is the same as the one of token "Staff"`},
		{"an id used twice", seedParts{nets: []string{
			`{"id":"netw_A1","name":"A","permalink":"a","data_center":"uk-lon-01","reverse_dns_zone":"r.example","subnets":[]}`,
			`{"id":"netw_A1","name":"B","permalink":"b","data_center":"uk-lon-01","reverse_dns_zone":"r.example","subnets":[]}`},
			orgs: []string{`{"name":"A","sub_domain":"acme"}`}}.json(),
			`seed: network "b": id "netw_A1" is already used by network "a"`},
		{"a data center id with neither of its prefixes", seedParts{dcs: []string{strings.Replace(okDC, `{"name"`, `{"id":"netw_X","name"`, 1)}}.json(),
			`seed: data center "uk-lon-01": id "netw_X" is not loc_ or dc_ followed by letters and digits`},
		{"a data center's prefix on a network", seedParts{nets: []string{strings.Replace(okNet, `{"name"`, `{"id":"dc_X","name"`, 1)}}.json(),
			`seed: network "pub": id "dc_X" is not netw_ followed by letters and digits`},
		{"a subnet id with the wrong prefix", seedParts{nets: []string{netJSON("pub", `{"id":"netw_X","cidr":"192.0.2.0/24"}`)}}.json(),
			`seed: network "pub" subnet "192.0.2.0/24": id "netw_X" is not sbnt_ followed by letters and digits`},
		{"a subnet id used twice", seedParts{nets: []string{netJSON("pub", `{"id":"sbnt_A1","cidr":"192.0.2.0/24"},{"id":"sbnt_A1","cidr":"2001:db8::/48"}`)}}.json(),
			`seed: network "pub" subnet "2001:db8::/48": id "sbnt_A1" is already used by network "pub" subnet "192.0.2.0/24"`},
		{"an unknown field of a virtual network", seedParts{vnets: []string{`{"name":"Backbone","data_center":"uk-lon-01","organization":"acme","subnet":"10.0.0.0/8"}`}}.json(),
			`seed: virtual network "Backbone": unknown field "subnet"`},
		{"a virtual network without a name", seedParts{vnets: []string{`{"data_center":"uk-lon-01","organization":"acme"}`}}.json(),
			`seed: virtual network #1: name is missing`},
		{"a virtual network id with the wrong prefix", seedParts{vnets: []string{`{"id":"netw_X","name":"Backbone","data_center":"uk-lon-01","organization":"acme"}`}}.json(),
			`seed: virtual network "Backbone": id "netw_X" is not vnet_ followed by letters and digits`},
		{"a virtual network in an unknown data center", seedParts{vnets: []string{`{"name":"Backbone","data_center":"uk-lon-02","organization":"acme"}`}}.json(),
			`seed: virtual network "Backbone": data center "uk-lon-02" does not exist`},
		{"a virtual network of an unknown organization", seedParts{vnets: []string{`{"name":"Backbone","data_center":"uk-lon-01","organization":"globex"}`}}.json(),
			`seed: virtual network "Backbone": organization "globex" does not exist`},
		{"a virtual network without an organization", seedParts{vnets: []string{`{"name":"Backbone","data_center":"uk-lon-01"}`}}.json(),
			`seed: virtual network "Backbone": organization "" does not exist`},
		{"a null virtual network", seedParts{vnets: []string{"null"}}.json(), `seed: virtual network #1: is null, not an object`},
		{"an id with the wrong prefix", seedParts{orgs: []string{`{"id":"netw_X","name":"A","sub_domain":"acme","networks":["pub"]}`}}.json(),
			`seed: organization "acme": id "netw_X" is not org_ followed by letters and digits`},
		{"a CIDR that does not parse", seedParts{nets: []string{netJSON("pub", `{"cidr":"192.0.2.0/33"}`)}}.json(),
			`seed: network "pub": subnet "192.0.2.0/33" is not a CIDR`},
		{"a CIDR with host bits", seedParts{nets: []string{netJSON("pub", `{"cidr":"192.0.2.5/24"}`)}}.json(),
			`seed: network "pub": subnet 192.0.2.5/24 has host bits set (the subnet is 192.0.2.0/24)`},
		{"an IPv4-mapped IPv6 subnet", seedParts{nets: []string{netJSON("pub", `{"cidr":"::ffff:192.0.2.0/120"}`)}}.json(),
			`seed: network "pub": subnet ::ffff:192.0.2.0/120 is IPv4-mapped IPv6`},
		{"overlapping subnets of one network", seedParts{nets: []string{netJSON("pub", `{"cidr":"192.0.2.0/24"},{"cidr":"192.0.2.128/25"}`)}}.json(),
			`seed: network "pub": subnet 192.0.2.128/25 overlaps subnet 192.0.2.0/24 of network "pub"`},
		{"overlapping subnets of two networks", seedParts{nets: []string{okNet, netJSON("x", `{"cidr":"198.51.100.0/24"},{"cidr":"192.0.2.0/25"}`)}}.json(),
			`seed: network "x": subnet 192.0.2.0/25 overlaps subnet 192.0.2.0/24 of network "pub"`},
		{"a subnet nested in an earlier one further off", seedParts{nets: []string{
			netJSON("pub", `{"cidr":"2001:db8::/32"},{"cidr":"2001:db8:5::/48"}`), netJSON("x", `{"cidr":"2001:db8:1::/48"}`)}}.json(),
			`seed: network "x": subnet 2001:db8:1::/48 overlaps subnet 2001:db8::/32 of network "pub"`},
		{"a gateway outside its subnet", seedParts{nets: []string{netJSON("pub", `{"cidr":"192.0.2.0/25","gateway":"192.0.2.129"}`)}}.json(),
			`seed: network "pub": gateway "192.0.2.129" is outside subnet 192.0.2.0/25`},
		{"a gateway of the other version", seedParts{nets: []string{netJSON("pub", `{"cidr":"2001:db8::/48","gateway":"192.0.2.1"}`)}}.json(),
			`seed: network "pub": gateway "192.0.2.1" is outside subnet 2001:db8::/48`},
		{"a reserved address outside its subnet", seedParts{nets: []string{netJSON("pub", `{"cidr":"192.0.2.0/25","reserved":["192.0.2.2","198.51.100.2"]}`)}}.json(),
			`seed: network "pub": reserved address "198.51.100.2" is outside subnet 192.0.2.0/25`},
		{"a subnet without a reverse DNS zone", seedParts{nets: []string{
			`{"name":"P","permalink":"pub","data_center":"uk-lon-01","subnets":[{"cidr":"192.0.2.0/24"}]}`}}.json(),
			`seed: network "pub": subnet 192.0.2.0/24 has no reverse_dns_zone`},
		{"a reverse DNS zone that is no domain", seedParts{nets: []string{strings.Replace(okNet, "rdns.example.net", "rdns..example", 1)}}.json(),
			`seed: network "pub": reverse_dns_zone "rdns..example" is not a domain name`},
		{"two default networks in a data center", seedParts{nets: []string{okNet, strings.Replace(netJSON("x", ""), `"name"`, `"default":true,"name"`, 1)}}.json(),
			`seed: network "x": data center "uk-lon-01" already has default network "pub"`},
		{"two data centers disagreeing about a country", seedParts{dcs: []string{okDC, strings.NewReplacer("uk-lon-01", "uk-man-01", `"eu":false`, `"eu":true`).Replace(okDC)}}.json(),
			`seed: data center "uk-man-01": country GB differs from the one of data center "uk-lon-01"`},
		{"a country code of three letters in iso_code2", seedParts{dcs: []string{strings.Replace(okDC, `"GB"`, `"GBR"`, 1)}}.json(),
			`seed: data center "uk-lon-01": country iso_code2 "GBR" is not two capital letters`},
		{"a sub_domain that is no host name", seedParts{orgs: []string{`{"name":"A","sub_domain":"Acme_Inc"}`}}.json(),
			`seed: organization "Acme_Inc": sub_domain "Acme_Inc" is not lower-case letters, digits and dashes`},
		{"a network without a name", seedParts{nets: []string{`{"permalink":"pub","data_center":"uk-lon-01"}`}}.json(),
			`seed: network "pub": name is missing`},
		{"a token with a space", seedParts{toks: []string{`{"token":"t 1","name":"Staff"}`}}.json(),
			`seed: token "Staff": token is empty or contains spaces`},
		{"no tokens at all", seedParts{toks: []string{}}.json(),
			`seed: tokens: there are none: at least one is needed to sign in`},
		{"data after the seed", seedParts{}.json() + `{}`, `unexpected data after the seed's JSON object`},
	}
	wantSeedErrors(t, tests)
}

// wantSeedErrors reads each seed and checks its refusal, in parallel
// subtests.
func wantSeedErrors(t *testing.T, tests []seedCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeSeed(t, tt.seed)
			_, err := readSeed(path)
			var seedErr *SeedError
			if !errors.As(err, &seedErr) {
				t.Fatalf("readSeed = %v, want a *SeedError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "seed: ") {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestOpenRefusesABadSeedAndCreatesNothingOfIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeSeed(t, seedParts{nets: []string{netJSON("pub", `{"cidr":"192.0.2.0/24","gateway":"10.0.0.1"}`)}}.json())
	_, err := Open(context.Background(), Config{DataDir: dir, SeedFile: path})
	var seedErr *SeedError
	if !errors.As(err, &seedErr) || seedErr.Item != `network "pub"` {
		t.Fatalf("Open = %v, want a *SeedError about network \"pub\"", err)
	}
	// The store stays fresh, so a corrected seed is loaded on the next start.
	e := openEngine(t, Config{DataDir: dir, SeedFile: writeSeed(t, seedParts{}.json())})
	if got := e.DemoTokens(); len(got) != 1 || got[0].Name != "Staff" {
		t.Errorf("tokens = %+v", got)
	}
}

func TestTheDemoSeedIsValidAndShowsEveryState(t *testing.T) {
	t.Parallel()
	s, err := readSeed("")
	if err != nil {
		t.Fatal(err)
	}
	var active, suspended, notActivated, view, noIPScope bool
	for _, o := range s.Organizations {
		active = active || o.Activated && !o.Suspended
		suspended = suspended || o.Suspended
		notActivated = notActivated || !o.Activated
	}
	for _, level := range s.Tokens[0].Organizations {
		view = view || level == "view"
	}
	for _, tok := range s.Tokens {
		noIPScope = noIPScope || !slices.Contains(tok.Scopes, scopeIPAddresses)
	}
	if !active || !suspended || !notActivated || !view || !noIPScope || len(s.DataCenters) < 3 {
		t.Errorf("the demo seed lacks a state: active %v, suspended %v, not activated %v, view-only %v, token without ip_addresses %v",
			active, suspended, notActivated, view, noIPScope)
	}
	// A pool that runs dry after a few addresses: a network whose IPv4
	// subnets hold 1 to 5 free addresses in all.
	dry := false
	for _, n := range s.Networks {
		free, v4 := 0, false
		for _, sub := range n.Subnets {
			if sub.prefix.Addr().Is4() {
				v4 = true
				for _, r := range sub.free { // counted up to 6: enough to tell
					for a := r.first; free <= 5; a = a.Next() {
						free++
						if a == r.last {
							break
						}
					}
				}
			}
		}
		dry = dry || v4 && free >= 1 && free <= 5
	}
	if !dry {
		t.Error("the demo seed has no IPv4 pool that runs dry after a few addresses")
	}
	docs := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
	for _, n := range s.Networks {
		for _, sub := range n.Subnets {
			inDocs := slices.ContainsFunc(docs, func(d netip.Prefix) bool {
				return d.Bits() <= sub.prefix.Bits() && d.Contains(sub.prefix.Addr())
			})
			if !inDocs {
				t.Errorf("network %s: subnet %s is not in a documentation range", n.Permalink, sub.prefix)
			}
		}
	}
	idFormat := regexp.MustCompile(`^(loc|dc|ctry|netw|org|vnet)_[A-Za-z0-9]{16}$`)
	var ids []string
	for _, dc := range s.DataCenters {
		ids = append(ids, dc.ID, dc.Country.ID)
	}
	for _, n := range s.Networks {
		ids = append(ids, n.ID)
	}
	for _, o := range s.Organizations {
		ids = append(ids, o.ID)
	}
	for _, v := range s.VirtualNetworks {
		ids = append(ids, v.ID)
	}
	for _, id := range ids {
		if !idFormat.MatchString(id) {
			t.Errorf("id %q is not a Katapult id (a type prefix and 16 letters and digits)", id)
		}
	}
}

func TestDemoTokensListTheStoresTokensInSeedOrder(t *testing.T) {
	t.Parallel()
	got := openEngine(t, Config{}).DemoTokens()
	want := []katapult.DemoToken{
		{Token: staffToken, Name: "Demo staff", Scopes: []string{"organizations:read", "ip_addresses"}},
		{Token: readOnlyToken, Name: "Demo read-only", Scopes: []string{"organizations:read", "ip_addresses:read"}},
		{Token: noOrgsToken, Name: "Demo without organizations:read", Scopes: []string{"ip_addresses"}},
	}
	if len(got) != len(want) {
		t.Fatalf("tokens = %+v", got)
	}
	for i := range want {
		if got[i].Token != want[i].Token || got[i].Name != want[i].Name || strings.Join(got[i].Scopes, " ") != strings.Join(want[i].Scopes, " ") {
			t.Errorf("token %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestADataCenterIDMayHaveEitherRealPrefix(t *testing.T) {
	t.Parallel()
	second := strings.NewReplacer(`{"name":"London"`, `{"id":"dc_Wm37yAq0BHhKXsPa","name":"New York"`, "uk-lon-01", "us-nyc-01",
		`"United Kingdom","iso_code2":"GB","iso_code3":"GBR","time_zone":"Europe/London"`,
		`"United States","iso_code2":"US","iso_code3":"USA","time_zone":"America/New_York"`).Replace(okDC)
	first := strings.Replace(okDC, `{"name"`, `{"id":"loc_UUhPmoCbpic6UX0Y","name"`, 1)
	nyc := strings.NewReplacer(`"permalink":"pub"`, `"permalink":"nyc"`, `"data_center":"uk-lon-01"`, `"data_center":"us-nyc-01"`,
		"192.0.2.", "198.51.100.").Replace(okNet)
	seed := seedParts{dcs: []string{first, second}, nets: []string{okNet, nyc}}.json()
	srv := serve(t, openEngine(t, Config{SeedFile: writeSeed(t, seed)}))
	c := client(t, srv, "t1")
	for _, id := range []string{"loc_UUhPmoCbpic6UX0Y", "dc_Wm37yAq0BHhKXsPa"} {
		res, err := c.GetDataCenterDefaultNetworkWithResponse(context.Background(), &core.GetDataCenterDefaultNetworkParams{DataCenterId: &id})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
		if got := *res.JSON200.Network.DataCenter.Id; got != id {
			t.Errorf("default network of %s is in data center %s", id, got)
		}
	}
}

func TestDataCentersInOneCountryShareIt(t *testing.T) {
	t.Parallel()
	second := strings.NewReplacer(`"London"`, `"Manchester"`, "uk-lon-01", "uk-man-01").Replace(okDC)
	seed := seedParts{dcs: []string{okDC, second}}.json()
	srv := serve(t, openEngine(t, Config{SeedFile: writeSeed(t, seed)}))
	res, err := client(t, srv, "t1").GetDataCentersWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	dcs := res.JSON200.DataCenters
	if len(dcs) != 2 || *dcs[0].Country.Id != *dcs[1].Country.Id || !strings.HasPrefix(*dcs[0].Country.Id, "ctry_") {
		t.Errorf("data centers = %s, want two sharing one country", res.Body)
	}
}
