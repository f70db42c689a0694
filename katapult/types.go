package katapult

import (
	"log/slog"
	"strings"
	"time"
)

// Token is a Katapult API token. It prints as a placeholder so that it can
// reach no log line or page by accident; string(t) gives the secret.
type Token string

// String hides the token from %v and %s.
func (Token) String() string { return "[token]" }

// GoString hides the token from %#v.
func (Token) GoString() string { return "[token]" }

// LogValue hides the token from slog.
func (Token) LogValue() slog.Value { return slog.StringValue("[token]") }

// Version is an IP version as the API names it.
type Version string

// The two IP versions.
const (
	IPv4 Version = "ipv4"
	IPv6 Version = "ipv6"
)

// Valid reports whether v is one of the API's versions.
func (v Version) Valid() bool { return v == IPv4 || v == IPv6 }

// Label is how staff read the version: "IPv4" or "IPv6".
func (v Version) Label() string {
	switch v {
	case IPv4:
		return "IPv4"
	case IPv6:
		return "IPv6"
	}
	return string(v)
}

// Organization is a Katapult organization as the dashboard sees it.
type Organization struct {
	ID                   string
	Name                 string
	SubDomain            string
	InfrastructureDomain string
	CreatedAt            time.Time
	// ActivatedAt is zero for an organization that is not activated yet.
	ActivatedAt time.Time
	Suspended   bool
	Managed     bool
}

// Activated reports whether the organization has been activated.
func (o Organization) Activated() bool { return !o.ActivatedAt.IsZero() }

// OrgRef names an organization for the API from what stands in a URL: an
// `org_…` id or a sub_domain (sub_domains are host names and have no "_").
type OrgRef string

// IsID reports whether the reference is an organization id.
func (r OrgRef) IsID() bool { return strings.HasPrefix(string(r), "org_") }

// Country is where a data center is. Available networks and the data center
// list give only ID and Name; a created or fetched address gives them all.
type Country struct {
	ID       string
	Name     string
	ISOCode2 string
	ISOCode3 string
	TimeZone string
	EU       bool
}

// DataCenter is a Katapult data center.
type DataCenter struct {
	ID        string
	Name      string
	Permalink string
	Country   Country
}

// Network is a network an organization may create addresses on.
type Network struct {
	ID        string
	Name      string
	Permalink string
	// Default marks the data center's default network.
	Default    bool
	DataCenter DataCenter
}

// IPAddress is an IP address with everything the result page shows. List
// entries carry only ID, Address, ReverseDNS, VIP and the allocation.
type IPAddress struct {
	ID              string
	Address         string
	AddressWithMask string
	ReverseDNS      string
	VIP             bool
	// Label is empty when the address has none (the API's null).
	Label   string
	Network Network
	// AllocationID and AllocationType are empty while the address is not
	// attached to a virtual machine or load balancer.
	AllocationID   string
	AllocationType string
}

// Allocated reports whether the address is attached to something.
func (a IPAddress) Allocated() bool { return a.AllocationID != "" }

// Version is the address's IP version.
func (a IPAddress) Version() Version {
	if strings.Contains(a.Address, ":") {
		return IPv6
	}
	return IPv4
}

// IPAddressPage is one page of an organization's addresses.
type IPAddressPage struct {
	Addresses  []IPAddress
	Page       int
	PerPage    int
	TotalPages int
	Total      int
}

// CreateIPAddress is what the create form sends.
type CreateIPAddress struct {
	Organization OrgRef
	NetworkID    string
	Version      Version
	VIP          bool
	// Label is sent only for a VIP.
	Label string
}

// UpdateIPAddress is what the edit form changes of an address. A nil
// field is left as it is: it is not sent.
type UpdateIPAddress struct {
	ID         string
	VIP        *bool
	Label      *string
	ReverseDNS *string
}

// Limit is one of an organization's limits: at most Value, or none at all.
type Limit struct {
	Value     int
	Unlimited bool
}

// PolicyLimits are the limits of an organization's policy that the
// dashboard shows.
type PolicyLimits struct {
	// UnallocatedIPAddresses is how many addresses the organization may
	// hold that are attached to nothing.
	UnallocatedIPAddresses Limit
}

// DemoToken is a public token of the embedded demo API, as the engine's
// seed lists it and the sign-in page shows it. Seed tokens are demo
// strings, fine to print; a user's own token is a Token and never shown.
type DemoToken struct {
	Token, Name string
	Scopes      []string
}
