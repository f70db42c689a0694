package handlers_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"ipdesk/katapult"
)

func TestTheReleasePageNamesTheAddressItsOrganizationAndNetwork(t *testing.T) {
	t.Parallel()
	h := newHolding(t)
	_, c := signedIn(t, h.fakeAPI)
	page := c.get(acmePlainPath).wantStatus(http.StatusOK)
	if href := page.testid("address-release").AttrOr("href", ""); href != acmePlainPath+"/release" {
		t.Errorf("the address page's release link is %q", href)
	}
	p := c.get(acmePlainPath + "/release").wantStatus(http.StatusOK)
	checkAccessible(t, "release", p)
	for id, want := range map[string]string{
		"release-address": acmePlain.Address, "release-org": acme.Name,
		"release-network": "Edge Network uk-lon-01-edge", "release-allocation": "Not attached to anything",
		"release-submit": "Release " + acmePlain.Address,
	} {
		if got := text(p.testid(id)); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	v := p.valuesOf(`form[data-testid="release-form"]`)
	if v.Get("confirm") != "" || v.Get("_csrf") == "" {
		t.Errorf("the form holds %v, want an empty confirmation and the CSRF token", v)
	}
	if action := p.one(`form[data-testid="release-form"]`).AttrOr("action", ""); action != acmePlainPath+"/release" {
		t.Errorf("the form posts to %q", action)
	}
	if h.count("ReleaseIPAddress") != 0 {
		t.Errorf("opening the page released the address")
	}
}

func TestAReleaseNeedsTheAddressTyped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, typed string
		reference         string
		// wantError is the confirmation's error, "" when it releases.
		wantError string
	}{
		{name: "nothing typed", path: acmeVIPPath, typed: "  ", wantError: "Type the address to release it: 192.0.2.10."},
		{name: "another address", path: acmeVIPPath, typed: "192.0.2.11", wantError: "This is not the address to release"},
		{name: "another organization's address", path: acmeVIPPath, typed: globexOwn.Address, wantError: "This is not the address to release"},
		{name: "not an address", path: acmeVIPPath, typed: "yes", wantError: "This is not the address to release"},
		{name: "far too long", path: acmeVIPPath, typed: strings.Repeat("1", 100), wantError: "This is not the address to release"},
		{name: "a reference of two lines", path: acmeVIPPath, typed: "192.0.2.10", reference: "TCK-1\tTCK-2", wantError: "no tabs or line breaks"},
		{name: "the address", path: acmeVIPPath, typed: " 192.0.2.10 ", reference: " TCK-1 "},
		{name: "an IPv6 address written otherwise", path: acmePlainPath, typed: "2001:DB8:100:0::5"},
	}
	for _, tt := range tests {
		bothWays(t, tt.name, func(t *testing.T, viaHTMX bool) {
			h := newHolding(t)
			e, c := signedIn(t, h.fakeAPI)
			form := c.get(tt.path + "/release").wantStatus(http.StatusOK).valuesOf(`form[data-testid="release-form"]`)
			form.Set("confirm", tt.typed)
			form.Set("reference", tt.reference)
			p := c.post(tt.path+"/release", form, e.from(viaHTMX, tt.path+"/release")...)
			if tt.wantError != "" {
				p.wantStatus(http.StatusUnprocessableEntity)
				at := "confirm-error"
				if tt.reference != "" {
					at = "reference-error"
				}
				p.wantError(at, "", tt.wantError)
				if got := p.one("#confirm").AttrOr("value", ""); got != strings.TrimSpace(tt.typed) {
					t.Errorf("the typed %q is not kept: %q", tt.typed, got)
				}
				if got := p.one("#reference").AttrOr("value", ""); got != tt.reference {
					t.Errorf("the reference %q is not kept: %q", tt.reference, got)
				}
				if h.count("ReleaseIPAddress") != 0 {
					t.Errorf("released without the address typed")
				}
				checkAccessible(t, tt.name, p)
				return
			}
			if got := h.releases; len(got) != 1 || !strings.HasSuffix(tt.path, got[0]) {
				t.Fatalf("released %v", got)
			}
			if !viaHTMX {
				p.wantStatus(http.StatusSeeOther)
				if p.location() != "/orgs/acme/ip-addresses" {
					t.Fatalf("redirected to %q, want the address list", p.location())
				}
				p = c.get(p.location())
			}
			p.wantStatus(http.StatusOK)
			if viaHTMX && p.header.Get("HX-Push-Url") != "/orgs/acme/ip-addresses" {
				t.Errorf("htmx's answer pushes %q", p.header.Get("HX-Push-Url"))
			}
			p.one(`[data-testid="list-page"] [data-testid="allowance"]`)
			if got := text(p.testid("list-flash")); !strings.Contains(got, "was released") || !strings.Contains(got, map[string]string{
				acmeVIPPath: acmeVIP.Address, acmePlainPath: acmePlain.Address}[tt.path]) {
				t.Errorf("the list says %q", got)
			}
			if p.find(`[data-testid="address-row"]`).Length() != 1 {
				t.Errorf("the list shows %d addresses after the release", p.find(`[data-testid="address-row"]`).Length())
			}
			if !viaHTMX {
				if again := c.get("/orgs/acme/ip-addresses").wantStatus(http.StatusOK); again.testid("list-flash").Length() != 0 {
					t.Errorf("the notice shows again on a reload")
				}
				if other := c.get("/orgs/globex/ip-addresses").wantStatus(http.StatusOK); other.testid("list-flash").Length() != 0 {
					t.Errorf("another organization's list says ACME's address was released")
				}
			}
		})
	}
}

func TestKatapultsRefusalOfAReleaseIsExplainedOnThePage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantKind   string
		wantText   string
	}{
		{name: "held by a virtual machine", err: katapultErr(katapult.CodeResourceDoesNotSupportUnallocation, katapult.Detail{}),
			wantStatus: 409, wantKind: "resource_does_not_support_unallocation", wantText: "Detach the address"},
		{name: "a read-only token", err: katapultErr(katapult.CodePermissionDenied, katapult.Detail{}),
			wantStatus: 403, wantKind: "permission_denied", wantText: katapult.Lookup(katapult.CodePermissionDenied).Message},
		{name: "no answer", err: &katapult.UnavailableError{Op: katapult.OpReleaseIPAddress, Err: errors.New("reset")},
			wantStatus: 502, wantKind: "unavailable", wantText: "cannot tell whether the address was released"},
		{name: "an answer ipdesk cannot read", err: &katapult.Error{Status: 502, Code: katapult.CodeUnexpectedResponse},
			wantStatus: 502, wantKind: "unexpected_response", wantText: katapult.Lookup(katapult.CodeUnexpectedResponse).Message},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHolding(t)
			h.release = func(katapult.Token, string) error { return tt.err }
			e, c := signedIn(t, h.fakeAPI)
			form := c.get(acmeVIPPath + "/release").wantStatus(http.StatusOK).valuesOf(`form[data-testid="release-form"]`)
			form.Set("confirm", acmeVIP.Address)
			for _, hx := range [][]hdr{nil, {htmx(e.srv.URL + acmeVIPPath + "/release")}} {
				p := c.post(acmeVIPPath+"/release", form, hx...).wantStatus(tt.wantStatus)
				panel := p.one(`[data-testid="release-page"] [data-testid="error-panel"][data-problem="` + tt.wantKind + `"]`)
				if got := text(panel); !strings.Contains(got, tt.wantText) {
					t.Errorf("panel %q, want %q", got, tt.wantText)
				}
				if got := p.one("#confirm").AttrOr("value", ""); got != acmeVIP.Address {
					t.Errorf("the confirmation is not kept: %q", got)
				}
			}
		})
	}
}

func TestAnAttachedAddressIsSaidToBeAttachedBeforeItsRelease(t *testing.T) {
	t.Parallel()
	h := newHolding(t)
	a := h.addrs[acmeVIP.ID]
	a.AllocationID, a.AllocationType = "vm_Web0000000000001", "VirtualMachine"
	h.addrs[acmeVIP.ID] = a
	_, c := signedIn(t, h.fakeAPI)
	p := c.get(acmeVIPPath + "/release").wantStatus(http.StatusOK)
	if got := text(p.testid("release-allocation")); got != "Attached to VirtualMachine vm_Web0000000000001" {
		t.Errorf("allocation %q", got)
	}
	p.one(`[data-testid="release-attached"]`)
}
