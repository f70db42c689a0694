package engine

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	katapultapi "github.com/krystal/go-katapult"
	legacy "github.com/krystal/go-katapult/core"
	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

// legacyCode is the error code the hand-written client decoded from an
// answer's envelope (it keeps it on the response), "" when it decoded none.
func legacyCode(res *katapultapi.Response) katapult.Code {
	if res == nil || res.Error == nil {
		return ""
	}
	return katapult.Code(res.Error.Code)
}

// getAddress reads one address with the generated client; found is false
// for ip_address_not_found, and anything else fails the test.
func getAddress(t *testing.T, c *core.ClientWithResponses, id string) (core.IPAddress, bool) {
	t.Helper()
	res, err := c.GetIpAddressWithResponse(context.Background(), &core.GetIpAddressParams{IpAddressId: &id})
	if res != nil && res.StatusCode() == http.StatusNotFound {
		wantError(t, res.HTTPResponse, res.Body, katapult.CodeIPAddressNotFound)
		return core.IPAddress{}, false
	}
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	return res.JSON200.IpAddress, true
}

// patch sends a PATCH with the generated client and decodes the address.
func patch(t *testing.T, c *core.ClientWithResponses, body core.PatchIpAddressJSONRequestBody) core.IPAddress {
	t.Helper()
	res, err := c.PatchIpAddressWithResponse(context.Background(), body)
	if err != nil {
		t.Fatalf("patch: %v: %s", err, res.Body)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	return res.JSON200.IpAddress
}

func label(ip core.IPAddress) string {
	if ip.Label.IsNull() || !ip.Label.IsSpecified() {
		return "<null>"
	}
	return ip.Label.MustGet()
}

// TestTerraformsUpdateAndDestroyOfAnIPWorkWithTheGeneratedClient replays
// the calls Krystal's current Terraform provider (next/core) makes for a
// katapult_ip whose VIP and label change, then which is destroyed: PATCH
// and DELETE on /ip_addresses/ip_address with the lookup in the body,
// label "" beside vip false to drop the VIP, then a read that must find
// nothing.
func TestTerraformsUpdateAndDestroyOfAnIPWorkWithTheGeneratedClient(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	ip := create(t, c, createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	ref := core.IPAddressLookup{Id: ip.Id}

	steps := []struct {
		name      string
		body      core.PatchIpAddressJSONRequestBody
		vip       bool
		wantLabel string
	}{
		{"made a VIP with a label", core.PatchIpAddressJSONRequestBody{IpAddress: ref, Vip: ptr(true), Label: ptr("vip-yes")}, true, "vip-yes"},
		{"its label alone changes", core.PatchIpAddressJSONRequestBody{IpAddress: ref, Label: ptr("vip-oh-yes")}, true, "vip-oh-yes"},
		{"no longer a VIP, with an empty label", core.PatchIpAddressJSONRequestBody{IpAddress: ref, Vip: ptr(false), Label: ptr("")}, false, "<null>"},
	}
	for _, st := range steps {
		got := patch(t, c, st.body)
		if *got.Id != *ip.Id || *got.Address != *ip.Address || *got.Vip != st.vip || label(got) != st.wantLabel {
			t.Fatalf("%s: got %s vip %v label %s", st.name, *got.Address, *got.Vip, label(got))
		}
		read, ok := getAddress(t, c, *ip.Id)
		if !ok || *read.Vip != st.vip || label(read) != st.wantLabel || *read.ReverseDns != *ip.ReverseDns {
			t.Fatalf("%s: read back vip %v label %s", st.name, *read.Vip, label(read))
		}
	}

	res, err := c.DeleteIpAddressWithResponse(context.Background(), core.DeleteIpAddressJSONRequestBody{IpAddress: ref})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	if string(res.Body) != "{}" {
		t.Errorf("delete answered %s, want {}", res.Body)
	}
	if _, ok := getAddress(t, c, *ip.Id); ok {
		t.Error("the address released is still found")
	}
}

// TestTerraformsUpdateAndDestroyOfAnIPWorkWithTheHandWrittenClient replays
// what Krystal's first Terraform provider (go-katapult/core) sends: PATCH
// /ip_addresses/_ with the lookup in the body and vip false alone to drop
// the VIP, DELETE with the lookup in the query and no body.
func TestTerraformsUpdateAndDestroyOfAnIPWorkWithTheHandWrittenClient(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := legacyClient(t, srv, staffToken, "_")
	ctx := context.Background()
	ip, _, err := c.IPAddresses.Create(ctx, legacy.OrganizationRef{SubDomain: "acme"},
		&legacy.IPAddressCreateArguments{Network: legacy.NetworkRef{Permalink: "uk-lon-01-public"}, Version: legacy.IPv4})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	steps := []struct {
		name  string
		args  legacy.IPAddressUpdateArguments
		vip   bool
		label string
	}{
		{"made a VIP with a label", legacy.IPAddressUpdateArguments{VIP: ptr(true), Label: "vip-yes"}, true, "vip-yes"},
		{"its label alone changes", legacy.IPAddressUpdateArguments{Label: "vip-oh-yes"}, true, "vip-oh-yes"},
		{"no longer a VIP", legacy.IPAddressUpdateArguments{VIP: ptr(false)}, false, ""},
		{"its reverse DNS changes", legacy.IPAddressUpdateArguments{ReverseDNS: "mail.example.com"}, false, ""},
	}
	for _, st := range steps {
		got, _, err := c.IPAddresses.Update(ctx, ip.Ref(), &st.args)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got.ID != ip.ID || got.VIP != st.vip || got.Label != st.label {
			t.Fatalf("%s: got %+v", st.name, got)
		}
		read, _, err := c.IPAddresses.GetByID(ctx, ip.ID)
		if err != nil || read.VIP != st.vip || read.Label != st.label {
			t.Fatalf("%s: read back %+v, %v", st.name, read, err)
		}
	}
	if read, _, _ := c.IPAddresses.GetByID(ctx, ip.ID); read.ReverseDNS != "mail.example.com" {
		t.Errorf("reverse DNS = %q", read.ReverseDNS)
	}
	if _, err := c.IPAddresses.Delete(ctx, ip.Ref()); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, _, err = c.IPAddresses.GetByID(ctx, ip.ID)
	if !errors.Is(err, legacy.ErrIPAddressNotFound) {
		t.Errorf("read after delete: %v, want ip_address_not_found", err)
	}
	// Deleting it again finds nothing, by id or by address.
	for _, ref := range []legacy.IPAddressRef{ip.Ref(), {Address: ip.Address}} {
		if _, err := c.IPAddresses.Delete(ctx, ref); !errors.Is(err, legacy.ErrIPAddressNotFound) {
			t.Errorf("delete again by %+v: %v, want ip_address_not_found", ref, err)
		}
	}
}

// TestAnAddressIsFoundWhereverAClientPutsItsLookup: PATCH and DELETE take
// the address from the body (generated clients), the query (the
// hand-written client's DELETE), or the path segment as its id; by id or
// by address; the placeholder being "_", the argument's name or the id.
func TestAnAddressIsFoundWhereverAClientPutsItsLookup(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	byID := func(ip core.IPAddress) string { return `"ip_address":{"id":"` + *ip.Id + `"}` }
	none := func(core.IPAddress) string { return "" }
	shapes := []struct {
		name   string
		path   func(ip core.IPAddress) string
		lookup func(ip core.IPAddress) string // the body's lookup argument, if any
	}{
		{"body by id, placeholder _",
			func(core.IPAddress) string { return "/core/v1/ip_addresses/_" }, byID},
		{"body by address, placeholder the argument's name",
			func(core.IPAddress) string { return "/core/v1/ip_addresses/ip_address" },
			func(ip core.IPAddress) string { return `"ip_address":{"address":"` + *ip.Address + `"}` }},
		{"query by id",
			func(ip core.IPAddress) string { return "/core/v1/ip_addresses/_?ip_address[id]=" + *ip.Id }, none},
		{"query by address",
			func(ip core.IPAddress) string {
				return "/core/v1/ip_addresses/_?ip_address%5Baddress%5D=" + url.QueryEscape(*ip.Address)
			}, none},
		{"the id as the path segment",
			func(ip core.IPAddress) string { return "/core/v1/ip_addresses/" + *ip.Id }, none},
		{"the same id in the query and the body",
			func(ip core.IPAddress) string { return "/core/v1/ip_addresses/_?ip_address[id]=" + *ip.Id }, byID},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			t.Parallel()
			ip := create(t, c, createBodyOf("acme", "uk-lon-01-edge", "ipv6"))
			args := []string{`"vip":true`, `"label":"web"`, `"reverse_dns":"web.example.com"`}
			if lk := sh.lookup(ip); lk != "" {
				args = append(args, lk)
			}
			res, out := rawRequest(t, srv, http.MethodPatch, sh.path(ip), staffToken, []byte("{"+strings.Join(args, ",")+"}"))
			wantStatus(t, res, out, http.StatusOK)
			got, _ := getAddress(t, c, *ip.Id)
			if !*got.Vip || label(got) != "web" || *got.ReverseDns != "web.example.com" {
				t.Errorf("after the PATCH: vip %v, label %s, reverse DNS %s", *got.Vip, label(got), *got.ReverseDns)
			}
			var del []byte // no body at all, as the hand-written client sends
			if lk := sh.lookup(ip); lk != "" {
				del = []byte("{" + lk + "}")
			}
			res, out = rawRequest(t, srv, http.MethodDelete, sh.path(ip), staffToken, del)
			wantStatus(t, res, out, http.StatusOK)
			if _, ok := getAddress(t, c, *ip.Id); ok {
				t.Error("still found after the DELETE")
			}
		})
	}
}

// TestAnEditKeepsWhatItDoesNotName: a PATCH changes only the arguments it
// has; one with none answers the address as it is.
func TestAnEditKeepsWhatItDoesNotName(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	c := client(t, srv, staffToken)
	req := vip(createBodyOf("acme", "uk-lon-01-public", "ipv6"))
	req.Label = ptr("web")
	ip := create(t, c, req)
	ref := core.IPAddressLookup{Id: ip.Id}
	got := patch(t, c, core.PatchIpAddressJSONRequestBody{IpAddress: ref, ReverseDns: ptr(" host-1.example.net. ")})
	if *got.ReverseDns != "host-1.example.net" || !*got.Vip || label(got) != label(ip) {
		t.Errorf("after a reverse DNS edit: %s vip %v label %s", *got.ReverseDns, *got.Vip, label(got))
	}
	got = patch(t, c, core.PatchIpAddressJSONRequestBody{IpAddress: ref})
	if *got.ReverseDns != "host-1.example.net" || !*got.Vip || label(got) != label(ip) {
		t.Errorf("after an empty edit: %s vip %v label %s", *got.ReverseDns, *got.Vip, label(got))
	}
	res, body := rawRequest(t, srv, http.MethodPatch, "/core/v1/ip_addresses/_", staffToken,
		[]byte(`{"ip_address":{"id":"`+*ip.Id+`"},"vip":null,"label":null,"reverse_dns":null}`))
	wantStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), `"reverse_dns":"host-1.example.net"`) || !strings.Contains(string(body), `"vip":true`) {
		t.Errorf("nulls changed the address: %s", body)
	}
}
