package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

func TestOrganizationsListsWhatTheTokenHoldsWithTheirStates(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	res, err := client(t, srv, staffToken).GetOrganizationsWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)

	type state struct{ activated, suspended bool }
	got := map[string]state{}
	var order []string
	for _, o := range res.JSON200.Organizations {
		order = append(order, *o.SubDomain)
		got[*o.SubDomain] = state{activated: !o.ActivatedAt.IsNull(), suspended: *o.Suspended}
		if *o.Id == "" || *o.Name == "" || *o.InfrastructureDomain == "" || *o.CreatedAt == 0 || o.Managed == nil {
			t.Errorf("organization %s lacks a field: %s", *o.SubDomain, res.Body)
		}
	}
	if want := []string{"acme", "globex", "initech", "umbrella", "hooli"}; !slices.Equal(order, want) {
		t.Fatalf("organizations = %v, want %v (seed order, without wayne)", order, want)
	}
	wantStates := map[string]state{
		"acme": {true, false}, "initech": {true, true}, "umbrella": {false, false}, "hooli": {true, false},
	}
	for sub, want := range wantStates {
		if got[sub] != want {
			t.Errorf("%s: activated, suspended = %v, want %v", sub, got[sub], want)
		}
	}
}

func TestOrganizationHasExactlyTheSchemasFields(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	res, err := client(t, srv, staffToken).GetOrganizationWithResponse(context.Background(),
		&core.GetOrganizationParams{OrganizationSubDomain: ptr("acme")})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	var raw struct {
		Organization map[string]json.RawMessage `json:"organization"`
	}
	if err := json.Unmarshal(res.Body, &raw); err != nil {
		t.Fatal(err)
	}
	want := []string{"activated_at", "created_at", "id", "infrastructure_domain", "managed", "name", "sub_domain", "suspended"}
	var keys []string
	for k := range raw.Organization {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, want) {
		t.Errorf("fields = %v, want %v", keys, want)
	}
	if *res.JSON200.Organization.Id != "org_sjMt88FToKYKC4TY" {
		t.Errorf("id = %s", *res.JSON200.Organization.Id)
	}
}

func TestAvailableNetworksGiveTheirDataCenterAsIDNameAndPermalinkOnly(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	res, err := client(t, srv, staffToken).GetOrganizationAvailableNetworksWithResponse(context.Background(),
		&core.GetOrganizationAvailableNetworksParams{OrganizationSubDomain: ptr("acme")})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	var perms []string
	for _, n := range res.JSON200.Networks {
		perms = append(perms, n.Permalink.MustGet())
	}
	want := []string{"uk-lon-01-public", "uk-lon-01-edge", "nl-ams-01-public", "nl-ams-01-small", "us-nyc-01-public"}
	if !slices.Equal(perms, want) {
		t.Errorf("networks = %v, want %v", perms, want)
	}
	first := res.JSON200.Networks[0]
	if !*first.Default || *first.DataCenter.Permalink != "uk-lon-01" || *first.DataCenter.Name != "London" {
		t.Errorf("first network = %s", res.Body)
	}
	var raw struct {
		Networks []struct {
			DataCenter map[string]json.RawMessage `json:"data_center"`
		} `json:"networks"`
		VirtualNetworks []json.RawMessage `json:"virtual_networks"`
	}
	if err := json.Unmarshal(res.Body, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw.Networks[0].DataCenter["country"]; ok || len(raw.Networks[0].DataCenter) != 3 {
		t.Errorf("data center of an available network = %v, want id, name, permalink only", raw.Networks[0].DataCenter)
	}
	if raw.VirtualNetworks == nil {
		t.Error("virtual_networks is missing, want []")
	}
}

func TestAvailableNetworksListTheOrganizationsOwnVirtualNetworks(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	tests := []struct {
		org  string
		want string
	}{
		{"acme", `[{"id":"vnet_7Gn4BNPmLfsU1iJ2","name":"Backbone","data_center":{"id":"loc_0KHcEf32jmxK4uDk","name":"London","permalink":"uk-lon-01"}}]`},
		{"globex", `[{"id":"vnet_JfYWMJUJ9BnrCnKY","name":"Database Network","data_center":{"id":"loc_VMRiqDLZ7bZLhDj9","name":"Amsterdam","permalink":"nl-ams-01"}}]`},
		{"initech", ""}, // suspended: refused before any network is listed
	}
	for _, tt := range tests {
		t.Run(tt.org, func(t *testing.T) {
			res, err := client(t, srv, staffToken).GetOrganizationAvailableNetworksWithResponse(context.Background(),
				&core.GetOrganizationAvailableNetworksParams{OrganizationSubDomain: ptr(tt.org)})
			if tt.want == "" {
				if err == nil {
					t.Fatalf("answered %s, want a refusal", res.Body)
				}
				wantError(t, res.HTTPResponse, res.Body, katapult.CodeOrganizationSuspended)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
			var raw struct {
				VirtualNetworks json.RawMessage `json:"virtual_networks"`
			}
			if err := json.Unmarshal(res.Body, &raw); err != nil || string(raw.VirtualNetworks) != tt.want {
				t.Errorf("virtual_networks = %s (%v), want %s", raw.VirtualNetworks, err, tt.want)
			}
			vn := res.JSON200.VirtualNetworks
			if len(vn) != 1 || *vn[0].Id == "" || *vn[0].DataCenter.Permalink == "" {
				t.Errorf("next/core decoded %+v", vn)
			}
		})
	}
}

func TestDataCentersGiveTheirCountryAsIDAndNameOnly(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, noOrgsToken) // a valid token is all it needs
	res, err := c.GetDataCentersWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	var names []string
	for _, dc := range res.JSON200.DataCenters {
		names = append(names, *dc.Permalink+" "+*dc.Country.Name)
	}
	want := []string{"uk-lon-01 United Kingdom", "nl-ams-01 Netherlands", "us-nyc-01 United States"}
	if !slices.Equal(names, want) {
		t.Errorf("data centers = %v, want %v", names, want)
	}
	var raw struct {
		DataCenters []struct {
			Country map[string]json.RawMessage `json:"country"`
		} `json:"data_centers"`
	}
	if err := json.Unmarshal(res.Body, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.DataCenters[0].Country) != 2 {
		t.Errorf("country = %v, want id and name only", raw.DataCenters[0].Country)
	}
}

func TestDataCenterAndItsDefaultNetworkAreFoundByPermalinkOrID(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	ctx := context.Background()
	tests := []struct {
		name   string
		params core.GetDataCenterParams
	}{
		{"by permalink", core.GetDataCenterParams{DataCenterPermalink: ptr("nl-ams-01")}},
		{"by id", core.GetDataCenterParams{DataCenterId: ptr("loc_VMRiqDLZ7bZLhDj9")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.GetDataCenterWithResponse(ctx, &tt.params)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
			if *res.JSON200.DataCenter.Name != "Amsterdam" || *res.JSON200.DataCenter.Country.Name != "Netherlands" {
				t.Errorf("data center = %s", res.Body)
			}
			def, err := c.GetDataCenterDefaultNetworkWithResponse(ctx, &core.GetDataCenterDefaultNetworkParams{
				DataCenterId: tt.params.DataCenterId, DataCenterPermalink: tt.params.DataCenterPermalink,
			})
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, def.HTTPResponse, def.Body, http.StatusOK)
			n := def.JSON200.Network
			if n.Permalink.MustGet() != "nl-ams-01-public" || !*n.Default || *n.DataCenter.Permalink != "nl-ams-01" {
				t.Errorf("default network = %s", def.Body)
			}
		})
	}
}

func TestNetworkNestsItsDataCenterAndFullCountry(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	res, err := client(t, srv, staffToken).GetNetworkWithResponse(context.Background(),
		&core.GetNetworkParams{NetworkPermalink: ptr("uk-lon-01-edge")})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	n := res.JSON200.Network
	c := n.DataCenter.Country
	if *n.Id != "netw_HTkYZ2QnMMpkRyPz" || *n.Default || *c.IsoCode2 != "GB" || *c.IsoCode3 != "GBR" ||
		c.TimeZone.MustGet() != "Europe/London" || *c.Eu {
		t.Errorf("network = %s", res.Body)
	}
}

func TestAnIPv4AddressIsNotFoundByItsIPv4MappedForm(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	made := create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/ip_addresses/_?ip_address[address]=::ffff:"+*made.Address, staffToken, nil)
	wantError(t, res, body, katapult.CodeIPAddressNotFound)
}
