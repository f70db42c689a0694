package engine

import (
	"crypto/rand"
	"strings"
)

// idAlphabet is what Katapult's ids are made of after their type prefix.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// The type prefixes of the objects' ids, as Katapult writes them.
const (
	prefixCountry      = "ctry_"
	prefixDataCenter   = "loc_"
	prefixNetwork      = "netw_"
	prefixOrganization = "org_"
	prefixIPAddress    = "ip_"
	prefixSubnet       = "sbnt_"
	prefixVirtualNet   = "vnet_"
	prefixUser         = "user_"
	// prefixAPIToken is the engine's own: no recorded answer shows the
	// prefix of Katapult's API token ids.
	prefixAPIToken = "apitoken_"
)

// morePrefixes lists the other prefixes real ids of a type come with: a
// prefix changed as Katapult grew, and older objects keep theirs (London is
// loc_…, newer data centers are dc_…). New ids get the first prefix.
var morePrefixes = map[string][]string{
	prefixDataCenter: {"dc_"},
}

// validIDOf reports whether s is an id of the type whose first prefix is
// prefix, under any of the type's prefixes.
func validIDOf(s, prefix string) bool {
	if validID(s, prefix) {
		return true
	}
	for _, p := range morePrefixes[prefix] {
		if validID(s, p) {
			return true
		}
	}
	return false
}

// prefixNames writes a type's prefixes for a message: "loc_ or dc_".
func prefixNames(prefix string) string {
	return strings.Join(append([]string{prefix}, morePrefixes[prefix]...), " or ")
}

// newID returns prefix followed by 16 random letters and digits.
func newID(prefix string) string {
	const n = 16
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		// crypto/rand.Read never fails (it aborts the program instead).
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			// 248 is the largest multiple of 62 under 256: rejecting the
			// bytes above it keeps every character equally likely.
			if b < 248 && len(out) < n {
				out = append(out, idAlphabet[b%62])
			}
		}
	}
	return prefix + string(out)
}

// validID reports whether s is prefix followed by 1 to 64 letters and digits.
func validID(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || rest == "" || len(rest) > 64 {
		return false
	}
	for _, c := range []byte(rest) {
		if !isAlnum(c) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
