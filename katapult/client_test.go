package katapult

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"
)

var (
	london = DataCenter{
		ID: "loc_UUhPmoCbpic6UX0Y", Name: "London", Permalink: "uk-lon-01",
		Country: Country{
			ID: "ctry_VjkNvN4rHoXoxcXm", Name: "United Kingdom", ISOCode2: "GB",
			ISOCode3: "GBR", TimeZone: "Europe/London", EU: false,
		},
	}
	publicNetwork = Network{
		ID: "netw_gVRkZdSKczfNg34P", Name: "Public Network", Permalink: "uk-lon-01-public",
		Default: true, DataCenter: london,
	}
	acme = Organization{
		ID: "org_O648YDMEYeLmqdmn", Name: "ACME Inc.", SubDomain: "acme",
		InfrastructureDomain: "acme.kpult.net",
		CreatedAt:            time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC),
		ActivatedAt:          time.Date(2023, 11, 14, 23, 13, 20, 0, time.UTC),
	}
)

func TestEachCallSendsTheRequestKatapultExpectsAndConvertsTheAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want want
		call func(ctx context.Context, c *Client) (any, error)
		out  any
	}{
		{
			name: "organizations are listed",
			want: want{method: http.MethodGet, path: "/organizations", status: 200, fixture: "organizations_list.json"},
			call: func(ctx context.Context, c *Client) (any, error) { return c.Organizations(ctx, testToken) },
			out: []Organization{acme, {
				ID: "org_Tq2Vm8RkLp4Xn6Wd", Name: "Globex", SubDomain: "globex",
				InfrastructureDomain: "globex.kpult.net",
				CreatedAt:            time.Date(2024, 3, 9, 16, 0, 0, 0, time.UTC),
				Suspended:            true, Managed: true,
			}},
		},
		{
			name: "an organization is looked up by sub_domain",
			want: want{method: http.MethodGet, path: "/organizations/organization",
				query: query("organization[sub_domain]", "acme"), status: 200, fixture: "organization_get.json"},
			call: func(ctx context.Context, c *Client) (any, error) { return c.Organization(ctx, testToken, "acme") },
			out:  acme,
		},
		{
			name: "an organization is looked up by id",
			want: want{method: http.MethodGet, path: "/organizations/organization",
				query: query("organization[id]", "org_O648YDMEYeLmqdmn"), status: 200, fixture: "organization_get.json"},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Organization(ctx, testToken, "org_O648YDMEYeLmqdmn")
			},
			out: acme,
		},
		{
			name: "available networks keep their data center and leave virtual networks out",
			want: want{method: http.MethodGet, path: "/organizations/organization/available_networks",
				query: query("organization[sub_domain]", "acme"), status: 200, fixture: "available_networks_list.json"},
			call: func(ctx context.Context, c *Client) (any, error) { return c.AvailableNetworks(ctx, testToken, "acme") },
			out: []Network{
				{ID: "netw_gVRkZdSKczfNg34P", Name: "Public Network", Permalink: "uk-lon-01-public", Default: true,
					DataCenter: DataCenter{ID: "loc_UUhPmoCbpic6UX0Y", Name: "London", Permalink: "uk-lon-01"}},
				{ID: "netw_Rm4Kq9Xz2Wb7Ln3T", Name: "Private Uplink",
					DataCenter: DataCenter{ID: "loc_Pz8Wm3Kq7Rt2Xn5V", Name: "Amsterdam", Permalink: "nl-ams-01"}},
			},
		},
		{
			name: "data centers come with their country's id and name",
			want: want{method: http.MethodGet, path: "/data_centers", status: 200, fixture: "data_centers_list.json"},
			call: func(ctx context.Context, c *Client) (any, error) { return c.DataCenters(ctx, testToken) },
			out: []DataCenter{
				{ID: "loc_UUhPmoCbpic6UX0Y", Name: "London", Permalink: "uk-lon-01",
					Country: Country{ID: "ctry_VjkNvN4rHoXoxcXm", Name: "United Kingdom"}},
				{ID: "loc_Pz8Wm3Kq7Rt2Xn5V", Name: "Amsterdam", Permalink: "nl-ams-01",
					Country: Country{ID: "ctry_Nd4Wq8Kz2Xm7Rb3T", Name: "Netherlands"}},
			},
		},
		{
			name: "an address is fetched by id with its allocation",
			want: want{method: http.MethodGet, path: "/ip_addresses/ip_address",
				query: query("ip_address[id]", "ip_VOnKeWEKAYHz2X9v"), status: 200, fixture: "ip_address_get.json"},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.IPAddress(ctx, testToken, "ip_VOnKeWEKAYHz2X9v")
			},
			out: IPAddress{
				ID: "ip_VOnKeWEKAYHz2X9v", Address: "185.44.254.39", AddressWithMask: "185.44.254.39/22",
				ReverseDNS: "185-44-254-39.rdns.katapult.io", Network: publicNetwork,
				AllocationID: "vm_Z3fKq8LmWx2Rt9Yb", AllocationType: "VirtualMachine",
			},
		},
		{
			name: "a page of addresses is asked for by number and size",
			want: want{method: http.MethodGet, path: "/organizations/organization/ip_addresses",
				query:  query("organization[sub_domain]", "acme", "page", "2", "per_page", "30"),
				status: 200, fixture: "ip_addresses_list.json"},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.IPAddresses(ctx, testToken, "acme", 2, 30)
			},
			out: IPAddressPage{
				Addresses: []IPAddress{
					{ID: "ip_VOnKeWEKAYHz2X9v", Address: "185.44.254.39", ReverseDNS: "185-44-254-39.rdns.katapult.io"},
					{ID: "ip_q9Wd3Lk2TzRb8MnP", Address: "2a03:2800:500::18", ReverseDNS: "2a03-2800-500--18.rdns.k.io",
						VIP: true, AllocationID: "lb_Hs7PqW2nXc4Vb8Kd", AllocationType: "LoadBalancer"},
				},
				Page: 2, PerPage: 30, TotalPages: 3, Total: 61,
			},
		},
		{
			name: "a page of zero leaves paging to Katapult",
			want: want{method: http.MethodGet, path: "/organizations/organization/ip_addresses",
				query: query("organization[id]", "org_O648YDMEYeLmqdmn"), status: 200, fixture: "ip_addresses_list.json"},
			call: func(ctx context.Context, c *Client) (any, error) {
				p, err := c.IPAddresses(ctx, testToken, "org_O648YDMEYeLmqdmn", 0, 0)
				return len(p.Addresses), err
			},
			out: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fakeKatapult(t, tt.want)
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tt.out) {
				t.Errorf("got  %#v\nwant %#v", got, tt.out)
			}
		})
	}
}

func TestCreateSendsTheLabelOnlyForAVIPAndAlwaysSaysWhetherItIsOne(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     CreateIPAddress
		body    string
		status  int
		fixture string
		err     error
	}{
		{
			name:    "a plain IPv4 address by sub_domain, with the label left out",
			req:     CreateIPAddress{Organization: "acme", NetworkID: "netw_gVRkZdSKczfNg34P", Version: IPv4, Label: "ignored"},
			body:    `{"organization":{"sub_domain":"acme"},"network":{"id":"netw_gVRkZdSKczfNg34P"},"version":"ipv4","vip":false}`,
			status:  200,
			fixture: "ip_address_create.json",
		},
		{
			name:    "a VIP by organization id, with its label",
			req:     CreateIPAddress{Organization: "org_O648YDMEYeLmqdmn", NetworkID: "netw_gVRkZdSKczfNg34P", Version: IPv6, VIP: true, Label: "web-vip"},
			body:    `{"organization":{"id":"org_O648YDMEYeLmqdmn"},"network":{"id":"netw_gVRkZdSKczfNg34P"},"version":"ipv6","vip":true,"label":"web-vip"}`,
			status:  200,
			fixture: "ip_address_create_vip.json",
		},
		{
			name:    "a VIP without a label, sent as it is for Katapult to judge",
			req:     CreateIPAddress{Organization: "acme", NetworkID: "netw_gVRkZdSKczfNg34P", Version: IPv4, VIP: true},
			body:    `{"organization":{"sub_domain":"acme"},"network":{"id":"netw_gVRkZdSKczfNg34P"},"version":"ipv4","vip":true,"label":""}`,
			status:  422,
			fixture: "validation_error.json",
			err:     ErrValidation,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fakeKatapult(t, want{method: http.MethodPost, path: "/organizations/organization/ip_addresses",
				body: tt.body, status: tt.status, fixture: tt.fixture})
			got, err := c.CreateIPAddress(t.Context(), testToken, tt.req)
			if tt.err == nil {
				if err != nil || got.ID == "" || got.VIP != tt.req.VIP {
					t.Errorf("create = %+v, %v", got, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status || !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v with status %d", err, tt.err, tt.status)
			}
			if want := []string{"Label can't be blank"}; !reflect.DeepEqual(e.Detail.Errors, want) {
				t.Errorf("detail errors = %q, want %q", e.Detail.Errors, want)
			}
		})
	}
}

func TestACreatedAddressConvertsWithItsNetworkDataCenterAndCountry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fixture string
		want    IPAddress
	}{
		{
			name:    "an IPv4 address with null label and allocation",
			fixture: "ip_address_create.json",
			want: IPAddress{
				ID: "ip_VOnKeWEKAYHz2X9v", Address: "185.44.254.39", AddressWithMask: "185.44.254.39/22",
				ReverseDNS: "185-44-254-39.rdns.katapult.io", Network: publicNetwork,
			},
		},
		{
			name:    "an IPv6 VIP with its label",
			fixture: "ip_address_create_vip.json",
			want: IPAddress{
				ID: "ip_q9Wd3Lk2TzRb8MnP", Address: "2a03:2800:500::18", AddressWithMask: "2a03:2800:500::18/48",
				ReverseDNS: "2a03-2800-500--18.rdns.k.io", VIP: true, Label: "web-vip", Network: publicNetwork,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fakeKatapult(t, want{method: http.MethodPost, path: "/organizations/organization/ip_addresses",
				body:   `{"organization":{"sub_domain":"acme"},"network":{"id":"netw_gVRkZdSKczfNg34P"},"version":"ipv4","vip":false}`,
				status: 200, fixture: tt.fixture})
			got, err := c.CreateIPAddress(t.Context(), testToken,
				CreateIPAddress{Organization: "acme", NetworkID: "netw_gVRkZdSKczfNg34P", Version: IPv4})
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
			if got.Network.DataCenter.Country.ISOCode2 != "GB" || got.Allocated() {
				t.Errorf("country %q, allocated %v", got.Network.DataCenter.Country.ISOCode2, got.Allocated())
			}
		})
	}
}

func TestNewClientRefusesABaseURLItCannotUse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		ok   bool
	}{
		{name: "the real API", url: "https://api.katapult.io/core/v1", ok: true},
		{name: "embedded, with a trailing slash", url: "http://ipdesk.internal/core/v1/", ok: true},
		{name: "no scheme", url: "api.katapult.io/core/v1"},
		{name: "another scheme", url: "ftp://api.katapult.io/core/v1"},
		{name: "no host", url: "https:///core/v1"},
		{name: "not a URL", url: "http://[::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewClient(tt.url)
			if (err == nil) != tt.ok {
				t.Errorf("NewClient(%q) err = %v, want ok %v", tt.url, err, tt.ok)
			}
		})
	}
}
