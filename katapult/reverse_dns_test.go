package katapult

import (
	"slices"
	"strings"
	"testing"
)

func TestCheckReverseDNS(t *testing.T) {
	t.Parallel()
	label63 := strings.Repeat("a", 63)
	// 3 parts of 63, one of 61, and the dots: 253 characters.
	longest := label63 + "." + label63 + "." + label63 + "." + strings.Repeat("b", 61)
	tests := []struct {
		name, in, kept string
		problems       []string
	}{
		{"a host name is kept", "mail.example.com", "mail.example.com", nil},
		{"white space around it is trimmed", "  mail.example.com\t", "mail.example.com", nil},
		{"one final dot is dropped", "mail.example.com.", "mail.example.com", nil},
		{"case is kept", "Mail.Example.COM", "Mail.Example.COM", nil},
		{"digits and inner hyphens are allowed", "192-0-2-5.rdns-1.example.net", "192-0-2-5.rdns-1.example.net", nil},
		{"a part of 63 characters is allowed", label63 + ".example.com", label63 + ".example.com", nil},
		{"253 characters are allowed", longest, longest, nil},
		{"an international name in its xn-- form is allowed", "xn--bcher-kva.example", "xn--bcher-kva.example", nil},
		{"blank", "", "", []string{ReverseDNSBlank}},
		{"only white space is blank", " \t ", "", []string{ReverseDNSBlank}},
		{"only a dot is blank", ".", "", []string{ReverseDNSBlank}},
		{"254 characters are too long", longest + "b", longest + "b", []string{ReverseDNSTooLong}},
		{"a part of 64 characters is too long", label63 + "a.example.com", label63 + "a.example.com", []string{ReverseDNSPartLong}},
		{"two dots in a row", "mail..example.com", "mail..example.com", []string{ReverseDNSEmptyPart}},
		{"a leading dot", ".example.com", ".example.com", []string{ReverseDNSEmptyPart}},
		{"two final dots", "example.com..", "example.com.", []string{ReverseDNSEmptyPart}},
		{"an underscore", "_dmarc.example.com", "_dmarc.example.com", []string{ReverseDNSCharacters}},
		{"a space inside", "mail example.com", "mail example.com", []string{ReverseDNSCharacters}},
		{"a non-ASCII letter", "bücher.example", "bücher.example", []string{ReverseDNSCharacters}},
		{"a control character", "mail\x00.example.com", "mail\x00.example.com", []string{ReverseDNSCharacters}},
		{"a part that starts with a hyphen", "-mail.example.com", "-mail.example.com", []string{ReverseDNSHyphen}},
		{"a part that ends with a hyphen", "mail-.example.com", "mail-.example.com", []string{ReverseDNSHyphen}},
		{"a single part has no domain", "localhost", "localhost", []string{ReverseDNSNoDomain}},
		{"an IPv4 address is no name", "192.0.2.5", "192.0.2.5", []string{ReverseDNSNumeric}},
		{"an IPv6 address is no name", "2001:db8::5", "2001:db8::5", []string{ReverseDNSCharacters, ReverseDNSNoDomain}},
		{"a URL is no name", "https://example.com/", "https://example.com/", []string{ReverseDNSCharacters}},
		{"several problems are each said once", "-a_..b", "-a_..b", []string{ReverseDNSCharacters, ReverseDNSHyphen, ReverseDNSEmptyPart}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kept, problems := CheckReverseDNS(tt.in)
			if kept != tt.kept || !slices.Equal(problems, tt.problems) {
				t.Errorf("CheckReverseDNS(%q) = %q, %q; want %q, %q", tt.in, kept, problems, tt.kept, tt.problems)
			}
		})
	}
}

// TestEveryReverseDNSSentenceNamesItsField: each sentence starts with
// "Reverse DNS", as the label's start with "Label".
func TestEveryReverseDNSSentenceNamesItsField(t *testing.T) {
	t.Parallel()
	for _, s := range []string{ReverseDNSBlank, ReverseDNSTooLong, ReverseDNSPartLong, ReverseDNSEmptyPart,
		ReverseDNSCharacters, ReverseDNSHyphen, ReverseDNSNoDomain, ReverseDNSNumeric} {
		if !strings.HasPrefix(s, "Reverse DNS ") {
			t.Errorf("%q does not start with Reverse DNS", s)
		}
	}
}

// FuzzCheckReverseDNS: whatever it is given, a name the rule keeps is a
// host name within the DNS's limits that the rule keeps as it is.
func FuzzCheckReverseDNS(f *testing.F) {
	for _, s := range []string{"mail.example.com", " a.b. ", "192.0.2.1", "-a.b", "a..b", "xn--bcher-kva.example", "\xff.example", strings.Repeat("a.", 130)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kept, problems := CheckReverseDNS(s)
		if len(problems) > 0 {
			return
		}
		again, more := CheckReverseDNS(kept)
		if again != kept || len(more) > 0 {
			t.Fatalf("kept %q, which the rule makes %q, %q", kept, again, more)
		}
		if len(kept) > MaxReverseDNSLength || !strings.Contains(kept, ".") || strings.ContainsFunc(kept, func(r rune) bool {
			return r > 0x7f || !hostNameByte(byte(r))
		}) {
			t.Fatalf("kept %q", kept)
		}
		for part := range strings.SplitSeq(kept, ".") {
			if part == "" || len(part) > MaxReverseDNSPartLength || part[0] == '-' || part[len(part)-1] == '-' {
				t.Fatalf("kept %q with the part %q", kept, part)
			}
		}
	})
}
