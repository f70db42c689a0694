package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"ipdesk/katapult"
)

// TestEditAndReleaseAtTheEngine edits and releases addresses through the
// dashboard in front of the embedded engine, as ipdesk runs by default,
// and reads the outcome at the engine with Krystal's client.
func TestEditAndReleaseAtTheEngine(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	k := engineOf(t, e)
	a := k.create(staff, "acme")
	c := e.client()
	signInWith(c, staff)
	path := "/orgs/acme/ip-addresses/" + a.ID
	fetch := func() (katapult.IPAddress, error) {
		return k.api.IPAddress(context.Background(), katapult.Token(staff), a.ID)
	}

	// Edit: make it a VIP with a label and set its reverse DNS.
	form := c.get(path + "/edit").wantStatus(http.StatusOK).valuesOf(`form[data-testid="edit-form"]`)
	form.Set("vip", "on")
	form.Set("label", "mail-vip")
	form.Set("reverse_dns", "mail.acme.example.")
	p := c.post(path, form).wantStatus(http.StatusSeeOther)
	p = c.get(p.location()).wantStatus(http.StatusOK)
	if got := text(p.testid("result-notice")); got != "Changes saved." {
		t.Errorf("notice %q", got)
	}
	for id, want := range map[string]string{"result-vip": "Yes", "result-label": "mail-vip", "result-rdns": "mail.acme.example"} {
		if got := text(p.testid(id)); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	got, err := fetch()
	if err != nil || !got.VIP || got.Label != "mail-vip" || got.ReverseDNS != "mail.acme.example" {
		t.Fatalf("the engine holds %+v, %v", got, err)
	}

	// The list shows the label and VIP, and links to the page.
	list := c.get("/orgs/acme/ip-addresses").wantStatus(http.StatusOK)
	row := list.find(`[data-testid="address-row"][data-id="` + a.ID + `"]`)
	if text(row.Find(`[data-testid="address-label"]`)) != "mail-vip" || text(row.Find(`[data-testid="address-vip"]`)) != "VIP" ||
		row.Find(`[data-testid="address-link"]`).AttrOr("href", "") != path {
		t.Errorf("the list's row reads %q", text(row))
	}

	// A reverse DNS the rule refuses never reaches the engine.
	form = c.get(path + "/edit").wantStatus(http.StatusOK).valuesOf(`form[data-testid="edit-form"]`)
	form.Set("reverse_dns", "192.0.2.99")
	c.post(path, form).wantStatus(http.StatusUnprocessableEntity).wantError("reverse-dns-error", "", katapult.ReverseDNSNumeric)

	// Release, typing the address.
	form = c.get(path + "/release").wantStatus(http.StatusOK).valuesOf(`form[data-testid="release-form"]`)
	form.Set("confirm", a.Address)
	before := k.count(staff, "acme")
	p = c.post(path+"/release", form).wantStatus(http.StatusSeeOther)
	p = c.get(p.location()).wantStatus(http.StatusOK)
	if got := text(p.testid("list-flash")); !strings.HasPrefix(got, a.Address+" was released") {
		t.Errorf("the list says %q", got)
	}
	if n := k.count(staff, "acme"); n != before-1 {
		t.Errorf("ACME holds %d addresses after the release, want %d", n, before-1)
	}
	if _, err := fetch(); !errors.Is(err, katapult.ErrIPAddressNotFound) {
		t.Errorf("the released address is still found: %v", err)
	}
	c.get(path).wantStatus(http.StatusNotFound)
}

// TestTheEnginesRefusalOfEditAndReleaseIsExplained: a token that may only
// read addresses gets Katapult's reason on the form, and nothing changes.
func TestTheEnginesRefusalOfEditAndReleaseIsExplained(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	readonly := demoToken(t, tokens, "organizations:read", "ip_addresses:read")
	k := engineOf(t, e)
	a := k.create(staff, "acme")
	c := e.client()
	signInWith(c, readonly)
	path := "/orgs/acme/ip-addresses/" + a.ID
	want := katapult.Lookup(katapult.CodeScopeNotGranted).Message

	form := c.get(path + "/edit").wantStatus(http.StatusOK).valuesOf(`form[data-testid="edit-form"]`)
	form.Set("reverse_dns", "changed.example.com")
	c.post(path, form).wantStatus(http.StatusForbidden).wantError("", "scope_not_granted", want)
	form = c.get(path + "/release").wantStatus(http.StatusOK).valuesOf(`form[data-testid="release-form"]`)
	form.Set("confirm", a.Address)
	c.post(path+"/release", form).wantStatus(http.StatusForbidden).wantError("", "scope_not_granted", want)

	got, err := k.api.IPAddress(context.Background(), katapult.Token(staff), a.ID)
	if err != nil || got.ReverseDNS != a.ReverseDNS {
		t.Errorf("the address changed: %+v, %v", got, err)
	}
}

// TestTheSeedsHeldAddressesAtTheEngine: Globex holds a labelled VIP, an
// address attached to a virtual machine and one attached to a load
// balancer that refuses to let it go; Hooli's address is one the staff
// token may only look at.
func TestTheSeedsHeldAddressesAtTheEngine(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	c := e.client()
	signInWith(c, staff)

	list := c.get("/orgs/globex/ip-addresses").wantStatus(http.StatusOK)
	mail := list.find(`[data-testid="address-row"][data-id="ip_O3URCJH79dGkgz82"]`)
	if got := text(mail.Find(`[data-testid="address-label"]`)) + "/" + text(mail.Find(`[data-testid="address-vip"]`)); got != "Mail/VIP" {
		t.Errorf("Globex's mail VIP reads %q in the list", got)
	}
	allowance := c.get("/orgs/globex/allowance").wantStatus(http.StatusOK)
	if got := text(allowance.testid("allowance-text")); got != "1 of 5 unallocated addresses in use" {
		t.Errorf("Globex's allowance reads %q", got)
	}

	// The load balancer's address: Katapult refuses, and says why.
	lb := "/orgs/globex/ip-addresses/ip_1Skrbr0SjVvrmDJE"
	p := c.get(lb + "/release").wantStatus(http.StatusOK)
	if got := text(p.testid("release-allocation")); !strings.HasPrefix(got, "Attached to LoadBalancer") {
		t.Errorf("allocation %q", got)
	}
	form := p.valuesOf(`form[data-testid="release-form"]`)
	form.Set("confirm", "203.0.113.125")
	c.post(lb+"/release", form).wantStatus(http.StatusConflict).
		wantError("", "resource_does_not_support_unallocation", katapult.Lookup(katapult.CodeResourceDoesNotSupportUnallocation).Message)

	// Hooli's address may be looked at, not changed.
	hooli := "/orgs/hooli/ip-addresses/ip_3EFrFw7KE1roj6EM"
	form = c.get(hooli + "/edit").wantStatus(http.StatusOK).valuesOf(`form[data-testid="edit-form"]`)
	form.Set("reverse_dns", "www.hooli.example")
	c.post(hooli, form).wantStatus(http.StatusForbidden).
		wantError("", "permission_denied", katapult.Lookup(katapult.CodePermissionDenied).Message)
}

// TestTheAllowanceFollowsCreatesAndReleasesAtTheEngine: the form shows
// Globex's allowance from the cache once it was loaded, counts a create in
// at once, and after a release shows the engine's own count again.
func TestTheAllowanceFollowsCreatesAndReleasesAtTheEngine(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	c := e.client()
	signInWith(c, staff)
	allowance := func(page string) string {
		t.Helper()
		p := c.get(page).wantStatus(http.StatusOK)
		if p.testid("allowance-pending").Length() == 1 {
			p = c.get("/orgs/globex/allowance", htmx(e.srv.URL+page)).wantStatus(http.StatusOK)
		}
		return text(p.testid("allowance-text"))
	}
	if got := allowance("/orgs/globex/ip-addresses/new"); got != "1 of 5 unallocated addresses in use" {
		t.Fatalf("before: %q", got)
	}
	form := formOf(c, "globex")
	if got := text(c.get("/orgs/globex/ip-addresses/new").testid("allowance-text")); got != "1 of 5 unallocated addresses in use" {
		t.Errorf("the second form does not show the remembered allowance: %q", got)
	}
	p := c.post("/orgs/globex/ip-addresses", form).wantStatus(http.StatusSeeOther)
	created := c.get(p.location()).wantStatus(http.StatusOK)
	if got := text(c.get("/orgs/globex/ip-addresses/new").testid("allowance-text")); got != "2 of 5 unallocated addresses in use" {
		t.Errorf("after a create the form says %q", got)
	}
	id := created.one(`[data-testid="result-card"]`).AttrOr("data-id", "")
	addr := text(created.testid("result-address"))
	release := c.get("/orgs/globex/ip-addresses/" + id + "/release").wantStatus(http.StatusOK).valuesOf(`form[data-testid="release-form"]`)
	release.Set("confirm", addr)
	c.post("/orgs/globex/ip-addresses/"+id+"/release", release).wantStatus(http.StatusSeeOther)
	if got := allowance("/orgs/globex/ip-addresses"); got != "1 of 5 unallocated addresses in use" {
		t.Errorf("after the release: %q", got)
	}
}
