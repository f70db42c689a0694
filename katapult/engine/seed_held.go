package engine

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"ipdesk/katapult"
)

// checkHeldAddresses checks the addresses the organizations already hold
// and takes them out of their subnets' free ranges. Each must be an
// address the pool could have handed out (not a network, broadcast,
// gateway or reserved address) of a network its organization may use,
// held by one organization only.
func (s *seedFile) checkHeldAddresses(ids map[string]string) error {
	var subnets []*seedSubnet
	for _, n := range s.Networks {
		subnets = append(subnets, n.Subnets...)
	}
	holders := map[netip.Addr]string{} // address → the organization that holds it
	held := map[*seedSubnet][]netip.Addr{}
	for _, o := range s.Organizations {
		org := itemName("organization", o.SubDomain, 0)
		for i, ip := range o.IPAddresses {
			item := org + " " + itemName("address", ip.Address, i)
			if err := ip.check(item, o, subnets); err != nil {
				return err
			}
			if other, dup := holders[ip.addr]; dup {
				return seedErr(item, "is already held by %s", other)
			}
			holders[ip.addr] = org
			if err := claimID(ids, &ip.ID, prefixIPAddress, item); err != nil {
				return err
			}
			held[ip.subnet] = append(held[ip.subnet], ip.addr)
		}
	}
	for sub, addrs := range held {
		sub.free = freeRanges(sub.prefix, slices.Concat(sub.taken, addrs))
	}
	return nil
}

// check checks one held address of organization o and finds its subnet.
func (ip *seedIPAddress) check(item string, o *seedOrganization, subnets []*seedSubnet) error {
	a, err := netip.ParseAddr(ip.Address)
	if err != nil || a.Zone() != "" || a.Is4In6() {
		return seedErr(item, "is not an IP address")
	}
	ip.addr = a
	i := slices.IndexFunc(subnets, func(sub *seedSubnet) bool { return sub.prefix.Contains(a) })
	if i < 0 {
		return seedErr(item, "is in no subnet of the seed")
	}
	ip.subnet = subnets[i]
	switch n := ip.subnet.network; {
	case !slices.Contains(o.networkIDs, n.ID):
		return seedErr(item, "is in network %q, which the organization may not use", n.Permalink)
	case !slices.ContainsFunc(ip.subnet.free, func(r addrRange) bool { return !a.Less(r.first) && !r.last.Less(a) }):
		return seedErr(item, "is never handed out: it is the network, broadcast, gateway or a reserved address of subnet %s", ip.subnet.prefix)
	}
	if ip.VIP {
		label, problems := katapult.CheckLabel(ip.Label, true)
		if len(problems) > 0 {
			return seedErr(item, "label: %s", strings.Join(problems, "; "))
		}
		ip.Label = label
	} else if ip.Label != "" {
		return seedErr(item, "has a label but is not a VIP (only a VIP has one)")
	}
	if ip.ReverseDNS != "" {
		name, problems := katapult.CheckReverseDNS(ip.ReverseDNS)
		if len(problems) > 0 {
			return seedErr(item, "reverse_dns: %s", strings.Join(problems, "; "))
		}
		ip.ReverseDNS = name
	}
	return ip.Allocation.check(item)
}

// check checks the resource an address is attached to, if any: a type
// such as VirtualMachine, an id such as vm_…, and a name.
func (al *seedAllocation) check(item string) error {
	switch {
	case al == nil:
		return nil
	case al.Type == "" || strings.ContainsFunc(al.Type, func(r rune) bool { return !isLetter(r) }):
		return seedErr(item, "allocation type %q is not a resource type such as VirtualMachine", al.Type)
	case !validObjectID(al.ID):
		return seedErr(item, "allocation id %q is not a type prefix, _, and letters and digits (such as vm_…)", al.ID)
	case strings.TrimSpace(al.Name) == "":
		return seedErr(item, "allocation has no name")
	}
	return nil
}

// validObjectID reports whether s is an id of any kind: a prefix of
// lower-case letters, "_", then letters and digits.
func validObjectID(s string) bool {
	prefix, _, ok := strings.Cut(s, "_")
	return ok && prefix != "" && !strings.ContainsFunc(prefix, func(r rune) bool { return r < 'a' || r > 'z' }) &&
		validID(s, prefix+"_")
}

func isLetter(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
}

// seedUsers are the users of the seed's tokens, by id: tokens of one user
// name it by the same id, and must describe it alike.
type seedUsers map[string]*seedUser

func (users seedUsers) check(ids map[string]string, item string, u *seedUser) error {
	if u == nil {
		return nil
	}
	switch {
	case strings.TrimSpace(u.FirstName) == "" || strings.TrimSpace(u.LastName) == "":
		return seedErr(item, "user needs a first_name and a last_name")
	case u.AvatarURL != "" && !webURL(u.AvatarURL):
		return seedErr(item, "user avatar_url %q is not an http or https URL", u.AvatarURL)
	}
	if first, ok := users[u.ID]; ok && u.ID != "" {
		if *first != *u {
			return seedErr(item, "user %q differs from the one of another token with that id", u.ID)
		}
		return nil
	}
	if err := claimID(ids, &u.ID, prefixUser, item+" user"); err != nil {
		return err
	}
	users[u.ID] = u
	return nil
}

func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
