package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

var ipIDPattern = regexp.MustCompile(`^ip_[A-Za-z0-9]{16}$`)

func TestCreateAnswersTheNewAddressWithEverythingNested(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		version  core.IPAddressVersionEnum
		network  string
		address  string
		withMask string
		rdns     string
	}{
		{"an IPv4 address is the lowest free one of the first subnet", "ipv4", "uk-lon-01-public",
			"192.0.2.3", "192.0.2.3/28", "192-0-2-3.rdns.example.net"},
		{"an IPv6 address is compressed and uses the subnet's own zone", "ipv6", "uk-lon-01-public",
			"2001:db8:100::2", "2001:db8:100::2/48", "2001-db8-100--2.r.example.net"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := demoServer(t)
			ip := create(t, client(t, srv, staffToken), createBodyOf("acme", tt.network, tt.version))
			if !ipIDPattern.MatchString(*ip.Id) {
				t.Errorf("id = %q", *ip.Id)
			}
			if *ip.Address != tt.address || *ip.AddressWithMask != tt.withMask || *ip.ReverseDns != tt.rdns {
				t.Errorf("address, with mask, rdns = %s, %s, %s; want %s, %s, %s",
					*ip.Address, *ip.AddressWithMask, *ip.ReverseDns, tt.address, tt.withMask, tt.rdns)
			}
			if *ip.Vip || !ip.Label.IsNull() || !ip.AllocationId.IsNull() || !ip.AllocationType.IsNull() {
				t.Errorf("vip, label, allocation = %v, %v, %v, %v; want false and nulls",
					*ip.Vip, ip.Label, ip.AllocationId, ip.AllocationType)
			}
			n := ip.Network
			c := n.DataCenter.Country
			if n.Permalink.MustGet() != tt.network || *n.Name != "Public Network" || !*n.Default ||
				*n.DataCenter.Permalink != "uk-lon-01" || *c.Name != "United Kingdom" || *c.IsoCode2 != "GB" ||
				*c.IsoCode3 != "GBR" || c.TimeZone.MustGet() != "Europe/London" || *c.Eu {
				t.Errorf("network nesting is incomplete: %+v", n)
			}
		})
	}
}

func TestCreateSendsNullsRatherThanLeavingFieldsOut(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	body, _ := json.Marshal(createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	res, data := rawRequest(t, srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses", staffToken, body)
	wantStatus(t, res, data, http.StatusOK)
	var raw struct {
		IPAddress map[string]json.RawMessage `json:"ip_address"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"label", "allocation_id", "allocation_type"} {
		if string(raw.IPAddress[k]) != "null" {
			t.Errorf("%s = %s, want null", k, raw.IPAddress[k])
		}
	}
}

func TestCreateVIPNeedsALabel(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	tests := []struct {
		name      string
		vip       *bool
		label     *string
		wantLabel *string // nil: a 422 "Label can't be blank"
	}{
		{"a VIP with a label keeps it", ptr(true), ptr("web frontends"), ptr("web frontends")},
		{"a VIP without a label is refused", ptr(true), nil, nil},
		{"a VIP with an empty label is refused", ptr(true), ptr(""), nil},
		{"a VIP with a blank label is refused", ptr(true), ptr("   "), nil},
		{"a plain address given a label has none", ptr(false), ptr("ignored"), ptr("")},
		{"an address with vip left out is plain", nil, ptr("ignored"), ptr("")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := createBodyOf("acme", "uk-lon-01-edge", "ipv4")
			body.Vip, body.Label = tt.vip, tt.label
			res, err := c.PostOrganizationIpAddressesWithResponse(context.Background(), body)
			if tt.wantLabel == nil {
				if err == nil {
					t.Fatal("created, want a validation error")
				}
				got := wantError(t, res.HTTPResponse, res.Body, katapult.CodeValidationError)
				if len(got.Detail.Errors) != 1 || got.Detail.Errors[0] != "Label can't be blank" {
					t.Errorf("errors = %q", got.Detail.Errors)
				}
				return
			}
			if err != nil {
				t.Fatalf("create: %v: %s", err, res.Body)
			}
			wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
			ip := res.JSON200.IpAddress
			label, _ := ip.Label.Get()
			if label != *tt.wantLabel || ip.Label.IsNull() != (*tt.wantLabel == "") {
				t.Errorf("label = %v, want %q (null when empty)", ip.Label, *tt.wantLabel)
			}
			if *ip.Vip != (tt.vip != nil && *tt.vip) {
				t.Errorf("vip = %v", *ip.Vip)
			}
		})
	}
}

func TestCreateTakesTheNextSubnetWhenTheFirstIsFull(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	body := createBodyOf("globex", "uk-lon-01-public", "ipv4")
	// 192.0.2.0/28 less network, gateway, reserved and broadcast: .3 to .14.
	for i := 3; i <= 14; i++ {
		if ip := create(t, c, body); *ip.AddressWithMask != "192.0.2."+strconv.Itoa(i)+"/28" {
			t.Fatalf("address %d = %s", i, *ip.AddressWithMask)
		}
	}
	ip := create(t, c, body)
	if *ip.AddressWithMask != "198.51.100.2/25" || *ip.ReverseDns != "198-51-100-2.rdns.example.net" {
		t.Errorf("first address of the second subnet = %s, %s", *ip.AddressWithMask, *ip.ReverseDns)
	}
}

func TestCreateRunsTheTinyPoolDryAfterThreeAddresses(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	body := createBodyOf("acme", "nl-ams-01-small", "ipv4")
	for _, want := range []string{"192.0.2.52", "192.0.2.53", "192.0.2.54"} {
		if ip := create(t, c, body); *ip.Address != want {
			t.Fatalf("address = %s, want %s", *ip.Address, want)
		}
	}
	res, err := c.PostOrganizationIpAddressesWithResponse(context.Background(), body)
	if err == nil {
		t.Fatal("a fourth address was created")
	}
	wantError(t, res.HTTPResponse, res.Body, katapult.CodeNoAvailableAddresses)

	// The small pool has no IPv6 subnet at all: its IPv6 pool is empty too.
	res, _ = c.PostOrganizationIpAddressesWithResponse(context.Background(), createBodyOf("acme", "nl-ams-01-small", "ipv6"))
	wantError(t, res.HTTPResponse, res.Body, katapult.CodeNoAvailableAddresses)
}

var subnetIDPattern = regexp.MustCompile(`^sbnt_[A-Za-z0-9]{16}$`)

// subnetOf decodes the subnet object of an answer that holds an ip_address
// (next/core's IPAddress has no subnet field: the OpenAPI 2.68.0 lacks it).
func subnetOf(t testing.TB, body []byte) map[string]json.RawMessage {
	t.Helper()
	var raw struct {
		IPAddress struct {
			Subnet map[string]json.RawMessage `json:"subnet"`
		} `json:"ip_address"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || raw.IPAddress.Subnet == nil {
		t.Fatalf("no subnet object in %s (%v)", body, err)
	}
	return raw.IPAddress.Subnet
}

func TestAnAddressCarriesTheSubnetItCameFrom(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	tests := []struct {
		name, network, version string
		want                   string // the subnet object without its id
	}{
		{"IPv4, first subnet", "uk-lon-01-public", "ipv4",
			`{"address":"192.0.2.0","gateway":"192.0.2.1","mask":28,"billable":true,"version":4}`},
		{"IPv6", "uk-lon-01-public", "ipv6",
			`{"address":"2001:db8:100::","gateway":"2001:db8:100::1","mask":48,"billable":true,"version":6}`},
		{"IPv4 of another network", "uk-lon-01-edge", "ipv4",
			`{"address":"192.0.2.64","gateway":"192.0.2.65","mask":26,"billable":true,"version":4}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			made, ipID, address := createRaw(t, srv, staffToken, "acme", tt.network, tt.version)
			sub := subnetOf(t, made)
			var id string
			if err := json.Unmarshal(sub["id"], &id); err != nil || !subnetIDPattern.MatchString(id) {
				t.Errorf("subnet id = %s", sub["id"])
			}
			delete(sub, "id")
			var want map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !maps.EqualFunc(sub, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
				t.Errorf("subnet = %s", made)
			}
			// Reading the address back, by id and by address, gives the same subnet.
			for _, q := range []string{"ip_address[id]=" + ipID, "ip_address[address]=" + address} {
				res, got := rawRequest(t, srv, http.MethodGet, "/core/v1/ip_addresses/_?"+q, staffToken, nil)
				wantStatus(t, res, got, http.StatusOK)
				if again := subnetOf(t, got); string(again["id"]) != `"`+id+`"` || !bytes.Equal(again["mask"], sub["mask"]) {
					t.Errorf("GET ?%s: subnet = %v, want the create's %s", q, again, id)
				}
			}
		})
	}
}

func TestTwoAddressesOfOneSubnetShareItsIDAndOfTwoSubnetsDoNot(t *testing.T) {
	t.Parallel()
	srv := serve(t, openEngine(t, Config{SeedFile: poolsSeed}))
	ids := map[string]string{} // address → subnet id
	// pool: 192.0.2.0/28 (gateway .1) holds .2 to .14, then 192.0.2.16/28 without a gateway.
	for range 14 {
		made, _, address := createRaw(t, srv, "test-token", "test", "pool", "ipv4")
		sub := subnetOf(t, made)
		ids[address] = string(sub["id"])
		if address == "192.0.2.17" && (string(sub["gateway"]) != "null" || string(sub["address"]) != `"192.0.2.16"`) {
			t.Errorf("a subnet seeded without a gateway = %v, want gateway null", sub)
		}
	}
	if ids["192.0.2.2"] != ids["192.0.2.14"] || ids["192.0.2.2"] == ids["192.0.2.17"] || ids["192.0.2.17"] == "" {
		t.Errorf("subnet ids by address = %v", ids)
	}
}
