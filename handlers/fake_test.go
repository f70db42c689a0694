package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ipdesk/handlers"
	"ipdesk/katapult"
)

// userToken is a signed-in user's own token: no page, URL, header or log
// line may ever show it.
const userToken = "kt-user-0f3c9a7d5e1b4c2a8f6e0d9c7b5a3e1f"

// fakeAPI is a Katapult port with a small world: it records every call and
// fails the test on any call a test did not allow (a nil func).
type fakeAPI struct {
	t     *testing.T
	mu    sync.Mutex
	calls []string

	organizations     func(tok katapult.Token) ([]katapult.Organization, error)
	organization      func(tok katapult.Token, ref katapult.OrgRef) (katapult.Organization, error)
	availableNetworks func(tok katapult.Token, ref katapult.OrgRef) ([]katapult.Network, error)
	dataCenters       func(tok katapult.Token) ([]katapult.DataCenter, error)
	create            func(tok katapult.Token, req katapult.CreateIPAddress) (katapult.IPAddress, error)
	ipAddress         func(tok katapult.Token, id string) (katapult.IPAddress, error)
	ipAddresses       func(tok katapult.Token, ref katapult.OrgRef, page, perPage int) (katapult.IPAddressPage, error)
	update            func(tok katapult.Token, req katapult.UpdateIPAddress) (katapult.IPAddress, error)
	release           func(tok katapult.Token, id string) error
	policyLimits      func(tok katapult.Token, ref katapult.OrgRef) (katapult.PolicyLimits, error)
	unallocated       func(tok katapult.Token, ref katapult.OrgRef) (int, error)
	// currentUser nil: every token belongs to no user, as Katapult says
	// of a token made for a program.
	currentUser func(tok katapult.Token) (katapult.User, error)
}

var _ handlers.API = (*fakeAPI)(nil)

// CachedOrganizations: the fake remembers nothing.
func (f *fakeAPI) CachedOrganizations(katapult.Token) ([]katapult.Organization, bool) {
	return nil, false
}

// CachedPolicyLimits: the fake remembers nothing.
func (f *fakeAPI) CachedPolicyLimits(katapult.Token, katapult.OrgRef) (katapult.PolicyLimits, bool) {
	return katapult.PolicyLimits{}, false
}

// CachedUnallocated: the fake remembers nothing.
func (f *fakeAPI) CachedUnallocated(katapult.Token, katapult.OrgRef) (int, bool) { return 0, false }

func (f *fakeAPI) record(name string) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.mu.Unlock()
}

// count is how many times a method was called.
func (f *fakeAPI) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == name {
			n++
		}
	}
	return n
}

// total is how many calls were made.
func (f *fakeAPI) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// reset forgets the calls so far.
func (f *fakeAPI) reset() {
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
}

func (f *fakeAPI) unexpected(name string) error {
	f.t.Errorf("unexpected call to %s", name)
	return fmt.Errorf("fake: unexpected call to %s", name)
}

// checkToken makes every call of an unknown token fail as Katapult would.
func checkToken(tok katapult.Token) error {
	if string(tok) != userToken {
		return katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{})
	}
	return nil
}

func (f *fakeAPI) Organizations(_ context.Context, tok katapult.Token) ([]katapult.Organization, error) {
	f.record("Organizations")
	if f.organizations == nil {
		return nil, f.unexpected("Organizations")
	}
	return f.organizations(tok)
}

func (f *fakeAPI) Organization(_ context.Context, tok katapult.Token, ref katapult.OrgRef) (katapult.Organization, error) {
	f.record("Organization")
	if f.organization == nil {
		return katapult.Organization{}, f.unexpected("Organization")
	}
	return f.organization(tok, ref)
}

func (f *fakeAPI) AvailableNetworks(_ context.Context, tok katapult.Token, ref katapult.OrgRef) ([]katapult.Network, error) {
	f.record("AvailableNetworks")
	if f.availableNetworks == nil {
		return nil, f.unexpected("AvailableNetworks")
	}
	return f.availableNetworks(tok, ref)
}

func (f *fakeAPI) DataCenters(_ context.Context, tok katapult.Token) ([]katapult.DataCenter, error) {
	f.record("DataCenters")
	if f.dataCenters == nil {
		return nil, f.unexpected("DataCenters")
	}
	return f.dataCenters(tok)
}

func (f *fakeAPI) CreateIPAddress(_ context.Context, tok katapult.Token, req katapult.CreateIPAddress) (katapult.IPAddress, error) {
	f.record("CreateIPAddress")
	if f.create == nil {
		return katapult.IPAddress{}, f.unexpected("CreateIPAddress")
	}
	return f.create(tok, req)
}

func (f *fakeAPI) IPAddress(_ context.Context, tok katapult.Token, id string) (katapult.IPAddress, error) {
	f.record("IPAddress")
	if f.ipAddress == nil {
		return katapult.IPAddress{}, f.unexpected("IPAddress")
	}
	return f.ipAddress(tok, id)
}

func (f *fakeAPI) IPAddresses(_ context.Context, tok katapult.Token, ref katapult.OrgRef, page, perPage int) (katapult.IPAddressPage, error) {
	f.record("IPAddresses")
	if f.ipAddresses == nil {
		return katapult.IPAddressPage{}, f.unexpected("IPAddresses")
	}
	return f.ipAddresses(tok, ref, page, perPage)
}

func (f *fakeAPI) UpdateIPAddress(_ context.Context, tok katapult.Token, req katapult.UpdateIPAddress) (katapult.IPAddress, error) {
	f.record("UpdateIPAddress")
	if f.update == nil {
		return katapult.IPAddress{}, f.unexpected("UpdateIPAddress")
	}
	return f.update(tok, req)
}

func (f *fakeAPI) ReleaseIPAddress(_ context.Context, tok katapult.Token, id string) error {
	f.record("ReleaseIPAddress")
	if f.release == nil {
		return f.unexpected("ReleaseIPAddress")
	}
	return f.release(tok, id)
}

func (f *fakeAPI) CurrentUser(_ context.Context, tok katapult.Token) (katapult.User, error) {
	f.record("CurrentUser")
	if f.currentUser == nil {
		return katapult.User{}, &katapult.Error{Status: 404, Code: katapult.CodeNoUserAssociatedWithIdentity}
	}
	return f.currentUser(tok)
}

func (f *fakeAPI) PolicyLimits(_ context.Context, tok katapult.Token, ref katapult.OrgRef) (katapult.PolicyLimits, error) {
	f.record("PolicyLimits")
	if f.policyLimits == nil {
		return katapult.PolicyLimits{}, f.unexpected("PolicyLimits")
	}
	return f.policyLimits(tok, ref)
}

func (f *fakeAPI) UnallocatedIPAddresses(_ context.Context, tok katapult.Token, ref katapult.OrgRef) (int, error) {
	f.record("UnallocatedIPAddresses")
	if f.unallocated == nil {
		return 0, f.unexpected("UnallocatedIPAddresses")
	}
	return f.unallocated(tok, ref)
}

// The fake world: three data centers, organizations in every state.
var (
	london    = katapult.DataCenter{ID: "loc_London0000000001", Name: "London", Permalink: "uk-lon-01", Country: katapult.Country{ID: "ctry_gb", Name: "United Kingdom", ISOCode2: "GB", ISOCode3: "GBR", TimeZone: "Europe/London"}}
	amsterdam = katapult.DataCenter{ID: "loc_Amsterdam0000001", Name: "Amsterdam", Permalink: "nl-ams-01", Country: katapult.Country{ID: "ctry_nl", Name: "Netherlands", ISOCode2: "NL", ISOCode3: "NLD", TimeZone: "Europe/Amsterdam", EU: true}}

	lonPublic = katapult.Network{ID: "netw_LonPublic0000001", Name: "Public Network", Permalink: "uk-lon-01-public", Default: true, DataCenter: dcOnly(london)}
	lonEdge   = katapult.Network{ID: "netw_LonEdge000000001", Name: "Edge Network", Permalink: "uk-lon-01-edge", DataCenter: dcOnly(london)}
	amsPublic = katapult.Network{ID: "netw_AmsPublic0000001", Name: "Public Network", Permalink: "nl-ams-01-public", Default: true, DataCenter: dcOnly(amsterdam)}

	activated = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	acme      = katapult.Organization{ID: "org_Acme000000000001", Name: "ACME Inc.", SubDomain: "acme", ActivatedAt: activated}
	globex    = katapult.Organization{ID: "org_Globex0000000001", Name: "Globex Corporation", SubDomain: "globex", ActivatedAt: activated}
	initech   = katapult.Organization{ID: "org_Initech000000001", Name: "Initech", SubDomain: "initech", ActivatedAt: activated, Suspended: true}
	umbrella  = katapult.Organization{ID: "org_Umbrella00000001", Name: "Umbrella Ltd", SubDomain: "umbrella"}
	hooli     = katapult.Organization{ID: "org_Hooli0000000001", Name: "Hooli", SubDomain: "hooli", ActivatedAt: activated}
)

// dcOnly is a data center as available networks carry it: no country.
func dcOnly(dc katapult.DataCenter) katapult.DataCenter {
	return katapult.DataCenter{ID: dc.ID, Name: dc.Name, Permalink: dc.Permalink}
}

// newFake is a fake with the reads of the world allowed and no create.
func newFake(t *testing.T) *fakeAPI {
	orgs := []katapult.Organization{acme, globex, initech, umbrella, hooli}
	return &fakeAPI{
		t: t,
		organizations: func(tok katapult.Token) ([]katapult.Organization, error) {
			return orgs, checkToken(tok)
		},
		organization: func(tok katapult.Token, ref katapult.OrgRef) (katapult.Organization, error) {
			if err := checkToken(tok); err != nil {
				return katapult.Organization{}, err
			}
			for _, o := range orgs {
				if string(ref) == o.ID || string(ref) == o.SubDomain {
					return o, nil
				}
			}
			return katapult.Organization{}, katapult.NewError(katapult.CodeOrganizationNotFound, katapult.Detail{})
		},
		availableNetworks: func(tok katapult.Token, ref katapult.OrgRef) ([]katapult.Network, error) {
			if err := checkToken(tok); err != nil {
				return nil, err
			}
			switch ref {
			case "acme", "hooli":
				return []katapult.Network{lonPublic, lonEdge, amsPublic}, nil
			case "globex":
				return []katapult.Network{amsPublic}, nil
			case "initech":
				return nil, katapult.NewError(katapult.CodeOrganizationSuspended, katapult.Detail{})
			case "umbrella":
				return nil, katapult.NewError(katapult.CodeOrganizationNotActivated, katapult.Detail{})
			}
			return nil, katapult.NewError(katapult.CodeOrganizationNotFound, katapult.Detail{})
		},
		dataCenters: func(tok katapult.Token) ([]katapult.DataCenter, error) {
			countryOnly := func(dc katapult.DataCenter) katapult.DataCenter {
				dc.Country = katapult.Country{ID: dc.Country.ID, Name: dc.Country.Name}
				return dc
			}
			return []katapult.DataCenter{countryOnly(london), countryOnly(amsterdam)}, checkToken(tok)
		},
	}
}

// newAddress is what Katapult answers a create with.
func newAddress(id string, req katapult.CreateIPAddress) katapult.IPAddress {
	net := lonPublic
	switch req.NetworkID {
	case lonEdge.ID:
		net = lonEdge
	case amsPublic.ID:
		net = amsPublic
	}
	switch net.DataCenter.ID {
	case london.ID:
		net.DataCenter = london
	case amsterdam.ID:
		net.DataCenter = amsterdam
	}
	a := katapult.IPAddress{ID: id, Address: "192.0.2.17", AddressWithMask: "192.0.2.17/28",
		ReverseDNS: "192-0-2-17.rdns.example.net", VIP: req.VIP, Label: req.Label, Network: net}
	if req.Version == katapult.IPv6 {
		a.Address, a.AddressWithMask, a.ReverseDNS = "2001:db8:100::2", "2001:db8:100::2/48", "2001-db8-100--2.rdns.example.net"
	}
	return a
}

// creating makes create answer new addresses (ip_Test…1, …2, …) and keeps
// them for IPAddress.
func (f *fakeAPI) creating() *fakeAPI {
	var mu sync.Mutex
	made := map[string]katapult.IPAddress{}
	f.create = func(tok katapult.Token, req katapult.CreateIPAddress) (katapult.IPAddress, error) {
		if err := checkToken(tok); err != nil {
			return katapult.IPAddress{}, err
		}
		mu.Lock()
		defer mu.Unlock()
		id := fmt.Sprintf("ip_Test%012d", len(made)+1)
		made[id] = newAddress(id, req)
		return made[id], nil
	}
	f.ipAddress = func(tok katapult.Token, id string) (katapult.IPAddress, error) {
		mu.Lock()
		defer mu.Unlock()
		a, ok := made[id]
		if !ok {
			return a, katapult.NewError(katapult.CodeIPAddressNotFound, katapult.Detail{})
		}
		return a, checkToken(tok)
	}
	return f
}

// contains reports whether any call name starts with prefix (for messages).
func (f *fakeAPI) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, ",")
}
