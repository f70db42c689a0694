package katapult

import (
	"time"

	"github.com/krystal/go-katapult/next/core"
)

// The conversions below turn next/core's types, where every field is a
// pointer or a nullable, into the plain types of the port: absent and null
// become "", false, 0 or the zero time.

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolean(p *bool) bool { return p != nil && *p }

func integer(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// orZero reads a nullable.Nullable[T] through its method, which keeps the
// nullable module an indirect dependency.
func orZero[T any](n interface{ Get() (T, error) }) T {
	v, err := n.Get()
	if err != nil {
		var zero T
		return zero
	}
	return v
}

// unixTime turns the API's unix seconds into UTC time; nil is the zero time.
func unixTime(secs *int) time.Time {
	if secs == nil {
		return time.Time{}
	}
	return time.Unix(int64(*secs), 0).UTC()
}

func nullableUnixTime(n interface{ Get() (int, error) }) time.Time {
	secs, err := n.Get()
	if err != nil {
		return time.Time{}
	}
	return unixTime(&secs)
}

func organizationFromList(o core.GetOrganizations200ResponseOrganizations) Organization {
	return Organization{
		ID:                   str(o.Id),
		Name:                 str(o.Name),
		SubDomain:            str(o.SubDomain),
		InfrastructureDomain: str(o.InfrastructureDomain),
		CreatedAt:            unixTime(o.CreatedAt),
		ActivatedAt:          nullableUnixTime(o.ActivatedAt),
		Suspended:            boolean(o.Suspended),
		Managed:              boolean(o.Managed),
	}
}

func organizationFrom(o core.Organization) Organization {
	return Organization{
		ID:                   str(o.Id),
		Name:                 str(o.Name),
		SubDomain:            str(o.SubDomain),
		InfrastructureDomain: str(o.InfrastructureDomain),
		CreatedAt:            unixTime(o.CreatedAt),
		ActivatedAt:          nullableUnixTime(o.ActivatedAt),
		Suspended:            boolean(o.Suspended),
		Managed:              boolean(o.Managed),
	}
}

func countryFrom(c *core.Country) Country {
	if c == nil {
		return Country{}
	}
	return Country{
		ID:       str(c.Id),
		Name:     str(c.Name),
		ISOCode2: str(c.IsoCode2),
		ISOCode3: str(c.IsoCode3),
		TimeZone: orZero(c.TimeZone),
		EU:       boolean(c.Eu),
	}
}

func dataCenterFrom(d *core.DataCenter) DataCenter {
	if d == nil {
		return DataCenter{}
	}
	return DataCenter{
		ID:        str(d.Id),
		Name:      str(d.Name),
		Permalink: str(d.Permalink),
		Country:   countryFrom(d.Country),
	}
}

// dataCenterFromList converts an entry of GET /data_centers, whose country
// has only its id and name.
func dataCenterFromList(d core.GetDataCenters200ResponseDataCenters) DataCenter {
	dc := DataCenter{ID: str(d.Id), Name: str(d.Name), Permalink: str(d.Permalink)}
	if d.Country != nil {
		dc.Country = Country{ID: str(d.Country.Id), Name: str(d.Country.Name)}
	}
	return dc
}

func networkFrom(n *core.Network) Network {
	if n == nil {
		return Network{}
	}
	return Network{
		ID:         str(n.Id),
		Name:       str(n.Name),
		Permalink:  orZero(n.Permalink),
		Default:    boolean(n.Default),
		DataCenter: dataCenterFrom(n.DataCenter),
	}
}

// availableNetworkFrom converts an available network, whose data center has
// only id, name and permalink.
func availableNetworkFrom(n core.GetOrganizationAvailableNetworks200ResponseNetworks) Network {
	nw := Network{
		ID:        str(n.Id),
		Name:      str(n.Name),
		Permalink: orZero(n.Permalink),
		Default:   boolean(n.Default),
	}
	if d := n.DataCenter; d != nil {
		nw.DataCenter = DataCenter{ID: str(d.Id), Name: str(d.Name), Permalink: str(d.Permalink)}
	}
	return nw
}

func ipAddressFrom(a core.IPAddress) IPAddress {
	return IPAddress{
		ID:              str(a.Id),
		Address:         str(a.Address),
		AddressWithMask: str(a.AddressWithMask),
		ReverseDNS:      str(a.ReverseDns),
		VIP:             boolean(a.Vip),
		Label:           orZero(a.Label),
		Network:         networkFrom(a.Network),
		AllocationID:    orZero(a.AllocationId),
		AllocationType:  orZero(a.AllocationType),
	}
}

func ipAddressFromList(a core.GetOrganizationIPAddresses200ResponseIPAddresses) IPAddress {
	return IPAddress{
		ID:             str(a.Id),
		Address:        str(a.Address),
		ReverseDNS:     str(a.ReverseDns),
		VIP:            boolean(a.Vip),
		AllocationID:   orZero(a.AllocationId),
		AllocationType: orZero(a.AllocationType),
	}
}

// convertAll converts a list; an absent list is an empty one.
func convertAll[S, T any](in []S, conv func(S) T) []T {
	out := make([]T, 0, len(in))
	for _, s := range in {
		out = append(out, conv(s))
	}
	return out
}
