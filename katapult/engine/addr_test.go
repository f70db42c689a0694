package engine

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"
)

func TestReverseDNSNameTurnsTheAddressIntoALabelOfTheZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, addr, zone, want string
	}{
		{"an IPv4 address has its dots turned into dashes", "192.0.2.5", "rdns.example.net", "192-0-2-5.rdns.example.net"},
		{"an IPv6 address is written compressed", "2001:db8:100::5", "r.example.net", "2001-db8-100--5.r.example.net"},
		{"an IPv6 address in long form is compressed first", "2001:0DB8:0100:0000:0000:0000:0000:0018", "r.example.net", "2001-db8-100--18.r.example.net"},
		{"an IPv6 address compresses its longest run of zeros only", "2001:db8:0:0:1:0:0:1", "z.example", "2001-db8--1-0-0-1.z.example"},
		{"an IPv6 address without zeros has no double dash", "2001:db8:1:2:3:4:5:6", "z.example", "2001-db8-1-2-3-4-5-6.z.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := reverseDNSName(netip.MustParseAddr(tt.addr), tt.zone); got != tt.want {
				t.Errorf("reverseDNSName(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

func TestAddressWithMaskGivesThePrefixLengthOfTheSubnet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, addr string
		bits       int
		want       string
	}{
		{"an IPv4 address of a /24", "192.0.2.5", 24, "192.0.2.5/24"},
		{"an IPv4 address of a /22 keeps its host bits", "198.51.100.39", 22, "198.51.100.39/22"},
		{"an IPv6 address of a /48", "2001:db8:100::18", 48, "2001:db8:100::18/48"},
		{"a single IPv4 address", "203.0.113.7", 32, "203.0.113.7/32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := addressWithMask(netip.MustParseAddr(tt.addr), tt.bits); got != tt.want {
				t.Errorf("addressWithMask = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLastAddrIsTheHighestAddressOfThePrefix(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, prefix, want string }{
		{"an IPv4 /24", "192.0.2.0/24", "192.0.2.255"},
		{"an IPv4 /29", "192.0.2.48/29", "192.0.2.55"},
		{"an IPv4 /32", "192.0.2.7/32", "192.0.2.7"},
		{"the whole IPv4 space", "0.0.0.0/0", "255.255.255.255"},
		{"an IPv6 /48", "2001:db8:100::/48", "2001:db8:100:ffff:ffff:ffff:ffff:ffff"},
		{"an IPv6 /127", "2001:db8::/127", "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := lastAddr(netip.MustParsePrefix(tt.prefix)); got != netip.MustParseAddr(tt.want) {
				t.Errorf("lastAddr(%s) = %s, want %s", tt.prefix, got, tt.want)
			}
		})
	}
}

func TestFreeRangesCutOutEveryAddressThatIsNotHandedOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		taken  []string
		want   []string // "first-last" each
	}{
		{"an IPv4 subnet loses its network and broadcast addresses", "192.0.2.0/24", nil,
			[]string{"192.0.2.1-192.0.2.254"}},
		{"an IPv4 /31 keeps both its addresses", "192.0.2.0/31", nil,
			[]string{"192.0.2.0-192.0.2.1"}},
		{"an IPv4 /32 keeps its one address", "192.0.2.9/32", nil,
			[]string{"192.0.2.9-192.0.2.9"}},
		{"an IPv6 subnet loses its subnet-router address only", "2001:db8:100::/48", nil,
			[]string{"2001:db8:100::1-2001:db8:100:ffff:ffff:ffff:ffff:ffff"}},
		{"an IPv6 /127 keeps both its addresses", "2001:db8::/127", nil,
			[]string{"2001:db8::-2001:db8::1"}},
		{"an IPv6 /128 keeps its one address", "2001:db8::5/128", nil,
			[]string{"2001:db8::5-2001:db8::5"}},
		{"the gateway and reserved addresses split the range", "192.0.2.48/29",
			[]string{"192.0.2.49", "192.0.2.52"},
			[]string{"192.0.2.50-192.0.2.51", "192.0.2.53-192.0.2.54"}},
		{"exclusions in any order and repeated are cut once", "192.0.2.0/28",
			[]string{"192.0.2.5", "192.0.2.1", "192.0.2.5", "192.0.2.2"},
			[]string{"192.0.2.3-192.0.2.4", "192.0.2.6-192.0.2.14"}},
		{"a reserved broadcast address changes nothing", "192.0.2.0/30",
			[]string{"192.0.2.3"},
			[]string{"192.0.2.1-192.0.2.2"}},
		{"a fully reserved subnet has nothing free", "192.0.2.0/30",
			[]string{"192.0.2.1", "192.0.2.2"}, nil},
		{"the last address of the whole space ends the walk", "255.255.255.254/31",
			[]string{"255.255.255.255"},
			[]string{"255.255.255.254-255.255.255.254"}},
		{"addresses outside the subnet are ignored", "192.0.2.0/29",
			[]string{"198.51.100.1", "2001:db8::1"},
			[]string{"192.0.2.1-192.0.2.6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var taken []netip.Addr
			for _, s := range tt.taken {
				taken = append(taken, netip.MustParseAddr(s))
			}
			var got []string
			for _, r := range freeRanges(netip.MustParsePrefix(tt.prefix), taken) {
				got = append(got, r.first.String()+"-"+r.last.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("freeRanges = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAddrKeysSortInAddressOrderAndRoundTrip(t *testing.T) {
	t.Parallel()
	sorted := []string{"192.0.2.1", "192.0.2.2", "192.0.2.255", "198.51.100.0", "2001:db8::1", "2001:db8:100::", "2001:db8:100::1"}
	for i, s := range sorted {
		a := netip.MustParseAddr(s)
		key := addrKey(a)
		if len(key) != 16 {
			t.Fatalf("addrKey(%s) has %d bytes, want 16", s, len(key))
		}
		back, err := addrFromKey(key)
		if err != nil || back != a {
			t.Errorf("addrFromKey(addrKey(%s)) = %s, %v", s, back, err)
		}
		if i > 0 && bytes.Compare(addrKey(netip.MustParseAddr(sorted[i-1])), key) >= 0 {
			t.Errorf("key of %s does not sort after the key of %s", s, sorted[i-1])
		}
	}
	if _, err := addrFromKey([]byte{1, 2, 3}); err == nil {
		t.Error("addrFromKey accepted a 3-byte key")
	}
}

func TestNewIDIsThePrefixAndSixteenLettersOrDigits(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		id := newID(prefixIPAddress)
		if !validID(id, prefixIPAddress) || len(id) != len(prefixIPAddress)+16 {
			t.Fatalf("newID = %q", id)
		}
		if seen[id] {
			t.Fatalf("newID repeated %q", id)
		}
		seen[id] = true
	}
}
