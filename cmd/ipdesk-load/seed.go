package main

import (
	"encoding/json"
	"fmt"
)

// The load seed: two data centers with one network each, every network a
// /16 of IPv4 from the benchmarking range 198.18.0.0/15 (RFC 2544) and a
// /48 of documentation IPv6, so that pools outlast the longest run; the
// organizations the users create in; one token per user, and one for the
// final audit.

// seedNetworks are the networks every organization may use.
var seedNetworks = []struct {
	permalink, dataCenter, ipv4, ipv6 string
}{
	{"uk-lon-01-public", "uk-lon-01", "198.18.0.0/16", "2001:db8:1000::/48"},
	{"nl-ams-01-public", "nl-ams-01", "198.19.0.0/16", "2001:db8:2000::/48"},
}

// auditToken reads every organization's addresses at the end; it may not
// create.
const auditToken = "load-auditor"

// userToken is user i's own API token.
func userToken(i int) string { return fmt.Sprintf("load-user-%04d", i) }

// orgName is organization i's sub_domain.
func orgName(i int) string { return fmt.Sprintf("load-%02d", i) }

// loadSeed is the seed file of a run, in the format of DESIGN.md.
func loadSeed(users, orgs int) ([]byte, error) {
	type obj = map[string]any
	var networks, orgList, tokens []obj
	var nets []string // every organization may use every network
	for _, n := range seedNetworks {
		networks = append(networks, obj{
			"name": "Public Network", "permalink": n.permalink, "data_center": n.dataCenter,
			"default": true, "reverse_dns_zone": "rdns.example.net",
			"subnets": []obj{{"cidr": n.ipv4}, {"cidr": n.ipv6}},
		})
		nets = append(nets, n.permalink)
	}
	manage, view := obj{}, obj{}
	for i := range orgs {
		orgList = append(orgList, obj{
			"name": fmt.Sprintf("Load Customer %02d", i), "sub_domain": orgName(i), "activated": true, "networks": nets,
		})
		manage[orgName(i)], view[orgName(i)] = "manage", "view"
	}
	for i := range users {
		tokens = append(tokens, obj{
			"token": userToken(i), "name": fmt.Sprintf("Load user %d", i),
			"scopes": []string{"organizations:read", "ip_addresses"}, "organizations": manage,
		})
	}
	tokens = append(tokens, obj{
		"token": auditToken, "name": "Load auditor",
		"scopes": []string{"organizations:read", "ip_addresses:read"}, "organizations": view,
	})
	return json.MarshalIndent(obj{
		"data_centers": []obj{
			{"name": "London", "permalink": "uk-lon-01", "country": obj{
				"name": "United Kingdom", "iso_code2": "GB", "iso_code3": "GBR", "time_zone": "Europe/London", "eu": false}},
			{"name": "Amsterdam", "permalink": "nl-ams-01", "country": obj{
				"name": "Netherlands", "iso_code2": "NL", "iso_code3": "NLD", "time_zone": "Europe/Amsterdam", "eu": true}},
		},
		"networks":      networks,
		"organizations": orgList,
		"tokens":        tokens,
	}, "", " ")
}
