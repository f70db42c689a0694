package engine

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
)

// addrRange is an inclusive run of addresses of one IP version.
type addrRange struct {
	first, last netip.Addr
}

// lastAddr returns the highest address of a prefix (the broadcast address of
// an IPv4 subnet).
func lastAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// ruleExclusions are the addresses of a subnet that are never handed out
// whatever the seed says: the network and broadcast addresses of IPv4, the
// subnet-router anycast address of IPv6. Point-to-point sizes (/31, /127)
// and single addresses have none.
func ruleExclusions(p netip.Prefix) []netip.Addr {
	switch {
	case p.Addr().Is4() && p.Bits() < 31:
		return []netip.Addr{p.Addr(), lastAddr(p)}
	case p.Addr().Is6() && p.Bits() < 127:
		return []netip.Addr{p.Addr()}
	}
	return nil
}

// freeRanges returns the allocatable addresses of a subnet as sorted,
// disjoint ranges: the whole prefix minus the rule's exclusions and the
// given addresses (gateway, reserved). Addresses outside p are ignored.
func freeRanges(p netip.Prefix, taken []netip.Addr) []addrRange {
	p = p.Masked()
	cut := slices.Concat(ruleExclusions(p), taken)
	slices.SortFunc(cut, netip.Addr.Compare)
	cut = slices.Compact(cut)

	var out []addrRange
	next, last := p.Addr(), lastAddr(p)
	for _, x := range cut {
		if !p.Contains(x) {
			continue
		}
		if next.Less(x) {
			out = append(out, addrRange{next, x.Prev()})
		}
		if x == last {
			// Next() of the very last address would wrap to the zero Addr.
			return out
		}
		next = x.Next()
	}
	return append(out, addrRange{next, last})
}

// reverseDNSName is the name Katapult gives an address: its text form
// (compressed for IPv6) with dots and colons turned into dashes, then the
// zone: 192.0.2.5 → 192-0-2-5.zone, 2001:db8:100::5 → 2001-db8-100--5.zone.
func reverseDNSName(a netip.Addr, zone string) string {
	return strings.NewReplacer(".", "-", ":", "-").Replace(a.String()) + "." + zone
}

// addressWithMask is the address with the prefix length of its subnet.
func addressWithMask(a netip.Addr, bits int) string {
	return netip.PrefixFrom(a, bits).String()
}

// addrKey encodes an address as 16 big-endian bytes (IPv4 in its mapped
// form). SQLite compares blobs with memcmp, so keys sort in address order,
// and IPv6 needs more room than an int64 has.
func addrKey(a netip.Addr) []byte {
	b := a.As16()
	return b[:]
}

// errBadAddrKey means a stored address blob is not 16 bytes long.
var errBadAddrKey = errors.New("engine: stored address is not 16 bytes")

// addrFromKey decodes addrKey. Mapped IPv4 comes back as plain IPv4: the seed
// refuses IPv6 subnets in the mapped range, so nothing else is mapped.
func addrFromKey(b []byte) (netip.Addr, error) {
	if len(b) != 16 {
		return netip.Addr{}, errBadAddrKey
	}
	return netip.AddrFrom16([16]byte(b)).Unmap(), nil
}
