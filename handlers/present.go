package handlers

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"ipdesk/katapult"
	"ipdesk/views"
)

// networkGroups groups networks by data center, in the order Katapult
// lists them, naming each data center's country from the data center list
// (available networks carry only the data center). It runs on every form
// page: lists are short (a few data centers), so it searches them rather
// than building maps.
func networkGroups(nets []katapult.Network, dcs []katapult.DataCenter) []views.NetworkGroup {
	type groupKey struct{ id, permalink string }
	var (
		groups []views.NetworkGroup
		keys   []groupKey
	)
	for _, n := range nets {
		key := groupKey{n.DataCenter.ID, n.DataCenter.Permalink}
		i := slices.Index(keys, key)
		if i < 0 {
			name := n.DataCenter.Country.Name
			if name == "" {
				name = countryOf(dcs, n.DataCenter)
			}
			dcName := n.DataCenter.Name
			if dcName == "" {
				dcName = n.DataCenter.Permalink
			}
			groups = append(groups, views.NetworkGroup{DataCenter: dcName, Permalink: n.DataCenter.Permalink, Country: name})
			keys = append(keys, key)
			i = len(groups) - 1
		}
		groups[i].Networks = append(groups[i].Networks, views.NetworkOption{
			ID: n.ID, Name: n.Name, Permalink: n.Permalink, Default: n.Default,
		})
	}
	return groups
}

// countryOf names a data center's country from the data center list: the
// entry with its id, else the one with its permalink.
func countryOf(dcs []katapult.DataCenter, dc katapult.DataCenter) string {
	for _, d := range dcs {
		if d.ID == dc.ID && d.Country.Name != "" {
			return d.Country.Name
		}
	}
	if dc.Permalink == "" {
		return ""
	}
	for _, d := range dcs {
		if d.Permalink == dc.Permalink && d.Country.Name != "" {
			return d.Country.Name
		}
	}
	return ""
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
func (s *server) resultView(o views.OrgHeader, a katapult.IPAddress, now time.Time) views.ResultView {
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
		TimeZone: ct.TimeZone, LocalTime: localTime(s.zones.location(ct.TimeZone), now), EU: ct.EU,
		Allocated: a.Allocated(), AllocationType: a.AllocationType, AllocationID: a.AllocationID,
		EditURL: views.PathEditAddress(o.SubDomain, a.ID), ReleaseURL: views.PathReleaseAddress(o.SubDomain, a.ID),
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
// unknown (nil).
func localTime(loc *time.Location, now time.Time) string {
	if loc == nil {
		return ""
	}
	t := now.In(loc)
	return fmt.Sprintf("%s (UTC%s), %s", t.Format("15:04 MST"), t.Format("-07:00"), t.Format("Mon 2 Jan"))
}

// maxZones bounds the zones a zoneCache keeps. Katapult's countries use a
// few dozen; the names come from its answers, so a bound keeps a
// misbehaving upstream from growing the cache without end.
const maxZones = 256

// zoneCache keeps the time zones results are shown in, by IANA name:
// time.LoadLocation reads and parses the zone's file on every call (about
// 28 µs and 9 KB each), and every result page and card shows one. Its zero
// value is ready; it is safe for concurrent use. Beyond maxZones names a
// zone is loaded each time, as without the cache.
type zoneCache struct {
	mu    sync.RWMutex
	zones map[string]*time.Location // nil: not a zone name
}

// location is the zone of an IANA name; nil for "" and for a name that
// is not a zone (main imports time/tzdata, so every IANA name is one).
func (z *zoneCache) location(name string) *time.Location {
	if name == "" {
		return nil
	}
	z.mu.RLock()
	loc, ok := z.zones[name]
	z.mu.RUnlock()
	if ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.zones == nil {
		z.zones = make(map[string]*time.Location)
	}
	if len(z.zones) < maxZones {
		z.zones[name] = loc
	}
	return loc
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
