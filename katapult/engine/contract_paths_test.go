package engine

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ipdesk/katapult"
)

const acmeID = "org_sjMt88FToKYKC4TY"

func TestTheObjectsPathSegmentMayBeAPlaceholderOrItsID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string
	}{
		{"an underscore placeholder with a query lookup", "/core/v1/organizations/_?organization[sub_domain]=acme"},
		{"the argument's name as placeholder, as next/core sends", "/core/v1/organizations/organization?organization[sub_domain]=acme"},
		{"a colon and the argument's name, as an older generated client sends", "/core/v1/organizations/:organization?organization[sub_domain]=acme"},
		{"the object's id in the path alone", "/core/v1/organizations/" + acmeID},
		{"the object's id in the path and the same id in the query", "/core/v1/organizations/" + acmeID + "?organization[id]=" + acmeID},
		{"a lookup by id in the query", "/core/v1/organizations/_?organization[id]=" + acmeID},
		{"percent-encoded brackets", "/core/v1/organizations/_?organization%5Bsub_domain%5D=acme"},
	}
	srv := demoServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := rawRequest(t, srv, http.MethodGet, tt.path, staffToken, nil)
			wantStatus(t, res, body, http.StatusOK)
			var got struct {
				Organization struct {
					SubDomain string `json:"sub_domain"`
				} `json:"organization"`
			}
			if err := json.Unmarshal(body, &got); err != nil || got.Organization.SubDomain != "acme" {
				t.Errorf("organization = %s (%v)", body, err)
			}
		})
	}
}

func TestALookupWithTwoKeysOrNoMatchFindsNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string
		code katapult.Code
	}{
		{"two keys at once", "/core/v1/organizations/_?organization[sub_domain]=acme&organization[id]=" + acmeID, katapult.CodeOrganizationNotFound},
		{"one key given twice with different values", "/core/v1/organizations/_?organization[sub_domain]=acme&organization[sub_domain]=globex", katapult.CodeOrganizationNotFound},
		{"an id in the path and another key in the query", "/core/v1/organizations/" + acmeID + "?organization[sub_domain]=acme", katapult.CodeOrganizationNotFound},
		{"a path segment that is not an id", "/core/v1/organizations/acme", katapult.CodeOrganizationNotFound},
		{"a colon and another argument's name", "/core/v1/organizations/:network?organization[sub_domain]=acme", katapult.CodeOrganizationNotFound},
		{"a colon placeholder of a data center with a network's lookup", "/core/v1/data_centers/:network/default_network?data_center[permalink]=uk-lon-01", katapult.CodeDataCenterNotFound},
		{"an unknown key", "/core/v1/organizations/_?organization[name]=ACME%20Inc.", katapult.CodeOrganizationNotFound},
		{"an empty value", "/core/v1/organizations/_?organization[sub_domain]=", katapult.CodeOrganizationNotFound},
		{"a network by two keys", "/core/v1/networks/_?network[permalink]=uk-lon-01-public&network[id]=netw_eG0juXmwoO58rchd", katapult.CodeNetworkNotFound},
		{"a data center by its name", "/core/v1/data_centers/_?data_center[name]=London", katapult.CodeDataCenterNotFound},
	}
	srv := demoServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := rawRequest(t, srv, http.MethodGet, tt.path, staffToken, nil)
			wantError(t, res, body, tt.code)
		})
	}
}

func TestCreateTakesItsLookupsFromTheBodyOrTheOrganizationFromThePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		path   string
		body   string
		status int
		code   katapult.Code
	}{
		{"lookups in the body with the underscore placeholder", "/core/v1/organizations/_/ip_addresses",
			`{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":"ipv4"}`, http.StatusOK, ""},
		{"lookups by id in the body", "/core/v1/organizations/organization/ip_addresses",
			`{"organization":{"id":"` + acmeID + `"},"network":{"id":"netw_eG0juXmwoO58rchd"},"version":"ipv6"}`, http.StatusOK, ""},
		{"the organization's id in the path instead of the body", "/core/v1/organizations/" + acmeID + "/ip_addresses",
			`{"network":{"permalink":"uk-lon-01-public"},"version":"ipv4"}`, http.StatusOK, ""},
		{"an empty organization object matches nothing", "/core/v1/organizations/_/ip_addresses",
			`{"organization":{},"network":{"permalink":"uk-lon-01-public"},"version":"ipv4"}`, http.StatusNotFound, katapult.CodeOrganizationNotFound},
		{"a null key counts as absent", "/core/v1/organizations/_/ip_addresses",
			`{"organization":{"sub_domain":"acme","id":null},"network":{"permalink":"uk-lon-01-public"},"version":"ipv4"}`, http.StatusOK, ""},
		{"two network keys match nothing", "/core/v1/organizations/_/ip_addresses",
			`{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public","id":"netw_eG0juXmwoO58rchd"},"version":"ipv4"}`,
			http.StatusNotFound, katapult.CodeNetworkNotFound},
	}
	srv := demoServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := rawRequest(t, srv, http.MethodPost, tt.path, staffToken, []byte(tt.body))
			if tt.code != "" {
				wantError(t, res, body, tt.code)
				return
			}
			wantStatus(t, res, body, tt.status)
		})
	}
}

func TestEveryEndpointTakesItsObjectAsUnderscoreArgumentNameOrID(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	made := create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	const (
		londonPublic = "netw_eG0juXmwoO58rchd"
		london       = "loc_0KHcEf32jmxK4uDk"
	)
	// Each endpoint names its object in the path, {seg}, or by a query
	// lookup, {lookup}: as "_", as the argument's name, with brackets raw or
	// percent-encoded, or by its id in the path alone.
	endpoints := []struct {
		name, method, path, arg, key, value, id string
		body                                    string // for POST: the body without the organization
		want                                    string // in the answer
	}{
		{"an organization", "GET", "/core/v1/organizations/{seg}", "organization", "sub_domain", "acme", acmeID, "", acmeID},
		{"available networks", "GET", "/core/v1/organizations/{seg}/available_networks", "organization", "sub_domain", "acme", acmeID, "", londonPublic},
		{"an organization's addresses", "GET", "/core/v1/organizations/{seg}/ip_addresses", "organization", "sub_domain", "acme", acmeID, "", *made.Id},
		{"creating an address", "POST", "/core/v1/organizations/{seg}/ip_addresses", "organization", "sub_domain", "acme", acmeID,
			`"network":{"permalink":"uk-lon-01-public"},"version":"ipv6"`, `"address":"2001:db8:100::`},
		{"an address", "GET", "/core/v1/ip_addresses/{seg}", "ip_address", "address", *made.Address, *made.Id, "", *made.Id},
		{"a data center", "GET", "/core/v1/data_centers/{seg}", "data_center", "permalink", "uk-lon-01", london, "", london},
		{"a data center's default network", "GET", "/core/v1/data_centers/{seg}/default_network", "data_center", "permalink", "uk-lon-01", london, "", londonPublic},
		{"a network", "GET", "/core/v1/networks/{seg}", "network", "permalink", "uk-lon-01-public", londonPublic, "", londonPublic},
	}
	forms := []struct {
		name   string
		seg    string // "" means the object's id
		encode bool   // percent-encode the query's brackets
	}{
		{"underscore, raw brackets", "_", false},
		{"underscore, encoded brackets", "_", true},
		{"argument name, raw brackets", "arg", false},
		{"argument name, encoded brackets", "arg", true},
		{"colon and argument name, raw brackets", ":arg", false},
		{"colon and argument name, encoded brackets", ":arg", true},
		{"id in the path", "", false},
	}
	for _, ep := range endpoints {
		for _, f := range forms {
			t.Run(ep.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				seg := map[string]string{"_": "_", "arg": ep.arg, ":arg": ":" + ep.arg, "": ep.id}[f.seg]
				path := strings.Replace(ep.path, "{seg}", seg, 1)
				var body []byte
				if f.seg != "" {
					if ep.method == "GET" {
						key := ep.arg + "[" + ep.key + "]"
						if f.encode {
							key = url.QueryEscape(key)
						}
						path += "?" + key + "=" + url.QueryEscape(ep.value)
					} else {
						body = []byte(`{"` + ep.arg + `":{"` + ep.key + `":"` + ep.value + `"},` + ep.body + `}`)
					}
				} else if ep.method == "POST" {
					body = []byte(`{` + ep.body + `}`)
				}
				res, data := rawRequest(t, srv, ep.method, path, staffToken, body)
				wantStatus(t, res, data, http.StatusOK)
				if !strings.Contains(string(data), ep.want) {
					t.Errorf("%s %s answered %s, want it to hold %s", ep.method, path, data, ep.want)
				}
			})
		}
	}
}
