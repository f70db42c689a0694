package engine

import (
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"ipdesk/katapult"
	"ipdesk/katapult/labeltest"
)

const (
	// wayneID is the demo organization the staff token does not hold:
	// no answer to that token may show it.
	wayneID      = "org_xJEjlN5TjpD86bJZ"
	acmeEdgeID   = "netw_HTkYZ2QnMMpkRyPz"
	wayneNetwork = "us-nyc-01-public"
)

func TestCreateRefusesVersionsOutsideTheEnumBeforeAnything(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, version string // version as JSON
		issue         string
	}{
		{"upper case", `"IPV4"`, issueNotInEnum},
		{"outside the enum", `"ipv5"`, issueNotInEnum},
		{"a bare number as a string", `"4"`, issueNotInEnum},
		{"a number", `4`, issueWrongType},
		{"empty", `""`, issueNotInEnum},
		{"a leading space", `" ipv4"`, issueNotInEnum},
		{"a trailing NUL", `"ipv4\u0000"`, issueNotInEnum},
		{"a trailing byte that is not UTF-8", "\"ipv4\xff\"", issueNotInEnum},
		{"null", `null`, issueMissing},
	}
	e := openEngine(t, Config{})
	srv := serve(t, e)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := heldAddresses(t, e)
			body := `{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":` + tt.version + `}`
			res, data := rawRequest(t, srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses", staffToken, []byte(body))
			got := wantError(t, res, data, katapult.CodeInvalidArgument)
			if got.Detail.Argument != "version" || got.Detail.Issue != tt.issue {
				t.Errorf("detail = %+v, want version %s", got.Detail, tt.issue)
			}
			if after := heldAddresses(t, e); after != before {
				t.Errorf("addresses held went from %d to %d", before, after)
			}
		})
	}
}

// TestANetworkTheOrganizationMayNotUseIsNotFound: globex works in London
// (uk-lon-01-public) but may not use London's edge network, nor wayne's
// New York network; by permalink or id, the answer is network_not_found
// and nothing is allocated.
func TestANetworkTheOrganizationMayNotUseIsNotFound(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, network string }{
		{"another organization's network of the same data center, by permalink", `{"permalink":"uk-lon-01-edge"}`},
		{"another organization's network of the same data center, by id", `{"id":"` + acmeEdgeID + `"}`},
		{"another organization's network of another data center", `{"permalink":"` + wayneNetwork + `"}`},
		{"a network's permalink in another case", `{"permalink":"UK-LON-01-PUBLIC"}`},
		{"a network's permalink with a path in it", `{"permalink":"uk-lon-01-public/../uk-lon-01-edge"}`},
	}
	e := openEngine(t, Config{})
	srv := serve(t, e)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := heldAddresses(t, e)
			body := `{"organization":{"sub_domain":"globex"},"network":` + tt.network + `,"version":"ipv4"}`
			res, data := rawRequest(t, srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses", staffToken, []byte(body))
			wantError(t, res, data, katapult.CodeNetworkNotFound)
			if after := heldAddresses(t, e); after != before {
				t.Errorf("addresses held went from %d to %d", before, after)
			}
		})
	}
}

// oddSubDomains are names of organizations as an attacker or a broken
// client may write them: none names an organization, wayne's included.
var oddSubDomains = []struct{ name, value string }{
	{"a parent directory", "../wayne"},
	{"a parent directory after a real one", "acme/../wayne"},
	{"an encoded slash", "acme%2F..%2Fwayne"},
	{"encoded dots", "%2e%2e"},
	{"a doubly encoded slash", "acme%252Fwayne"},
	{"a backslash", `acme\..\wayne`},
	{"a trailing slash", "acme/"},
	{"a NUL", "acme\x00"},
	{"overlong", strings.Repeat("a", 10000)},
	{"an accented letter", "ácme"},
	{"fullwidth letters", "ＡＣＭＥ"},
	{"a zero-width space", "acme\u200b"},
	{"upper case", "ACME"},
	{"not UTF-8", "acme\xff"},
	{"the organization's id as its sub_domain", wayneID},
	{"the hidden organization itself", "wayne"},
}

// TestOddSubDomainsFindNoOrganization tries each in a GET's query lookup
// and in a create's body: organization_not_found, nothing allocated, and
// never a word of the organization the token does not hold.
func TestOddSubDomainsFindNoOrganization(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	srv := serve(t, e)
	for _, tt := range oddSubDomains {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/core/v1/organizations/_", "/core/v1/organizations/_/ip_addresses", "/core/v1/organizations/_/available_networks"} {
				res, data := rawRequest(t, srv, http.MethodGet, path+"?organization[sub_domain]="+url.QueryEscape(tt.value), staffToken, nil)
				wantError(t, res, data, katapult.CodeOrganizationNotFound)
				noWayne(t, data)
			}
			before := heldAddresses(t, e)
			body := `{"organization":{"sub_domain":` + labeltest.JSONString(tt.value) + `},"network":{"permalink":"` + wayneNetwork + `"},"version":"ipv4"}`
			res, data := rawRequest(t, srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses", staffToken, []byte(body))
			wantError(t, res, data, katapult.CodeOrganizationNotFound)
			noWayne(t, data)
			if after := heldAddresses(t, e); after != before {
				t.Errorf("addresses held went from %d to %d", before, after)
			}
		})
	}
}

// TestOddPathSegmentsFindNothing puts odd names where the object's path
// placeholder goes: not found (the object's, or no route for a path that
// is not clean), never the hidden organization.
func TestOddPathSegmentsFindNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		code       katapult.Code
	}{
		{"an encoded parent directory", "/core/v1/organizations/..%2Fwayne", katapult.CodeRouteNotFound},
		{"encoded dots", "/core/v1/organizations/%2e%2e/ip_addresses", katapult.CodeRouteNotFound},
		{"an encoded slash inside an id", "/core/v1/organizations/" + acmeID + "%2F..%2F" + wayneID, katapult.CodeRouteNotFound},
		{"an encoded slash at the end of an id", "/core/v1/organizations/" + wayneID + "%2F", katapult.CodeRouteNotFound},
		{"an encoded slash in the query lookup", "/core/v1/organizations/_?organization[sub_domain]=acme%2F..%2Fwayne", katapult.CodeOrganizationNotFound},
		{"the hidden organization's id", "/core/v1/organizations/" + wayneID, katapult.CodeOrganizationNotFound},
		{"the hidden organization's id for its addresses", "/core/v1/organizations/" + wayneID + "/ip_addresses", katapult.CodeOrganizationNotFound},
		{"a sub_domain where an id goes", "/core/v1/organizations/wayne/available_networks", katapult.CodeOrganizationNotFound},
		{"an overlong id", "/core/v1/organizations/org_" + strings.Repeat("A", 5000), katapult.CodeOrganizationNotFound},
		{"a unicode id", "/core/v1/organizations/org_%C3%A1cme", katapult.CodeOrganizationNotFound},
		{"a path id and the hidden one in the query", "/core/v1/organizations/" + acmeID + "?organization[id]=" + wayneID, katapult.CodeOrganizationNotFound},
	}
	srv := demoServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, data := rawRequest(t, srv, http.MethodGet, tt.path, staffToken, nil)
			wantError(t, res, data, tt.code)
			noWayne(t, data)
		})
	}
}

// noWayne fails the test if an answer shows the hidden organization.
func noWayne(t *testing.T, body []byte) {
	t.Helper()
	for _, s := range []string{wayneID, "Wayne"} {
		if strings.Contains(string(body), s) {
			t.Errorf("the answer shows %s: %s", s, body)
		}
	}
}

// repeated is an endless stream of one byte: a huge body that costs the
// test nothing to make.
type repeated byte

func (r repeated) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestHugeAndDeepBodiesAreRefusedQuicklyInBoundedMemory: a body of 8 MB
// and one nested 100000 arrays deep get invalid_json_body within a second
// or two, the engine reads no more than its cap (its allocations stay far
// below the body's size), and nothing is allocated. Not parallel: it
// measures the process's allocations.
func TestHugeAndDeepBodiesAreRefusedQuicklyInBoundedMemory(t *testing.T) {
	const (
		size    = 8 << 20
		maxTime = 3 * time.Second
		// maxAlloc is what the whole exchange, client included, may
		// allocate: the body cap (64 KiB) read a few times over, far below
		// the 8 MB or 200 KB sent.
		maxAlloc = 1 << 20
	)
	tests := []struct {
		name string
		body func() io.Reader
	}{
		{"8 MB of one label", func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"vip":true,"label":"`), io.LimitReader(repeated('a'), size), strings.NewReader(`"}`))
		}},
		{"8 MB of spaces before the object", func() io.Reader {
			return io.MultiReader(io.LimitReader(repeated(' '), size), strings.NewReader(`{}`))
		}},
		{"100000 nested arrays", func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"label":`), io.LimitReader(repeated('['), 100000),
				io.LimitReader(repeated(']'), 100000), strings.NewReader(`}`))
		}},
		{"100000 opened arrays never closed", func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"label":`), io.LimitReader(repeated('['), 100000))
		}},
		{"nested arrays within the size cap", func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"label":`), io.LimitReader(repeated('['), 30000),
				io.LimitReader(repeated(']'), 30000), strings.NewReader(`}`))
		}},
		{"nested objects within the size cap", func() io.Reader {
			return strings.NewReader(strings.Repeat(`{"a":`, 6000))
		}},
	}
	e := openEngine(t, Config{})
	srv := serve(t, e)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := heldAddresses(t, e)
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/core/v1/organizations/_/ip_addresses", tt.body())
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+staffToken)
			req.Header.Set("Content-Type", "application/json")
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			start := time.Now()
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			data, err := io.ReadAll(res.Body)
			res.Body.Close()
			took := time.Since(start)
			runtime.ReadMemStats(&m1)
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, res, data, katapult.CodeInvalidJSONBody)
			if took > maxTime {
				t.Errorf("answered in %v, want within %v", took, maxTime)
			}
			alloc := m1.TotalAlloc - m0.TotalAlloc
			t.Logf("answered in %v, allocating %d bytes", took, alloc)
			if alloc > maxAlloc {
				t.Errorf("the exchange allocated %d bytes, want at most %d", alloc, maxAlloc)
			}
			if after := heldAddresses(t, e); after != before {
				t.Errorf("addresses held went from %d to %d", before, after)
			}
		})
	}
}

// TestOddAddressLookupsEditAndReleaseNothing names an address as a broken
// client or an attacker may: each finds nothing (or is refused as an
// argument), and neither the edit nor the release touches the address.
func TestOddAddressLookupsEditAndReleaseNothing(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	srv := serve(t, e)
	ip := create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv6")) // 2001:db8:100::2
	held := heldAddresses(t, e)
	tests := []struct {
		name, path, lookup string
		code               katapult.Code
	}{
		{"the address with a zone", "_", `{"address":"2001:db8:100::2%eth0"}`, katapult.CodeIPAddressNotFound},
		{"the address with its mask", "_", `{"address":"2001:db8:100::2/48"}`, katapult.CodeIPAddressNotFound},
		{"the address in brackets", "_", `{"address":"[2001:db8:100::2]"}`, katapult.CodeIPAddressNotFound},
		{"the address and another key", "_", `{"address":"2001:db8:100::2","id":"ip_AAAAAAAAAAAAAAAA"}`, katapult.CodeIPAddressNotFound},
		{"an unknown key", "_", `{"name":"2001:db8:100::2"}`, katapult.CodeIPAddressNotFound},
		{"an empty lookup", "_", `{}`, katapult.CodeIPAddressNotFound},
		{"its id in another case", "_", `{"id":"` + strings.ToUpper(*ip.Id) + `"}`, katapult.CodeIPAddressNotFound},
		{"its id with a NUL", "_", `{"id":"` + *ip.Id + `\u0000"}`, katapult.CodeIPAddressNotFound},
		{"its id in the path and another in the body", *ip.Id, `{"id":"ip_AAAAAAAAAAAAAAAA"}`, katapult.CodeIPAddressNotFound},
		{"an array", "_", `["` + *ip.Id + `"]`, katapult.CodeInvalidArgument},
		{"a number", "_", `7`, katapult.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{http.MethodPatch, http.MethodDelete} {
				body := `{"ip_address":` + tt.lookup + `,"vip":true,"label":"odd"}`
				res, data := rawRequest(t, srv, method, "/core/v1/ip_addresses/"+tt.path, staffToken, []byte(body))
				wantError(t, res, data, tt.code)
			}
			got, ok := getAddress(t, client(t, srv, staffToken), *ip.Id)
			if !ok || *got.Vip || heldAddresses(t, e) != held {
				t.Errorf("the address after the odd lookups: found %v, vip %v; held %d, want %d", ok, ok && *got.Vip, heldAddresses(t, e), held)
			}
		})
	}
}
