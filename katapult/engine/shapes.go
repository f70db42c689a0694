package engine

import (
	"database/sql"
)

// The API's objects as they travel, each in the exact shape its OpenAPI
// schema gives that endpoint: the same data center is {id, name, permalink}
// inside an available network, has its country as {id, name} in the data
// center list, and in full inside a created address.
type (
	organizationJSON struct {
		ID                   string `json:"id"`
		Name                 string `json:"name"`
		SubDomain            string `json:"sub_domain"`
		InfrastructureDomain string `json:"infrastructure_domain"`
		CreatedAt            int64  `json:"created_at"`
		ActivatedAt          *int64 `json:"activated_at"`
		Suspended            bool   `json:"suspended"`
		Managed              bool   `json:"managed"`
	}
	countryJSON struct {
		ID       string  `json:"id"`
		Name     string  `json:"name"`
		ISOCode2 string  `json:"iso_code2"`
		ISOCode3 string  `json:"iso_code3"`
		TimeZone *string `json:"time_zone"`
		EU       bool    `json:"eu"`
	}
	countryRefJSON struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	dataCenterJSON struct {
		ID        string      `json:"id"`
		Name      string      `json:"name"`
		Permalink string      `json:"permalink"`
		Country   countryJSON `json:"country"`
	}
	dataCenterBriefJSON struct {
		ID        string         `json:"id"`
		Name      string         `json:"name"`
		Permalink string         `json:"permalink"`
		Country   countryRefJSON `json:"country"`
	}
	dataCenterRefJSON struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Permalink string `json:"permalink"`
	}
	networkJSON struct {
		ID         string         `json:"id"`
		Name       string         `json:"name"`
		Permalink  string         `json:"permalink"`
		Default    bool           `json:"default"`
		DataCenter dataCenterJSON `json:"data_center"`
	}
	networkBriefJSON struct {
		ID         string            `json:"id"`
		Name       string            `json:"name"`
		Permalink  string            `json:"permalink"`
		Default    bool              `json:"default"`
		DataCenter dataCenterRefJSON `json:"data_center"`
	}
	ipAddressJSON struct {
		ID              string      `json:"id"`
		Address         string      `json:"address"`
		ReverseDNS      string      `json:"reverse_dns"`
		VIP             bool        `json:"vip"`
		Label           *string     `json:"label"`
		AddressWithMask string      `json:"address_with_mask"`
		Network         networkJSON `json:"network"`
		Subnet          subnetJSON  `json:"subnet"`
		AllocationID    *string     `json:"allocation_id"`
		AllocationType  *string     `json:"allocation_type"`
	}
	// ipAddressItemJSON is an address in the list: the fields of the
	// list's own schema only (no network, no subnet).
	ipAddressItemJSON struct {
		ID             string  `json:"id"`
		Address        string  `json:"address"`
		ReverseDNS     string  `json:"reverse_dns"`
		VIP            bool    `json:"vip"`
		AllocationID   *string `json:"allocation_id"`
		AllocationType *string `json:"allocation_type"`
	}
	// subnetJSON is the subnet an address came from, as newer answers
	// carry it (recorded traffic; the OpenAPI 2.68.0 has no schema for
	// it): its network address, prefix length and gateway. Every subnet
	// the engine hands addresses out of is billable.
	subnetJSON struct {
		ID       string  `json:"id"`
		Address  string  `json:"address"`
		Gateway  *string `json:"gateway"`
		Mask     int     `json:"mask"`
		Billable bool    `json:"billable"`
		Version  int     `json:"version"`
	}
	// allocationJSON is what holds an address, beside it in GET
	// /ip_addresses/_: {"type":"VirtualMachine","value":{"id":…,"name":…}}
	// on the wire, not the {id, name} of the OpenAPI.
	allocationJSON struct {
		Type  string              `json:"type"`
		Value allocationValueJSON `json:"value"`
	}
	allocationValueJSON struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	virtualNetworkJSON struct {
		ID         string            `json:"id"`
		Name       string            `json:"name"`
		DataCenter dataCenterRefJSON `json:"data_center"`
	}
	paginationJSON struct {
		CurrentPage int  `json:"current_page"`
		TotalPages  int  `json:"total_pages"`
		Total       int  `json:"total"`
		PerPage     int  `json:"per_page"`
		LargeSet    bool `json:"large_set"`
	}
)

// infrastructureDomainSuffix makes an organization's infrastructure domain
// from its sub_domain; the seed has no such field, and example.net is a
// documentation domain.
const infrastructureDomainSuffix = ".infra.example.net"

func organizationView(o *organization) organizationJSON {
	return organizationJSON{
		ID: o.ID, Name: o.Name, SubDomain: o.SubDomain,
		InfrastructureDomain: o.SubDomain + infrastructureDomainSuffix,
		CreatedAt:            o.CreatedAt, ActivatedAt: nullInt(o.ActivatedAt),
		Suspended: o.Suspended,
	}
}

func countryView(c *country) countryJSON {
	return countryJSON{
		ID: c.ID, Name: c.Name, ISOCode2: c.ISOCode2, ISOCode3: c.ISOCode3,
		TimeZone: nullStr(c.TimeZone), EU: c.EU,
	}
}

func dataCenterView(dc *dataCenter) dataCenterJSON {
	return dataCenterJSON{ID: dc.ID, Name: dc.Name, Permalink: dc.Permalink, Country: countryView(dc.Country)}
}

func dataCenterBriefView(dc *dataCenter) dataCenterBriefJSON {
	return dataCenterBriefJSON{
		ID: dc.ID, Name: dc.Name, Permalink: dc.Permalink,
		Country: countryRefJSON{ID: dc.Country.ID, Name: dc.Country.Name},
	}
}

func networkView(n *network) networkJSON {
	return networkJSON{
		ID: n.ID, Name: n.Name, Permalink: n.Permalink, Default: n.Default,
		DataCenter: dataCenterView(n.DataCenter),
	}
}

func networkBriefView(n *network) networkBriefJSON {
	return networkBriefJSON{
		ID: n.ID, Name: n.Name, Permalink: n.Permalink, Default: n.Default,
		DataCenter: dataCenterRefView(n.DataCenter),
	}
}

func dataCenterRefView(dc *dataCenter) dataCenterRefJSON {
	return dataCenterRefJSON{ID: dc.ID, Name: dc.Name, Permalink: dc.Permalink}
}

func virtualNetworkView(v *virtualNetwork) virtualNetworkJSON {
	return virtualNetworkJSON{ID: v.ID, Name: v.Name, DataCenter: dataCenterRefView(v.DataCenter)}
}

func subnetView(s subnet) subnetJSON {
	version := 6
	if s.prefix.Addr().Is4() {
		version = 4
	}
	return subnetJSON{
		ID: s.id, Address: s.prefix.Addr().String(), Gateway: nullStr(s.gateway),
		Mask: s.prefix.Bits(), Billable: true, Version: version,
	}
}

// allocation is what an address is attached to (a virtual machine, a load
// balancer): Type as Katapult names the kind ("VirtualMachine"), and the
// holder's id and name. The zero value means the address is unallocated.
type allocation struct {
	Type, ID, Name string
	// Locked means the holder refuses to let the address go: unallocate
	// and release answer resource_does_not_support_unallocation.
	Locked bool
}

// allocated reports whether the address is attached to anything.
func (a allocation) allocated() bool { return a.ID != "" }

// allocationView is the allocation beside an address: null when it has none.
func allocationView(a allocation) *allocationJSON {
	if a.ID == "" {
		return nil
	}
	return &allocationJSON{Type: a.Type, Value: allocationValueJSON{ID: a.ID, Name: a.Name}}
}

// allocationFields are an address's own allocation_id and allocation_type.
func allocationFields(a allocation) (id, typ *string) {
	if a.ID == "" {
		return nil, nil
	}
	return &a.ID, &a.Type
}

// nullInt and nullStr turn the store's NULL into the API's null.
func nullInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func nullStr(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}
