package engine

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	legacy "github.com/krystal/go-katapult/core"
	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

// The demo seed's addresses held from the start: globex's (one attached to
// a virtual machine, one to a load balancer that refuses to let it go, a
// VIP attached to nothing) and hooli's, which the staff token only views.
const (
	globexVMAddress   = "ip_Vh31HyZmD1RNiAtW" // 203.0.113.126, vm_VmtNUK2hhXh2dkhY "web-1"
	globexLBAddress   = "ip_1Skrbr0SjVvrmDJE" // 203.0.113.125, refuses unallocation
	globexMailAddress = "ip_O3URCJH79dGkgz82" // 203.0.113.124, VIP "Mail"
	hooliAddress      = "ip_3EFrFw7KE1roj6EM" // 203.0.113.254
)

func unallocate(t *testing.T, c *core.ClientWithResponses, id string) (*http.Response, []byte) {
	t.Helper()
	res, err := c.PostIpAddressUnallocateWithResponse(context.Background(), core.PostIpAddressUnallocateJSONRequestBody{
		IpAddress: core.IPAddressLookup{Id: &id}})
	if res == nil {
		t.Fatalf("unallocate %s: %v", id, err)
	}
	return res.HTTPResponse, res.Body
}

// allocationOf reads GET /ip_addresses/_'s allocation as the wire has it.
func allocationOf(t *testing.T, c *core.ClientWithResponses, id string) (*allocationJSON, core.IPAddress) {
	t.Helper()
	res, err := c.GetIpAddressWithResponse(context.Background(), &core.GetIpAddressParams{IpAddressId: &id})
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	var out struct {
		Allocation *allocationJSON `json:"allocation"`
	}
	if err := json.Unmarshal(res.Body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Allocation, res.JSON200.IpAddress
}

func TestTheDemoSeedsAllocatedAddressesShowTheirResource(t *testing.T) {
	t.Parallel()
	c := client(t, demoServer(t), readOnlyToken)
	al, ip := allocationOf(t, c, globexVMAddress)
	if al == nil || al.Type != "VirtualMachine" || al.Value.ID != "vm_VmtNUK2hhXh2dkhY" || al.Value.Name != "web-1" {
		t.Errorf("allocation = %+v", al)
	}
	if ip.AllocationType.MustGet() != "VirtualMachine" || ip.AllocationId.MustGet() != "vm_VmtNUK2hhXh2dkhY" || *ip.Address != "203.0.113.126" {
		t.Errorf("address = %s, allocation %v %v", *ip.Address, ip.AllocationType, ip.AllocationId)
	}
	al, ip = allocationOf(t, c, globexMailAddress)
	if al != nil || !ip.AllocationId.IsNull() || !*ip.Vip || label(ip) != "Mail" || *ip.ReverseDns != "mail.globex.example.net" {
		t.Errorf("the mail VIP: allocation %+v, %+v", al, ip)
	}
}

// TestTheAllocatedFilterSplitsTheList: allocated=true lists only addresses
// attached to a resource, allocated=false only the others, and the total
// counts what the filter lets through, as the dashboard reads the number
// of unallocated addresses in use.
func TestTheAllocatedFilterSplitsTheList(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	made := create(t, c, createBodyOf("globex", "uk-lon-01-public", "ipv4"))
	tests := []struct {
		name      string
		allocated *bool
		want      []string
	}{
		{"no filter", nil, []string{globexVMAddress, globexLBAddress, globexMailAddress, *made.Id}},
		{"allocated only", ptr(true), []string{globexVMAddress, globexLBAddress}},
		{"unallocated only", ptr(false), []string{globexMailAddress, *made.Id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, perPage := range []int{30, 1} {
				res, err := c.GetOrganizationIpAddressesWithResponse(context.Background(), &core.GetOrganizationIpAddressesParams{
					OrganizationSubDomain: ptr("globex"), Allocated: tt.allocated, PerPage: &perPage})
				if err != nil {
					t.Fatalf("list: %v", err)
				}
				p := res.JSON200.Pagination
				if p.Total.MustGet() != len(tt.want) || p.TotalPages.MustGet() != (len(tt.want)+perPage-1)/perPage {
					t.Errorf("per page %d: pagination %s", perPage, res.Body)
				}
				var got []string
				for _, ip := range res.JSON200.IpAddresses {
					got = append(got, *ip.Id)
				}
				if want := tt.want[:min(perPage, len(tt.want))]; !slices.Equal(got, want) {
					t.Errorf("per page %d: %v, want %v", perPage, got, want)
				}
			}
		})
	}
}

func TestUnallocateDetachesAnAddressAndKeepsIt(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	res, body := unallocate(t, c, globexVMAddress)
	wantStatus(t, res, body, http.StatusOK)
	if string(body) != "{}" {
		t.Errorf("unallocate answered %s, want {}", body)
	}
	al, ip := allocationOf(t, c, globexVMAddress)
	if al != nil || !ip.AllocationId.IsNull() || !ip.AllocationType.IsNull() || *ip.Address != "203.0.113.126" {
		t.Errorf("after unallocate: allocation %+v, address %+v", al, ip)
	}
	res, body = unallocate(t, c, globexVMAddress)
	wantError(t, res, body, katapult.CodeNoAllocation)
	res, body = unallocate(t, c, globexMailAddress)
	wantError(t, res, body, katapult.CodeNoAllocation)
}

func TestAResourceThatRefusesKeepsItsAddress(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	res, body := unallocate(t, c, globexLBAddress)
	wantError(t, res, body, katapult.CodeResourceDoesNotSupportUnallocation)
	dres, err := c.DeleteIpAddressWithResponse(context.Background(), core.DeleteIpAddressJSONRequestBody{
		IpAddress: core.IPAddressLookup{Address: ptr("203.0.113.125")}})
	if err == nil {
		t.Fatalf("released: %s", dres.Body)
	}
	wantError(t, dres.HTTPResponse, dres.Body, katapult.CodeResourceDoesNotSupportUnallocation)
	if al, _ := allocationOf(t, c, globexLBAddress); al == nil || al.Type != "LoadBalancer" {
		t.Errorf("the load balancer's address after the refusals: allocation %+v", al)
	}
}

// TestAReleaseDetachesAnAllocatedAddress: an address whose resource lets
// it go is released whole, and is handed out again.
func TestAReleaseDetachesAnAllocatedAddress(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	release(t, c, globexVMAddress)
	if _, ok := getAddress(t, c, globexVMAddress); ok {
		t.Fatal("still found after the release")
	}
	// 203.0.113.126 is now the lowest free address of Amsterdam's public
	// network after the ones created below it.
	for range 125 - 3 {
		create(t, c, createBodyOf("globex", "nl-ams-01-public", "ipv4"))
	}
	again := create(t, c, createBodyOf("globex", "nl-ams-01-public", "ipv4"))
	if *again.Address != "203.0.113.126" || !again.AllocationId.IsNull() {
		t.Errorf("the last free address is %s (allocation %v), want 203.0.113.126, unallocated", *again.Address, again.AllocationId)
	}
}

// TestTheHandWrittenClientUnallocatesAndReleases: go-katapult/core sends
// unallocate and delete with the lookup in the query and no body, and
// decodes each refusal by its code.
func TestTheHandWrittenClientUnallocatesAndReleases(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := legacyClient(t, srv, staffToken, "_")
	ctx := context.Background()
	if _, err := c.IPAddresses.Unallocate(ctx, legacy.IPAddressRef{ID: globexVMAddress}); err != nil {
		t.Fatalf("unallocate: %v", err)
	}
	ip, _, err := c.IPAddresses.GetByID(ctx, globexVMAddress)
	if err != nil || ip.AllocationID != "" || ip.AllocationType != "" {
		t.Errorf("after unallocate: %+v, %v", ip, err)
	}
	if _, err := c.IPAddresses.Unallocate(ctx, legacy.IPAddressRef{ID: globexVMAddress}); !errors.Is(err, legacy.ErrNoAllocation) {
		t.Errorf("unallocate again: %v, want no_allocation", err)
	}
	if _, err := c.IPAddresses.Unallocate(ctx, legacy.IPAddressRef{Address: "203.0.113.125"}); !errors.Is(err, legacy.ErrResourceDoesNotSupportUnallocation) {
		t.Errorf("unallocate the load balancer's: %v, want resource_does_not_support_unallocation", err)
	}
	if _, err := c.IPAddresses.Delete(ctx, legacy.IPAddressRef{ID: globexLBAddress}); !errors.Is(err, legacy.ErrResourceDoesNotSupportUnallocation) {
		t.Errorf("delete the load balancer's: %v, want resource_does_not_support_unallocation", err)
	}
	if _, err := c.IPAddresses.Delete(ctx, legacy.IPAddressRef{ID: globexVMAddress}); err != nil {
		t.Errorf("delete: %v", err)
	}
	if _, err := c.IPAddresses.Unallocate(ctx, legacy.IPAddressRef{ID: globexVMAddress}); !errors.Is(err, legacy.ErrIPAddressNotFound) {
		t.Errorf("unallocate a released address: %v, want ip_address_not_found", err)
	}
}

func TestEveryRefusalOfAnUnallocateComesWithItsCode(t *testing.T) {
	t.Parallel()
	// segment is the path's placeholder, and may be followed by a query.
	unallocateCall := func(token, segment, body string) call {
		seg, query, _ := strings.Cut(segment, "?")
		if query != "" {
			query = "?" + query
		}
		return sendCall(http.MethodPost, "/core/v1/ip_addresses/"+seg+"/unallocate"+query, token, body)
	}
	vm := `{"ip_address":{"id":"` + globexVMAddress + `"}}`
	wantErrors(t, demoServer(t), []errorCase{
		{"without a token", unallocateCall("", "_", vm), katapult.CodeMissingAPIToken, katapult.Detail{}},
		{"without the ip_addresses scope", unallocateCall(readOnlyToken, "_", vm), katapult.CodeScopeNotGranted,
			katapult.Detail{Scopes: []string{"ip_addresses"}}},
		{"without its lookup", unallocateCall(staffToken, "_", `{}`), katapult.CodeInvalidArgument,
			katapult.Detail{Argument: "ip_address", Issue: "missing_required_argument"}},
		{"an address that does not exist", unallocateCall(staffToken, "ip_AAAAAAAAAAAAAAAA", ""), katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"an organization the token does not hold", unallocateCall(noOrgsToken, "_", vm), katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"an organization the token only views", unallocateCall(staffToken, hooliAddress, ""), katapult.CodePermissionDenied,
			katapult.Detail{Details: "This API token may view this IP address's organization but not unallocate its IP addresses."}},
		{"an address attached to nothing", unallocateCall(staffToken, "_?ip_address[id]="+globexMailAddress, ""), katapult.CodeNoAllocation, katapult.Detail{}},
		{"a resource that refuses", unallocateCall(staffToken, globexLBAddress, ""), katapult.CodeResourceDoesNotSupportUnallocation, katapult.Detail{}},
		{"an edit of an address the token only views", editCall(staffToken, `{"ip_address":{"id":"`+hooliAddress+`"},"vip":false}`),
			katapult.CodePermissionDenied, katapult.Detail{}},
		{"a release of an address the token only views", releaseCall(staffToken, `{"ip_address":{"address":"203.0.113.254"}}`),
			katapult.CodePermissionDenied, katapult.Detail{}},
	})
}
