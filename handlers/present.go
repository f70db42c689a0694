package handlers

import (
	"fmt"
	"time"

	"ipdesk/katapult"
	"ipdesk/views"
)

// networkGroups groups networks by data center, in the order Katapult
// lists them, naming each data center's country from the data center list
// (available networks carry only the data center).
func networkGroups(org string, nets []katapult.Network, dcs []katapult.DataCenter) []views.NetworkGroup {
	country := map[string]string{}
	for _, dc := range dcs {
		country[dc.ID] = dc.Country.Name
		if dc.Permalink != "" {
			country["p:"+dc.Permalink] = dc.Country.Name
		}
	}
	var groups []views.NetworkGroup
	index := map[string]int{}
	for _, n := range nets {
		key := n.DataCenter.ID + "|" + n.DataCenter.Permalink
		i, ok := index[key]
		if !ok {
			name := n.DataCenter.Country.Name
			if name == "" {
				name = country[n.DataCenter.ID]
			}
			if name == "" {
				name = country["p:"+n.DataCenter.Permalink]
			}
			dcName := n.DataCenter.Name
			if dcName == "" {
				dcName = n.DataCenter.Permalink
			}
			groups = append(groups, views.NetworkGroup{DataCenter: dcName, Permalink: n.DataCenter.Permalink, Country: name})
			i = len(groups) - 1
			index[key] = i
		}
		groups[i].Networks = append(groups[i].Networks, views.NetworkOption{
			ID: n.ID, Name: n.Name, Permalink: n.Permalink, Default: n.Default,
			UseURL: views.PathNewAddressWith(org, n.ID, ""),
		})
	}
	return groups
}

// hasNetwork reports whether a network id is among the groups.
func hasNetwork(groups []views.NetworkGroup, id string) bool {
	for _, g := range groups {
		for _, n := range g.Networks {
			if n.ID == id {
				return true
			}
		}
	}
	return false
}

// preselect picks the network to select: the first wanted one that is
// still available (an explicit choice, then the last used), else the
// first data center's default network, else the first network.
func preselect(groups []views.NetworkGroup, wanted ...string) string {
	for _, id := range wanted {
		if id != "" && hasNetwork(groups, id) {
			return id
		}
	}
	if len(groups) == 0 || len(groups[0].Networks) == 0 {
		return ""
	}
	for _, n := range groups[0].Networks {
		if n.Default {
			return n.ID
		}
	}
	return groups[0].Networks[0].ID
}

// resultView presents an address for its page or card.
func resultView(o views.OrgHeader, a katapult.IPAddress, now time.Time) views.ResultView {
	n := a.Network
	dc := n.DataCenter
	ct := dc.Country
	v := views.ResultView{
		Org: o, ID: a.ID, URL: views.PathAddress(o.SubDomain, a.ID),
		Address: a.Address, AddressWithMask: a.AddressWithMask, ReverseDNS: a.ReverseDNS,
		Version: a.Version().Label(), VIP: a.VIP, Label: a.Label,
		Network: n.Name, NetworkPermalink: n.Permalink,
		DataCenter: dc.Name, DataCenterPermalink: dc.Permalink,
		Country: ct.Name, Flag: flag(ct.ISOCode2), ISO2: ct.ISOCode2, ISO3: ct.ISOCode3,
		TimeZone: ct.TimeZone, LocalTime: localTime(ct.TimeZone, now), EU: ct.EU,
		Allocated: a.Allocated(), AllocationType: a.AllocationType, AllocationID: a.AllocationID,
	}
	return v
}

// flag is a country's flag emoji: each letter of the ISO 3166 alpha-2 code
// becomes its regional indicator symbol. Anything else has no flag.
func flag(iso2 string) string {
	if len(iso2) != 2 {
		return ""
	}
	out := make([]rune, 0, 2)
	for _, r := range iso2 {
		switch {
		case r >= 'A' && r <= 'Z':
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		default:
			return ""
		}
		out = append(out, 0x1F1E6+(r-'A'))
	}
	return string(out)
}

// localTime is the current time in a time zone, with its abbreviation and
// offset: "14:05 BST (UTC+01:00), Mon 2 Jun". Empty when the zone is
// unknown (main imports time/tzdata, so every IANA name is known).
func localTime(tz string, now time.Time) string {
	if tz == "" {
		return ""
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return ""
	}
	t := now.In(loc)
	return fmt.Sprintf("%s (UTC%s), %s", t.Format("15:04 MST"), t.Format("-07:00"), t.Format("Mon 2 Jan"))
}

// addressRows presents list entries, each linking to its page.
func addressRows(org string, addrs []katapult.IPAddress) []views.AddressRow {
	rows := make([]views.AddressRow, 0, len(addrs))
	for _, a := range addrs {
		r := views.AddressRow{
			ID: a.ID, URL: views.PathAddress(org, a.ID), Address: a.Address,
			ReverseDNS: a.ReverseDNS, VIP: a.VIP, Label: a.Label, Allocated: a.Allocated(),
		}
		if r.Allocated {
			r.Allocation = a.AllocationType + " " + a.AllocationID
		}
		rows = append(rows, r)
	}
	return rows
}
