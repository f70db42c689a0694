package engine

import (
	"cmp"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// validate checks the whole seed, fills what it leaves out (ids, resolved
// references, free ranges) and returns the first problem as a *SeedError.
func (s *seedFile) validate() error {
	ids := map[string]string{} // id → the item that holds it
	dcs, err := s.checkDataCenters(ids)
	if err != nil {
		return err
	}
	nets, err := s.checkNetworks(ids, dcs)
	if err != nil {
		return err
	}
	if err := checkOverlaps(s.Networks); err != nil {
		return err
	}
	orgs, err := s.checkOrganizations(ids, nets)
	if err != nil {
		return err
	}
	if err := s.checkHeldAddresses(ids); err != nil {
		return err
	}
	if err := s.checkVirtualNetworks(ids, dcs, orgs); err != nil {
		return err
	}
	return s.checkTokens(ids, orgs)
}

// checkDataCenters checks the data centers and their countries. Data
// centers in one country (by ISO code) share it, so they must describe it
// alike; the first one's id (given or generated) becomes the country's.
func (s *seedFile) checkDataCenters(ids map[string]string) (map[string]*seedDataCenter, error) {
	type firstCountry struct {
		as    seedCountry // as the seed wrote it, before an id was generated
		owner *seedDataCenter
	}
	byPermalink := map[string]*seedDataCenter{}
	countries := map[string]firstCountry{} // by ISO code
	for i, dc := range s.DataCenters {
		item := itemName("data center", dc.Permalink, i)
		if err := checkNamed(item, dc.Name, dc.Permalink, byPermalink); err != nil {
			return nil, err
		}
		if err := claimID(ids, &dc.ID, prefixDataCenter, item); err != nil {
			return nil, err
		}
		byPermalink[dc.Permalink] = dc
		c := dc.Country
		if first, ok := countries[c.ISOCode2]; ok {
			if first.as != c {
				return nil, seedErr(item, "country %s differs from the one of data center %q", c.ISOCode2, first.owner.Permalink)
			}
			dc.Country.ID = first.owner.Country.ID
			continue
		}
		if err := checkCountry(item, c); err != nil {
			return nil, err
		}
		countries[c.ISOCode2] = firstCountry{as: c, owner: dc}
		if err := claimID(ids, &dc.Country.ID, prefixCountry, item+" country"); err != nil {
			return nil, err
		}
	}
	return byPermalink, nil
}

func checkCountry(item string, c seedCountry) error {
	switch {
	case c.Name == "":
		return seedErr(item, "country has no name")
	case !upperLetters(c.ISOCode2, 2):
		return seedErr(item, "country iso_code2 %q is not two capital letters", c.ISOCode2)
	case !upperLetters(c.ISOCode3, 3):
		return seedErr(item, "country iso_code3 %q is not three capital letters", c.ISOCode3)
	}
	return nil
}

// checkNamed checks what data centers and networks have in common: a name,
// and a well-formed permalink no other item of the kind has.
func checkNamed[T any](item, name, permalink string, seen map[string]T) error {
	switch {
	case name == "":
		return seedErr(item, "name is missing")
	case !validSlug(permalink):
		return seedErr(item, "permalink %q is not lower-case letters, digits and dashes", permalink)
	}
	if _, dup := seen[permalink]; dup {
		return seedErr(item, "permalink is used twice")
	}
	return nil
}

func (s *seedFile) checkNetworks(ids map[string]string, dcs map[string]*seedDataCenter) (map[string]*seedNetwork, error) {
	byPermalink := map[string]*seedNetwork{}
	defaults := map[string]*seedNetwork{} // data center permalink → its default network
	for i, n := range s.Networks {
		item := itemName("network", n.Permalink, i)
		if err := checkNamed(item, n.Name, n.Permalink, byPermalink); err != nil {
			return nil, err
		}
		if err := claimID(ids, &n.ID, prefixNetwork, item); err != nil {
			return nil, err
		}
		byPermalink[n.Permalink] = n
		dc, ok := dcs[n.DataCenter]
		if !ok {
			return nil, seedErr(item, "data center %q does not exist", n.DataCenter)
		}
		n.dataCenterID = dc.ID
		if other, ok := defaults[n.DataCenter]; ok && n.Default {
			return nil, seedErr(item, "data center %q already has default network %q", n.DataCenter, other.Permalink)
		}
		if n.Default {
			defaults[n.DataCenter] = n
		}
		if n.ReverseDNSZone != "" && !validZone(n.ReverseDNSZone) {
			return nil, seedErr(item, "reverse_dns_zone %q is not a domain name", n.ReverseDNSZone)
		}
		for j, sub := range n.Subnets {
			if err := checkSubnet(item, n.ReverseDNSZone, sub); err != nil {
				return nil, err
			}
			sub.network = n
			if err := claimID(ids, &sub.ID, prefixSubnet, item+" "+itemName("subnet", sub.CIDR, j)); err != nil {
				return nil, err
			}
		}
	}
	return byPermalink, nil
}

func checkSubnet(item, networkZone string, sub *seedSubnet) error {
	p, err := netip.ParsePrefix(sub.CIDR)
	switch {
	case err != nil:
		return seedErr(item, "subnet %q is not a CIDR", sub.CIDR)
	case p != p.Masked():
		return seedErr(item, "subnet %s has host bits set (the subnet is %s)", sub.CIDR, p.Masked())
	case p.Addr().Is4In6():
		return seedErr(item, "subnet %s is IPv4-mapped IPv6: write IPv4 subnets as IPv4", sub.CIDR)
	}
	sub.prefix = p
	sub.zone = cmp.Or(sub.ReverseDNSZone, networkZone)
	if sub.zone == "" {
		return seedErr(item, "subnet %s has no reverse_dns_zone (set one on the network or the subnet)", p)
	}
	if !validZone(sub.zone) {
		return seedErr(item, "subnet %s: reverse_dns_zone %q is not a domain name", p, sub.zone)
	}
	var taken []netip.Addr
	if sub.Gateway != "" {
		a, ok := addrIn(p, sub.Gateway)
		if !ok {
			return seedErr(item, "gateway %q is outside subnet %s", sub.Gateway, p)
		}
		sub.gateway = a
		taken = append(taken, a)
	}
	for _, r := range sub.Reserved {
		a, ok := addrIn(p, r)
		if !ok {
			return seedErr(item, "reserved address %q is outside subnet %s", r, p)
		}
		taken = append(taken, a)
	}
	sub.taken = taken
	sub.free = freeRanges(p, taken)
	return nil
}

// checkOverlaps refuses two subnets that share an address, anywhere in the
// seed: an address must belong to one subnet only. Prefixes either nest or
// are disjoint, so once sorted by first address a subnet overlaps an
// earlier one exactly when it overlaps its predecessor (the earlier ones
// being disjoint, the predecessor ends furthest).
func checkOverlaps(nets []*seedNetwork) error {
	type placed struct {
		net   *seedNetwork
		sub   *seedSubnet
		order int
	}
	var all []placed
	for _, n := range nets {
		for _, sub := range n.Subnets {
			all = append(all, placed{n, sub, len(all)})
		}
	}
	slices.SortFunc(all, func(a, b placed) int { return a.sub.prefix.Addr().Compare(b.sub.prefix.Addr()) })
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if !a.sub.prefix.Overlaps(b.sub.prefix) {
			continue
		}
		if a.order > b.order {
			a, b = b, a
		}
		return seedErr(itemName("network", b.net.Permalink, 0), "subnet %s overlaps subnet %s of network %q",
			b.sub.prefix, a.sub.prefix, a.net.Permalink)
	}
	return nil
}

func (s *seedFile) checkOrganizations(ids map[string]string, nets map[string]*seedNetwork) (map[string]*seedOrganization, error) {
	bySubDomain := map[string]*seedOrganization{}
	for i, o := range s.Organizations {
		item := itemName("organization", o.SubDomain, i)
		switch {
		case o.Name == "":
			return nil, seedErr(item, "name is missing")
		case !validSlug(o.SubDomain):
			return nil, seedErr(item, "sub_domain %q is not lower-case letters, digits and dashes", o.SubDomain)
		}
		if _, dup := bySubDomain[o.SubDomain]; dup {
			return nil, seedErr(item, "sub_domain is used twice")
		}
		bySubDomain[o.SubDomain] = o
		if err := claimID(ids, &o.ID, prefixOrganization, item); err != nil {
			return nil, err
		}
		if o.MaxUnallocated != nil && *o.MaxUnallocated < 0 {
			return nil, seedErr(item, "maximum_unallocated_ip_addresses %d is negative (leave it out for no limit)", *o.MaxUnallocated)
		}
		o.networkIDs = nil
		for _, perm := range o.Networks {
			n, ok := nets[perm]
			if !ok {
				return nil, seedErr(item, "network %q does not exist", perm)
			}
			if slices.Contains(o.networkIDs, n.ID) {
				return nil, seedErr(item, "network %q is listed twice", perm)
			}
			o.networkIDs = append(o.networkIDs, n.ID)
		}
	}
	return bySubDomain, nil
}

func (s *seedFile) checkTokens(ids map[string]string, orgs map[string]*seedOrganization) error {
	if len(s.Tokens) == 0 {
		return seedErr("tokens", "there are none: at least one is needed to sign in")
	}
	owners := map[string]string{} // token → the item that holds it
	users := seedUsers{}
	for i, t := range s.Tokens {
		item := itemName("token", t.Name, i)
		switch {
		case t.Name == "":
			return seedErr(item, "name is missing")
		case t.Token == "" || strings.ContainsFunc(t.Token, isSpace):
			return seedErr(item, "token is empty or contains spaces")
		}
		if other, dup := owners[t.Token]; dup {
			return seedErr(item, "token is the same as the one of %s", other)
		}
		owners[t.Token] = item
		if err := claimID(ids, &t.ID, prefixAPIToken, item); err != nil {
			return err
		}
		if err := users.check(ids, item, t.User); err != nil {
			return err
		}
		for _, sc := range t.Scopes {
			if sc == "" || strings.ContainsFunc(sc, isSpace) {
				return seedErr(item, "scope %q is empty or contains spaces", sc)
			}
		}
		t.access = map[string]accessLevel{}
		for _, sub := range slices.Sorted(maps.Keys(t.Organizations)) {
			o, ok := orgs[sub]
			if !ok {
				return seedErr(item, "organization %q does not exist", sub)
			}
			level := accessLevel(t.Organizations[sub])
			if level != accessManage && level != accessView {
				return seedErr(item, "access level %q for organization %q is unknown (use manage or view)", level, sub)
			}
			t.access[o.ID] = level
		}
	}
	return nil
}

// checkVirtualNetworks checks the optional virtual networks: each has a
// name, a data center and the organization that has it.
func (s *seedFile) checkVirtualNetworks(ids map[string]string, dcs map[string]*seedDataCenter, orgs map[string]*seedOrganization) error {
	for i, v := range s.VirtualNetworks {
		item := itemName("virtual network", v.Name, i)
		if v.Name == "" {
			return seedErr(item, "name is missing")
		}
		if err := claimID(ids, &v.ID, prefixVirtualNet, item); err != nil {
			return err
		}
		dc, ok := dcs[v.DataCenter]
		if !ok {
			return seedErr(item, "data center %q does not exist", v.DataCenter)
		}
		o, ok := orgs[v.Organization]
		if !ok {
			return seedErr(item, "organization %q does not exist", v.Organization)
		}
		v.dataCenterID, v.organizationID = dc.ID, o.ID
	}
	return nil
}
