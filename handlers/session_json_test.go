package handlers

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"ipdesk/katapult"
)

// partsJSON is the session's JSON as lastUsed's and onceUse's own methods
// write and read it: the format session_json.go writes in one pass.
type partsJSON struct {
	Token    string     `json:"t"`
	SignedIn int64      `json:"s"`
	Last     []lastUsed `json:"l,omitempty"`
	Once     []onceUse  `json:"o,omitempty"`
	Flash    *flash     `json:"f,omitempty"`
}

// TestSessionJSONMatchesItsParts: the session's one-pass JSON is byte for
// byte what the element methods write, and each reads what the other
// writes, for every shape a session takes, so that cookies stay readable
// across versions whichever way they were written.
func TestSessionJSONMatchesItsParts(t *testing.T) {
	t.Parallel()
	full := &session{Token: strings.Repeat("T", 40), SignedIn: 1_750_000_000}
	for i := range maxLastUsed {
		full.rememberLast(strings.Repeat("o", i+1), "netw_"+strings.Repeat("n", i+1), katapult.IPv6)
	}
	for i := range onceRing {
		switch i % 3 {
		case 0:
			full.rememberCreated(newOnceToken(), "acme", "ip_created")
		case 1:
			full.rememberOnce(newOnceToken(), "") // outcome unknown
		default:
			full.rememberOnce(newOnceToken(), "ip_untagged")
		}
	}
	tests := []struct {
		name string
		sess *session
	}{
		{name: "just signed in", sess: &session{Token: "tok", SignedIn: 1}},
		{name: "one choice remembered", sess: &session{Token: "tok", SignedIn: 2, Last: []lastUsed{{Org: "acme", Network: "netw_1", Version: "ipv4"}}}},
		{name: "one create", sess: &session{Token: "tok", SignedIn: 3, Once: []onceUse{{Token: "a", Address: "ip_1", Org: "tag"}}}},
		{name: "an unknown outcome", sess: &session{Token: "tok", SignedIn: 4, Once: []onceUse{{Token: "a"}}}},
		{name: "every list full", sess: full},
		{name: "a flash", sess: &session{Token: "tok", SignedIn: 6, Flash: &flash{Kind: flashReleased, Subject: "192.0.2.5", Org: "tag"}}},
		{name: "characters JSON escapes", sess: &session{Token: `t"<&>\` + "\u2028", SignedIn: 5, Last: []lastUsed{{Org: `"`, Network: "<", Version: "&"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.sess
			got, err := encodeSession(s)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(partsJSON{Token: s.Token, SignedIn: s.SignedIn, Last: s.Last, Once: s.Once, Flash: s.Flash})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("one pass wrote\n%s\nthe parts write\n%s", got, want)
			}
			back, err := decodeSession(want)
			if err != nil || !reflect.DeepEqual(back, s) {
				t.Fatalf("one pass read %s as %+v (%v), want %+v", want, back, err, s)
			}
			var parts partsJSON
			if err := json.Unmarshal(got, &parts); err != nil || parts.Token != s.Token || !reflect.DeepEqual(parts.Last, s.Last) ||
				!reflect.DeepEqual(parts.Once, s.Once) || !reflect.DeepEqual(parts.Flash, s.Flash) {
				t.Fatalf("the parts read %s as %+v (%v)", got, parts, err)
			}
		})
	}
}

// TestSessionJSONReadsArraysOfEveryLength: arrays shorter than three
// leave the rest empty and longer ones are cut, as the parts read them;
// what is not a session is an error, which signs the cookie's holder out.
func TestSessionJSONReadsArraysOfEveryLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw string
		want      *session
	}{
		{name: "a pair", raw: `{"t":"x","s":1,"o":[["tok","ip_1"]]}`,
			want: &session{Token: "x", SignedIn: 1, Once: []onceUse{{Token: "tok", Address: "ip_1"}}}},
		{name: "a longer array", raw: `{"t":"x","s":1,"o":[["tok","ip_1","tag","more"]],"l":[["acme","netw_1","ipv6","more"]]}`,
			want: &session{Token: "x", SignedIn: 1, Once: []onceUse{{Token: "tok", Address: "ip_1", Org: "tag"}}, Last: []lastUsed{{Org: "acme", Network: "netw_1", Version: "ipv6"}}}},
		{name: "an empty array", raw: `{"t":"x","s":1,"l":[[]]}`,
			want: &session{Token: "x", SignedIn: 1, Last: []lastUsed{{}}}},
		{name: "null lists", raw: `{"t":"x","s":1,"l":null,"o":null}`, want: &session{Token: "x", SignedIn: 1}},
		{name: "an unknown field", raw: `{"t":"x","s":1,"z":true}`, want: &session{Token: "x", SignedIn: 1}},
		{name: "an object for an array", raw: `{"t":"x","s":1,"o":[{"t":"tok"}]}`},
		{name: "a number for a string", raw: `{"t":1,"s":1}`},
		{name: "not JSON", raw: "\x0e\xff\x81\x03\x01\x01"},
		{name: "empty", raw: ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeSession([]byte(tt.raw))
			if tt.want == nil {
				if err == nil {
					t.Fatalf("read %q as %+v, want an error", tt.raw, got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("read %s as %+v (%v), want %+v", tt.raw, got, err, tt.want)
			}
			var parts partsJSON
			if err := json.Unmarshal([]byte(tt.raw), &parts); err != nil || !reflect.DeepEqual(parts.Last, got.Last) || !reflect.DeepEqual(parts.Once, got.Once) {
				t.Errorf("the parts read %s as %+v (%v)", tt.raw, parts, err)
			}
		})
	}
}
