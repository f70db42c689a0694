package engine

import (
	"fmt"
	"net/netip"
	"strings"
)

// itemName names a seed item by its key, or by its position when the key
// is missing.
func itemName(kind, key string, i int) string {
	if key == "" {
		return fmt.Sprintf("%s #%d", kind, i+1)
	}
	return fmt.Sprintf("%s %q", kind, key)
}

// claimID gives the item an id (a new one when the seed has none) and makes
// sure no other item holds it.
func claimID(ids map[string]string, id *string, prefix, item string) error {
	if *id == "" {
		*id = newID(prefix)
	} else if !validIDOf(*id, prefix) {
		return seedErr(item, "id %q is not %s followed by letters and digits", *id, prefixNames(prefix))
	}
	if other, ok := ids[*id]; ok {
		return seedErr(item, "id %q is already used by %s", *id, other)
	}
	ids[*id] = item
	return nil
}

// addrIn parses s and reports whether it is an address of p.
func addrIn(p netip.Prefix, s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	return a, err == nil && p.Contains(a)
}

// validSlug reports whether s can be a permalink or a sub_domain: a DNS label
// of lower-case letters, digits and inner dashes. It can never be "_" or
// start like an id, so path placeholders stay unambiguous.
func validSlug(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validZone reports whether s is a domain name of slugs separated by dots.
func validZone(s string) bool {
	if len(s) > 200 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if !validSlug(label) {
			return false
		}
	}
	return true
}

func upperLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r'
}
