package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	katapultv1 "github.com/krystal/go-katapult"
	legacy "github.com/krystal/go-katapult/core"
	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

// The calls Krystal's Terraform provider makes to read what katapult_ip,
// katapult_network(s) and katapult_data_center stand on, made here with
// the client each part of the provider uses: next/core (its newer
// resources) and the older hand-written go-katapult/core (its first
// ones). Each runs with every form of path placeholder real clients send.

// The demo seed's objects these calls read.
const (
	londonID       = "loc_0KHcEf32jmxK4uDk"
	newYorkID      = "dc_gj2Ov9eVj0vSdbeT"
	londonPublicID = "netw_eG0juXmwoO58rchd"
	newYorkPublic  = "us-nyc-01-public"
	acmeBackbone   = "vnet_7Gn4BNPmLfsU1iJ2"
)

// placeholder is a way of naming the object in the path: "_" (the older
// client's), "name" (the argument's name, next/core's), ":name" (an older
// generated client's) or "id" (the object's id, moved there from the
// query's lookup by id).
type placeholder string

var placeholders = []placeholder{"_", "name", ":name", "id"}

// argOfCollection names the lookup argument of each collection's objects.
var argOfCollection = map[string]string{
	"organizations": "organization", "ip_addresses": "ip_address",
	"data_centers": "data_center", "networks": "network",
}

// rewrite puts p where the client put its own placeholder, in
// /core/v1/{collection}/{placeholder}[/…]. For "id" the lookup must be by
// id: it leaves the query for the path. A list (no placeholder) is left as
// it is.
func (p placeholder) rewrite(req *http.Request) error {
	parts := strings.Split(req.URL.Path, "/")
	if len(parts) < 5 {
		return nil
	}
	arg, ok := argOfCollection[parts[3]]
	if !ok {
		return errors.New("no lookup argument known for " + req.URL.Path)
	}
	switch p {
	case "_":
		parts[4] = "_"
	case "name":
		parts[4] = arg
	case ":name":
		parts[4] = ":" + arg
	case "id":
		q := req.URL.Query()
		id := q.Get(arg + "[id]")
		if id == "" {
			return errors.New("the id form needs a lookup by id: " + req.URL.String())
		}
		q.Del(arg + "[id]")
		parts[4], req.URL.RawQuery = id, q.Encode()
	}
	req.URL.Path, req.URL.RawPath = strings.Join(parts, "/"), ""
	return nil
}

// nextClient is next/core sending placeholder p.
func nextClient(t testing.TB, srv *httptest.Server, token string, p placeholder) *core.ClientWithResponses {
	t.Helper()
	c, err := core.NewClientWithResponses(srv.URL+"/core/v1", token,
		core.WithRequestEditorFn(func(_ context.Context, req *http.Request) error { return p.rewrite(req) }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// legacyClient is the older hand-written go-katapult/core client, sending
// placeholder p (it sends "_" itself).
func legacyClient(t testing.TB, srv *httptest.Server, token string, p placeholder) *legacy.Client {
	t.Helper()
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := katapultv1.New(katapultv1.WithBaseURL(base), katapultv1.WithAPIKey(token),
		katapultv1.WithHTTPClient(rewritingDoer{srv.Client(), p}))
	if err != nil {
		t.Fatal(err)
	}
	return legacy.New(kc)
}

type rewritingDoer struct {
	hc *http.Client
	p  placeholder
}

func (d rewritingDoer) Do(req *http.Request) (*http.Response, error) {
	if err := d.p.rewrite(req); err != nil {
		return nil, err
	}
	return d.hc.Do(req)
}

// eachPlaceholder runs read once for each placeholder; byID says whether
// its lookup is by id, which the "id" form needs.
func eachPlaceholder(t *testing.T, byID bool, read func(t *testing.T, p placeholder)) {
	t.Helper()
	for _, p := range placeholders {
		if p == "id" && !byID {
			continue
		}
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			read(t, p)
		})
	}
}

func TestTheProvidersDataCenterReadsWithNextCore(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		params core.GetDataCenterParams
		want   string // the data center's permalink
	}{
		{"by permalink", core.GetDataCenterParams{DataCenterPermalink: ptr("uk-lon-01")}, "uk-lon-01"},
		{"by a loc_ id", core.GetDataCenterParams{DataCenterId: ptr(londonID)}, "uk-lon-01"},
		{"by a dc_ id", core.GetDataCenterParams{DataCenterId: ptr(newYorkID)}, "us-nyc-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eachPlaceholder(t, tt.params.DataCenterId != nil, func(t *testing.T, p placeholder) {
				c := nextClient(t, srv, staffToken, p)
				dc, err := c.GetDataCenterWithResponse(ctx, &tt.params)
				if err != nil {
					t.Fatalf("data center: %v", err)
				}
				if got := *dc.JSON200.DataCenter.Permalink; got != tt.want || *dc.JSON200.DataCenter.Country.Name == "" {
					t.Errorf("data center = %s, want %s with its country", dc.Body, tt.want)
				}
				def, err := c.GetDataCenterDefaultNetworkWithResponse(ctx, &core.GetDataCenterDefaultNetworkParams{
					DataCenterId: tt.params.DataCenterId, DataCenterPermalink: tt.params.DataCenterPermalink,
				})
				if err != nil {
					t.Fatalf("default network: %v", err)
				}
				n := def.JSON200.Network
				if *n.DataCenter.Permalink != tt.want || !*n.Default || *n.Id == "" {
					t.Errorf("default network = %s", def.Body)
				}
			})
		})
	}
	res, err := nextClient(t, srv, staffToken, "_").GetDataCenterWithResponse(ctx,
		&core.GetDataCenterParams{DataCenterPermalink: ptr("uk-lon-02")})
	if err == nil {
		t.Fatal("an unknown data center was found")
	}
	wantError(t, res.HTTPResponse, res.Body, katapult.CodeDataCenterNotFound)
}

func TestTheProvidersDataCenterReadsWithTheOlderClient(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	ctx := context.Background()
	tests := []struct {
		name string
		ref  legacy.DataCenterRef
		want string
	}{
		{"by permalink", legacy.DataCenterRef{Permalink: "uk-lon-01"}, "uk-lon-01"},
		{"by a loc_ id", legacy.DataCenterRef{ID: londonID}, "uk-lon-01"},
		{"by a dc_ id", legacy.DataCenterRef{ID: newYorkID}, "us-nyc-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eachPlaceholder(t, tt.ref.ID != "", func(t *testing.T, p placeholder) {
				c := legacyClient(t, srv, staffToken, p)
				// The provider's katapult_data_center reads by id, by
				// permalink, or the configured data center's reference.
				reads := []func() (*legacy.DataCenter, *katapultv1.Response, error){
					func() (*legacy.DataCenter, *katapultv1.Response, error) { return c.DataCenters.Get(ctx, tt.ref) },
					func() (*legacy.DataCenter, *katapultv1.Response, error) {
						if tt.ref.ID != "" {
							return c.DataCenters.GetByID(ctx, tt.ref.ID)
						}
						return c.DataCenters.GetByPermalink(ctx, tt.ref.Permalink)
					},
				}
				for _, read := range reads {
					dc, _, err := read()
					if err != nil {
						t.Fatalf("data center: %v", err)
					}
					if dc.Permalink != tt.want || dc.Country == nil || dc.Country.Name == "" {
						t.Errorf("data center = %+v, want %s with its country", dc, tt.want)
					}
				}
				// katapult_ip without a network_id takes the data center's default.
				n, _, err := c.DataCenters.DefaultNetwork(ctx, tt.ref)
				if err != nil {
					t.Fatalf("default network: %v", err)
				}
				if n.DataCenter == nil || n.DataCenter.Permalink != tt.want || n.ID == "" {
					t.Errorf("default network = %+v", n)
				}
			})
		})
	}
	c := legacyClient(t, srv, staffToken, "_")
	all, _, err := c.DataCenters.List(ctx)
	if err != nil || len(all) != 3 || all[2].ID != newYorkID {
		t.Errorf("data centers = %+v, %v; want the seed's three", all, err)
	}
	if _, _, err := c.DataCenters.GetByPermalink(ctx, "uk-lon-02"); !errors.Is(err, legacy.ErrDataCenterNotFound) {
		t.Errorf("an unknown data center: %v, want data_center_not_found", err)
	}
}

func TestTheProvidersNetworkReadsWithNextCore(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		params core.GetNetworkParams
	}{
		{"by id", core.GetNetworkParams{NetworkId: ptr(londonPublicID)}},
		{"by permalink", core.GetNetworkParams{NetworkPermalink: ptr("uk-lon-01-public")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eachPlaceholder(t, tt.params.NetworkId != nil, func(t *testing.T, p placeholder) {
				res, err := nextClient(t, srv, staffToken, p).GetNetworkWithResponse(ctx, &tt.params)
				if err != nil {
					t.Fatal(err)
				}
				n := res.JSON200.Network
				if *n.Id != londonPublicID || n.Permalink.MustGet() != "uk-lon-01-public" || !*n.Default || *n.DataCenter.Id != londonID {
					t.Errorf("network = %s", res.Body)
				}
			})
		})
	}
	// katapult_networks: the organization's available networks.
	eachPlaceholder(t, false, func(t *testing.T, p placeholder) {
		res, err := nextClient(t, srv, staffToken, p).GetOrganizationAvailableNetworksWithResponse(ctx,
			&core.GetOrganizationAvailableNetworksParams{OrganizationSubDomain: ptr("acme")})
		if err != nil {
			t.Fatal(err)
		}
		nets, vnets := res.JSON200.Networks, res.JSON200.VirtualNetworks
		if len(nets) != 5 || *nets[4].DataCenter.Id != newYorkID || len(vnets) != 1 || *vnets[0].Id != acmeBackbone {
			t.Errorf("available networks = %s", res.Body)
		}
	})
	res, err := nextClient(t, srv, staffToken, "name").GetNetworkWithResponse(ctx, &core.GetNetworkParams{NetworkPermalink: ptr("nope")})
	if err == nil {
		t.Fatal("an unknown network was found")
	}
	wantError(t, res.HTTPResponse, res.Body, katapult.CodeNetworkNotFound)
}

func TestTheProvidersNetworkReadsWithTheOlderClient(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	ctx := context.Background()
	tests := []struct {
		name string
		get  func(*legacy.Client) (*legacy.Network, error)
		byID bool
	}{
		{"by id", func(c *legacy.Client) (*legacy.Network, error) {
			n, _, err := c.Networks.GetByID(ctx, londonPublicID)
			return n, err
		}, true},
		{"by permalink", func(c *legacy.Client) (*legacy.Network, error) {
			n, _, err := c.Networks.GetByPermalink(ctx, "uk-lon-01-public")
			return n, err
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eachPlaceholder(t, tt.byID, func(t *testing.T, p placeholder) {
				n, err := tt.get(legacyClient(t, srv, staffToken, p))
				if err != nil {
					t.Fatal(err)
				}
				if n.ID != londonPublicID || n.Permalink != "uk-lon-01-public" || n.DataCenter == nil || n.DataCenter.ID != londonID {
					t.Errorf("network = %+v", n)
				}
			})
		})
	}
	eachPlaceholder(t, false, func(t *testing.T, p placeholder) {
		nets, vnets, _, err := legacyClient(t, srv, staffToken, p).Networks.List(ctx, legacy.OrganizationRef{SubDomain: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		if len(nets) != 5 || nets[4].Permalink != newYorkPublic || len(vnets) != 1 || vnets[0].ID != acmeBackbone ||
			vnets[0].DataCenter == nil || vnets[0].DataCenter.ID != londonID {
			t.Errorf("available networks = %+v, virtual networks %+v", nets, vnets)
		}
	})
}

func TestTheProvidersAddressCreateAndReadsWithNextCore(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	ctx := context.Background()
	eachPlaceholder(t, false, func(t *testing.T, p placeholder) {
		c := nextClient(t, srv, staffToken, p)
		// As katapult_ip creates: the organization by sub_domain, the
		// network by id (its own, or the data center's default).
		def, err := c.GetDataCenterDefaultNetworkWithResponse(ctx, &core.GetDataCenterDefaultNetworkParams{DataCenterPermalink: ptr("us-nyc-01")})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name    string
			version core.IPAddressVersionEnum
			vip     *bool
			label   *string
		}{
			{"a plain IPv4 address", core.Ipv4, nil, nil},
			{"a VIP", core.Ipv4, ptr(true), ptr("web frontends")},
			{"an IPv6 address", core.Ipv6, nil, nil},
		}
		for _, tt := range tests {
			res, err := c.PostOrganizationIpAddressesWithResponse(ctx, core.PostOrganizationIpAddressesJSONRequestBody{
				Organization: core.OrganizationLookup{SubDomain: ptr("acme")},
				Network:      core.NetworkLookup{Id: def.JSON200.Network.Id},
				Version:      tt.version, Vip: tt.vip, Label: tt.label,
			})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			made := res.JSON200.IpAddress
			// katapult_ip reads back by id; the katapult_ip data source and
			// an import by address read by address.
			for _, params := range []core.GetIpAddressParams{{IpAddressId: made.Id}, {IpAddressAddress: made.Address}} {
				got, err := c.GetIpAddressWithResponse(ctx, &params)
				if err != nil {
					t.Fatalf("%s: read: %v", tt.name, err)
				}
				ip := got.JSON200.IpAddress
				label, _ := ip.Label.Get()
				if *ip.Id != *made.Id || *ip.Address != *made.Address || *ip.AddressWithMask != *made.AddressWithMask ||
					*ip.ReverseDns != *made.ReverseDns || *ip.Vip != (tt.vip != nil) || label != ptrValue(tt.label) ||
					*ip.Network.Id != *def.JSON200.Network.Id || !ip.AllocationId.IsNull() || !ip.AllocationType.IsNull() {
					t.Errorf("%s: read %s, created %s", tt.name, got.Body, res.Body)
				}
				if string(subnetOf(t, got.Body)["id"]) != string(subnetOf(t, res.Body)["id"]) {
					t.Errorf("%s: the subnet read differs from the subnet created", tt.name)
				}
			}
		}
	})
	// The id form, for the reads by id the provider makes after a create.
	made := create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	got, err := nextClient(t, srv, staffToken, "id").GetIpAddressWithResponse(ctx, &core.GetIpAddressParams{IpAddressId: made.Id})
	if err != nil || *got.JSON200.IpAddress.Address != *made.Address {
		t.Errorf("read with the id in the path: %v", err)
	}
	res, err := nextClient(t, srv, staffToken, "name").GetIpAddressWithResponse(ctx, &core.GetIpAddressParams{IpAddressId: ptr("ip_doesNotExist0000")})
	if !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("an unknown address: %v, want next/core's ErrNotFound", err)
	}
	wantError(t, res.HTTPResponse, res.Body, katapult.CodeIPAddressNotFound)
}

func TestTheProvidersAddressCreateAndReadsWithTheOlderClient(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	ctx := context.Background()
	eachPlaceholder(t, false, func(t *testing.T, p placeholder) {
		c := legacyClient(t, srv, staffToken, p)
		def, _, err := c.DataCenters.DefaultNetwork(ctx, legacy.DataCenterRef{Permalink: "nl-ams-01"})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name    string
			version legacy.IPVersion
			vip     *bool
			label   string
		}{
			{"a plain IPv4 address", legacy.IPv4, nil, ""},
			{"a VIP", legacy.IPv4, ptr(true), "web frontends"},
			{"an IPv6 address", legacy.IPv6, nil, ""},
		}
		for _, tt := range tests {
			made, _, err := c.IPAddresses.Create(ctx, legacy.OrganizationRef{SubDomain: "acme"}, &legacy.IPAddressCreateArguments{
				Network: def.Ref(), Version: tt.version, VIP: tt.vip, Label: tt.label,
			})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if made.Version() != tt.version || made.Network == nil || made.Network.ID != def.ID {
				t.Errorf("%s: created %+v", tt.name, made)
			}
			byID, _, err := c.IPAddresses.GetByID(ctx, made.ID)
			if err != nil {
				t.Fatalf("%s: read by id: %v", tt.name, err)
			}
			byAddress, _, err := c.IPAddresses.GetByAddress(ctx, made.Address)
			if err != nil {
				t.Fatalf("%s: read by address: %v", tt.name, err)
			}
			for _, ip := range []*legacy.IPAddress{byID, byAddress} {
				if ip.Network == nil || ip.Network.ID != def.ID || ip.Network.DataCenter == nil || ip.Network.DataCenter.Permalink != "nl-ams-01" || ip.ID != made.ID || ip.Address != made.Address || ip.AddressWithMask != made.AddressWithMask ||
					ip.ReverseDNS != made.ReverseDNS || ip.VIP != (tt.vip != nil) || ip.Label != tt.label || ip.AllocationID != "" {
					t.Errorf("%s: read %+v, created %+v", tt.name, ip, made)
				}
			}
		}
	})
	c := legacyClient(t, srv, staffToken, "_")
	made, _, err := c.IPAddresses.Create(ctx, legacy.OrganizationRef{SubDomain: "acme"},
		&legacy.IPAddressCreateArguments{Network: legacy.NetworkRef{Permalink: "uk-lon-01-public"}, Version: legacy.IPv4})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := legacyClient(t, srv, staffToken, "id").IPAddresses.GetByID(ctx, made.ID)
	if err != nil || got.Address != made.Address {
		t.Errorf("read with the id in the path: %+v, %v", got, err)
	}
	// resourceIPRead forgets an address the API no longer has: it tells
	// by katapult.ErrNotFound.
	if _, _, err := c.IPAddresses.GetByID(ctx, "ip_doesNotExist0000"); !errors.Is(err, katapultv1.ErrNotFound) || !errors.Is(err, legacy.ErrIPAddressNotFound) {
		t.Errorf("an unknown address: %v, want ErrNotFound and ip_address_not_found", err)
	}
}

func ptrValue[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
