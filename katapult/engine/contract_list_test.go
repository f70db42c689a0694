package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/krystal/go-katapult/next/core"
)

func TestTheAddressListIsPaginated(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	staff := client(t, srv, staffToken)
	var made []string
	for range 5 {
		made = append(made, *create(t, staff, createBodyOf("acme", "uk-lon-01-edge", "ipv4")).Address)
	}
	create(t, staff, createBodyOf("globex", "uk-lon-01-public", "ipv4")) // not acme's

	tests := []struct {
		name                         string
		page, perPage                *int
		wantPage, wantPerPage, pages int
		want                         []string
	}{
		{"the first page by default holds up to 30", nil, nil, 1, 30, 1, made},
		{"a first page of two", ptr(1), ptr(2), 1, 2, 3, made[:2]},
		{"the middle page", ptr(2), ptr(2), 2, 2, 3, made[2:4]},
		{"the last page is short", ptr(3), ptr(2), 3, 2, 3, made[4:]},
		{"a page past the end is empty", ptr(4), ptr(2), 4, 2, 3, nil},
		{"a page size over the limit is served at the limit", nil, ptr(1000), 1, 200, 1, made},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The read-only token lists with ip_addresses:read alone.
			res, err := client(t, srv, readOnlyToken).GetOrganizationIpAddressesWithResponse(context.Background(),
				&core.GetOrganizationIpAddressesParams{OrganizationSubDomain: ptr("acme"), Page: tt.page, PerPage: tt.perPage})
			if err != nil {
				t.Fatalf("list: %v: %s", err, res.Body)
			}
			wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
			p := res.JSON200.Pagination
			if *p.CurrentPage != tt.wantPage || *p.PerPage != tt.wantPerPage || p.Total.MustGet() != 5 ||
				p.TotalPages.MustGet() != tt.pages || *p.LargeSet {
				t.Errorf("pagination = %s", res.Body)
			}
			var got []string
			for _, ip := range res.JSON200.IpAddresses {
				got = append(got, *ip.Address)
				if !ipIDPattern.MatchString(*ip.Id) || *ip.ReverseDns == "" || !ip.AllocationId.IsNull() {
					t.Errorf("item = %+v", ip)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("addresses = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAListItemHasTheSchemasFieldsOnly(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/organizations/_/ip_addresses?organization[sub_domain]=acme", staffToken, nil)
	wantStatus(t, res, body, http.StatusOK)
	var raw struct {
		IPAddresses []map[string]json.RawMessage `json:"ip_addresses"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.IPAddresses) != 1 {
		t.Fatalf("body = %s (%v)", body, err)
	}
	var keys []string
	for k := range raw.IPAddresses[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"address", "allocation_id", "allocation_type", "id", "reverse_dns", "vip"}; !slices.Equal(keys, want) {
		t.Errorf("fields = %v, want %v", keys, want)
	}
}

func TestAnEmptyListHasNoPages(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/organizations/_/ip_addresses?organization[sub_domain]=acme", staffToken, nil)
	wantStatus(t, res, body, http.StatusOK)
	want := `{"pagination":{"current_page":1,"total_pages":0,"total":0,"per_page":30,"large_set":false},"ip_addresses":[]}`
	if string(body) != want {
		t.Errorf("body = %s, want %s", body, want)
	}
}

func TestAnAddressIsFoundByIDOrByAddressWithANullAllocation(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	made := create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv6"))
	tests := []struct {
		name   string
		params core.GetIpAddressParams
	}{
		{"by id", core.GetIpAddressParams{IpAddressId: made.Id}},
		{"by address", core.GetIpAddressParams{IpAddressAddress: made.Address}},
		{"by address written in full", core.GetIpAddressParams{IpAddressAddress: ptr("2001:0db8:0100:0000:0000:0000:0000:0002")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := client(t, srv, readOnlyToken).GetIpAddressWithResponse(context.Background(), &tt.params)
			if err != nil {
				t.Fatalf("get: %v: %s", err, res.Body)
			}
			wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
			got := res.JSON200.IpAddress
			if *got.Id != *made.Id || *got.AddressWithMask != *made.AddressWithMask || *got.ReverseDns != *made.ReverseDns ||
				*got.Network.DataCenter.Country.IsoCode3 != "GBR" {
				t.Errorf("address = %s", res.Body)
			}
			if !res.JSON200.Allocation.IsSpecified() || !res.JSON200.Allocation.IsNull() {
				t.Errorf("allocation = %v, want null", res.JSON200.Allocation)
			}
		})
	}
}
