package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// The bench's own seed, for the figures that need more than the demo
// seed gives: several users of one organization (figure 3) and a pool
// that takes 100,000 addresses and more (figures 5 and 7). It is shaped
// as the demo's acme: two data centers, a default network in each, IPv4
// from the benchmarking range 198.18.0.0/15 (RFC 2544) and IPv6 from the
// documentation range.

// benchOrg is the organization every figure creates in, as in the issue.
const benchOrg = "acme"

// benchNetwork is the network the creates use: London's default, whose
// /48 outlasts any run.
const benchNetwork = "uk-lon-01-public"

// benchUsers is how many tokens manage acme in the bench seed.
const benchUsers = 4

// benchToken is user i's API token.
func benchToken(i int) string { return fmt.Sprintf("bench-user-%02d", i) }

// writeBenchSeed writes the seed into dir and returns its path.
func writeBenchSeed(dir string) (string, error) {
	type obj = map[string]any
	var tokens []obj
	for i := range benchUsers {
		tokens = append(tokens, obj{
			"token": benchToken(i), "name": fmt.Sprintf("Bench user %d", i),
			"scopes": []string{"organizations:read", "ip_addresses"}, "organizations": obj{benchOrg: "manage"},
		})
	}
	b, err := json.MarshalIndent(obj{
		"data_centers": []obj{
			{"name": "London", "permalink": "uk-lon-01", "country": obj{
				"name": "United Kingdom", "iso_code2": "GB", "iso_code3": "GBR", "time_zone": "Europe/London", "eu": false}},
			{"name": "Amsterdam", "permalink": "nl-ams-01", "country": obj{
				"name": "Netherlands", "iso_code2": "NL", "iso_code3": "NLD", "time_zone": "Europe/Amsterdam", "eu": true}},
		},
		"networks": []obj{
			{"name": "Public Network", "permalink": benchNetwork, "data_center": "uk-lon-01", "default": true,
				"reverse_dns_zone": "rdns.example.net", "subnets": []obj{{"cidr": "198.18.0.0/16"}, {"cidr": "2001:db8:1000::/48"}}},
			{"name": "Public Network", "permalink": "nl-ams-01-public", "data_center": "nl-ams-01", "default": true,
				"reverse_dns_zone": "rdns.example.net", "subnets": []obj{{"cidr": "198.19.0.0/16"}, {"cidr": "2001:db8:2000::/48"}}},
		},
		"organizations": []obj{{"name": "ACME Inc.", "sub_domain": benchOrg, "activated": true,
			"networks": []string{benchNetwork, "nl-ams-01-public"}}},
		"tokens": tokens,
	}, "", " ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-seed.json")
	return path, os.WriteFile(path, b, 0o600)
}
