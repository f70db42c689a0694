package katapult

import (
	"bytes"
	"encoding/json"
	"testing"
)

// membersByDecoding is hasMembers as it was written first, decoding the
// whole body: the reference the scanning one must agree with on every
// body that is JSON.
func membersByDecoding(body []byte, members []member) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return false
	}
	for _, m := range members {
		raw := bytes.TrimSpace(top[m.key])
		if len(raw) == 0 || jsonKind(raw[0]) != m.kind {
			return false
		}
	}
	return true
}

// memberBodies are answers of every shape the check meets: the right ones,
// wrong kinds, null, absent, duplicated, escaped, nested look-alikes, odd
// spacing, and a few that are not JSON.
var memberBodies = []string{
	`{"ip_addresses":[],"pagination":{}}`,
	`{"ip_addresses":[{"id":"ip_1","pagination":null}],"pagination":{"total":1}}`,
	`{"pagination":{},"ip_addresses":[]}`,
	" \t\r\n{ \"ip_addresses\" : [ ] ,\n\"pagination\"\t:\t{ } } \n",
	`{"ip_addresses":null,"pagination":{}}`,
	`{"ip_addresses":{},"pagination":{}}`,
	`{"ip_addresses":[],"pagination":[]}`,
	`{"ip_addresses":[]}`,
	`{"ip_addresses":[],"pagination":{},"ip_addresses":null}`,
	`{"ip_addresses":null,"pagination":{},"ip_addresses":[]}`,
	`{"ip_addresses":"[]","pagination":"{}"}`,
	`{"ip\u005faddresses":[],"pagination":{}}`,
	`{"ip_addresses\"":[],"pagination":{}}`,
	`{"x":{"ip_addresses":[],"pagination":{}}}`,
	`{"x":"\"ip_addresses\":[],","pagination":{}}`,
	`{"x":["}",{"y":"]"}],"ip_addresses":[1,2,{"a":[3]}],"pagination":{"p":[{}]}}`,
	`{"n":-1.5e+3,"t":true,"f":false,"z":null,"ip_addresses":[],"pagination":{}}`,
	`{"IP_ADDRESSES":[],"pagination":{}}`,
	`{}`, `[]`, `null`, `"ok"`, `1`, ``, `{`, `{"ip_addresses":[]`, `{"ip_addresses":[],"pagination":{}} x`,
	`{"ip_addresses" [],"pagination":{}}`, `{"ip_addresses":[],,"pagination":{}}`, `{"ip_addresses":[] "pagination":{}}`,
}

// The members of every operation of the port, and of none.
var memberSets = [][]member{
	listIPAddresses.answer, createIPAddress.answer, listOrganizations.answer, getOrganization.answer, nil,
}

func TestTheMemberCheckAgreesWithDecodingTheWholeAnswer(t *testing.T) {
	t.Parallel()
	for _, body := range memberBodies {
		for _, ms := range memberSets {
			got, want := hasMembers([]byte(body), ms), membersByDecoding([]byte(body), ms)
			if len(ms) == 0 {
				want = true // no member to insist on
			}
			if !json.Valid([]byte(body)) {
				// Not JSON: next/core's decoding refuses it afterwards
				// whatever this check says; it only must not panic.
				continue
			}
			if got != want {
				t.Errorf("%q, members %v: %v, want %v", body, ms, got, want)
			}
		}
	}
}

// FuzzMemberCheck compares the scanning check with decoding on any body:
// they agree on every body that is JSON.
func FuzzMemberCheck(f *testing.F) {
	for _, b := range memberBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ms := range memberSets[:4] {
			got := hasMembers(body, ms)
			if !json.Valid(body) {
				continue
			}
			if want := membersByDecoding(body, ms); got != want {
				t.Fatalf("%q, members %v: %v, want %v", body, ms, got, want)
			}
		}
	})
}

func BenchmarkMemberCheck(b *testing.B) {
	body := []byte(`{"ip_address":{"id":"ip_GQyGpwKpCNZLu80f","address":"2001:db8:100::2","reverse_dns":"2001-db8-100--2.r.example.net","vip":false,"label":null,"address_with_mask":"2001:db8:100::2/48","network":{"id":"netw_eG0juXmwoO58rchd","name":"Public Network","permalink":"uk-lon-01-public","default":true,"data_center":{"id":"loc_0KHcEf32jmxK4uDk","name":"London","permalink":"uk-lon-01","country":{"id":"ctry_ztilH29n9loRadL3","name":"United Kingdom","iso_code2":"GB","iso_code3":"GBR","time_zone":"Europe/London","eu":false}}},"allocation_id":null,"allocation_type":null}}`)
	b.Run("scanning", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !hasMembers(body, createIPAddress.answer) {
				b.Fatal("no ip_address")
			}
		}
	})
	b.Run("decoding", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !membersByDecoding(body, createIPAddress.answer) {
				b.Fatal("no ip_address")
			}
		}
	})
}
