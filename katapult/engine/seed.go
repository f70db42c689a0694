package engine

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"reflect"
)

// demoSeed is the built-in seed: documentation address ranges only, and
// every state the dashboard has to show.
//
//go:embed demo_seed.json
var demoSeed []byte

// SeedError is a seed the engine refuses to load. Item names the part of
// the seed at fault (`network "uk-lon-01-public"`), Problem says what is
// wrong with it.
type SeedError struct {
	Item    string
	Problem string
}

// Error reads "seed: <item>: <problem>".
func (e *SeedError) Error() string {
	return "seed: " + e.Item + ": " + e.Problem
}

func seedErr(item, format string, args ...any) error {
	return &SeedError{Item: item, Problem: fmt.Sprintf(format, args...)}
}

// The seed file's format (DESIGN.md, "Seed file"). Fields without a JSON tag
// are filled by validation.
type (
	seedFile struct {
		DataCenters   []*seedDataCenter   `json:"data_centers"`
		Networks      []*seedNetwork      `json:"networks"`
		Organizations []*seedOrganization `json:"organizations"`
		Tokens        []*seedToken        `json:"tokens"`
		// VirtualNetworks is optional: available_networks lists each
		// beside the networks, to its organization only.
		VirtualNetworks []*seedVirtualNetwork `json:"virtual_networks"`
	}
	seedDataCenter struct {
		ID        string      `json:"id"`
		Name      string      `json:"name"`
		Permalink string      `json:"permalink"`
		Country   seedCountry `json:"country"`
	}
	seedCountry struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		ISOCode2 string `json:"iso_code2"`
		ISOCode3 string `json:"iso_code3"`
		TimeZone string `json:"time_zone"`
		EU       bool   `json:"eu"`
	}
	seedNetwork struct {
		ID             string        `json:"id"`
		Name           string        `json:"name"`
		Permalink      string        `json:"permalink"`
		DataCenter     string        `json:"data_center"`
		Default        bool          `json:"default"`
		ReverseDNSZone string        `json:"reverse_dns_zone"`
		Subnets        []*seedSubnet `json:"subnets"`
		dataCenterID   string
	}
	seedSubnet struct {
		ID             string   `json:"id"` // optional: sbnt_…, generated if missing
		CIDR           string   `json:"cidr"`
		Gateway        string   `json:"gateway"`
		Reserved       []string `json:"reserved"`
		ReverseDNSZone string   `json:"reverse_dns_zone"`
		prefix         netip.Prefix
		gateway        netip.Addr   // the zero Addr when there is none
		zone           string       // the subnet's own zone, else the network's
		taken          []netip.Addr // gateway and reserved
		free           []addrRange
		network        *seedNetwork
		seq            int64 // set when the store has written it
	}
	seedOrganization struct {
		ID        string   `json:"id"`
		Name      string   `json:"name"`
		SubDomain string   `json:"sub_domain"`
		Activated bool     `json:"activated"`
		Suspended bool     `json:"suspended"`
		Networks  []string `json:"networks"`
		// MaxUnallocated is the organization's policy limit of
		// unallocated addresses; absent (nil) is unlimited.
		MaxUnallocated *int `json:"maximum_unallocated_ip_addresses"`
		// IPAddresses are addresses the organization already holds.
		IPAddresses []*seedIPAddress `json:"ip_addresses"`
		networkIDs  []string
	}
	// seedIPAddress is an address an organization holds when the store is
	// seeded, optionally attached to a resource.
	seedIPAddress struct {
		Address    string          `json:"address"`
		ID         string          `json:"id"`
		VIP        bool            `json:"vip"`
		Label      string          `json:"label"`
		ReverseDNS string          `json:"reverse_dns"`
		Allocation *seedAllocation `json:"allocation"`
		addr       netip.Addr
		subnet     *seedSubnet
	}
	seedAllocation struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Name string `json:"name"`
		// RefusesUnallocation makes the resource refuse to let the
		// address go: unallocate and release answer
		// resource_does_not_support_unallocation.
		RefusesUnallocation bool `json:"refuses_unallocation"`
	}
	seedVirtualNetwork struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		DataCenter     string `json:"data_center"`  // a data center's permalink
		Organization   string `json:"organization"` // the sub_domain of the one that has it
		dataCenterID   string
		organizationID string
	}
	seedToken struct {
		Token         string            `json:"token"`
		ID            string            `json:"id"`
		Name          string            `json:"name"`
		Scopes        []string          `json:"scopes"`
		Organizations map[string]string `json:"organizations"`
		// User is who the token belongs to; absent, GET /users/current
		// answers no_user_associated_with_identity.
		User   *seedUser              `json:"user"`
		access map[string]accessLevel // organization id → level
	}
	seedUser struct {
		ID        string `json:"id"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		AvatarURL string `json:"avatar_url"`
	}
)

// readSeed reads the seed file at path, or the built-in one when path is "",
// and validates it.
func readSeed(path string) (*seedFile, error) {
	data := demoSeed
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	s, err := parseSeed(data)
	var named *SeedError
	if errors.As(err, &named) {
		return nil, err
	}
	if err != nil {
		return nil, &SeedError{Item: seedName(path), Problem: err.Error()}
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// parseSeed decodes a seed strictly: an unknown field is a typo that would
// otherwise be silently ignored, and is refused as a *SeedError naming the
// item that holds it.
func parseSeed(data []byte) (*seedFile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the seed's JSON object")
	}
	if err := unknownField(tree, reflect.TypeFor[seedFile](), ""); err != nil {
		return nil, err
	}
	var s seedFile
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
