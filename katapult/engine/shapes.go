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
		AllocationID    *string     `json:"allocation_id"`
		AllocationType  *string     `json:"allocation_type"`
	}
	ipAddressItemJSON struct {
		ID             string  `json:"id"`
		Address        string  `json:"address"`
		ReverseDNS     string  `json:"reverse_dns"`
		VIP            bool    `json:"vip"`
		AllocationID   *string `json:"allocation_id"`
		AllocationType *string `json:"allocation_type"`
	}
	// allocationJSON is the resource holding an address, beside the
	// address of GET /ip_addresses/_, as the wire has it (the OpenAPI
	// says {id, name}): {"type":"VirtualMachine","value":{"id":…,"name":…}}.
	allocationJSON struct {
		Type  string `json:"type"`
		Value struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"value"`
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
	dc := n.DataCenter
	return networkBriefJSON{
		ID: n.ID, Name: n.Name, Permalink: n.Permalink, Default: n.Default,
		DataCenter: dataCenterRefJSON{ID: dc.ID, Name: dc.Name, Permalink: dc.Permalink},
	}
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

// allocationView is an address's allocation on the wire, nil when it has
// none.
func allocationView(a allocation) *allocationJSON {
	if !a.allocated() {
		return nil
	}
	out := &allocationJSON{Type: a.Type.String}
	out.Value.ID, out.Value.Name = a.ID.String, a.Name.String
	return out
}
