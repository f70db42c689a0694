package katapult

import (
	"slices"
	"strings"
)

// The limits of a host name in the DNS (RFC 1035, 2.3.4): a name of at
// most 253 characters written without its final dot, each part between
// dots at most 63.
const (
	MaxReverseDNSLength     = 253
	MaxReverseDNSPartLength = 63
)

// The sentences of the reverse DNS rule, one per problem, shown to staff
// under the form's reverse DNS field and sent by the engine in a
// validation_error's detail.
const (
	ReverseDNSBlank      = "Reverse DNS can't be blank"
	ReverseDNSTooLong    = "Reverse DNS is too long (maximum is 253 characters)"
	ReverseDNSPartLong   = "Reverse DNS has a part longer than 63 characters between two dots"
	ReverseDNSEmptyPart  = "Reverse DNS can't have an empty part: it can't start with a dot or hold two dots in a row"
	ReverseDNSCharacters = "Reverse DNS can only hold letters, digits, hyphens and dots (write an international name in its xn-- form)"
	ReverseDNSHyphen     = "Reverse DNS can't have a part that starts or ends with a hyphen"
	ReverseDNSNoDomain   = "Reverse DNS must be a full host name with its domain, such as mail.example.com"
	ReverseDNSNumeric    = "Reverse DNS must end with a domain name, not a number: it can't be an IP address"
)

// CheckReverseDNS is the one rule for the host name an address's reverse
// DNS (PTR) record points to, used by the engine and by the dashboard
// alike. It returns the name as it is to be kept (surrounding white space
// and one final dot dropped) and the sentences of what is wrong with it,
// none when it may be kept.
//
// The rule is that of a host name (RFC 952 and 1123): parts of letters,
// digits and inner hyphens, separated by dots, at most 63 characters a
// part and 253 in all; at least two parts, the last not all digits (a
// top-level domain never is, and 192.0.2.1 is an address, not a name).
// Underscores are refused: they are allowed in some DNS records, never in
// a host name. Letters keep the case they were typed in (the DNS ignores
// it).
func CheckReverseDNS(s string) (string, []string) {
	name := strings.TrimSpace(s)
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return name, []string{ReverseDNSBlank}
	}
	var problems []string
	add := func(p string) {
		if !slices.Contains(problems, p) {
			problems = append(problems, p)
		}
	}
	for i := 0; i < len(name); i++ {
		if !hostNameByte(name[i]) {
			add(ReverseDNSCharacters)
			break
		}
	}
	if len(name) > MaxReverseDNSLength {
		add(ReverseDNSTooLong)
	}
	parts := strings.Split(name, ".")
	for _, p := range parts {
		switch {
		case p == "":
			add(ReverseDNSEmptyPart)
		case len(p) > MaxReverseDNSPartLength:
			add(ReverseDNSPartLong)
		}
		if strings.HasPrefix(p, "-") || strings.HasSuffix(p, "-") {
			add(ReverseDNSHyphen)
		}
	}
	last := parts[len(parts)-1]
	switch {
	case len(parts) < 2:
		add(ReverseDNSNoDomain)
	case last != "" && strings.Trim(last, "0123456789") == "":
		add(ReverseDNSNumeric)
	}
	return name, problems
}

// hostNameByte reports the bytes a host name is made of: ASCII letters,
// digits, hyphens and dots.
func hostNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.'
}
