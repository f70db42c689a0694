package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ipdesk/katapult"
)

func TestResubmittedFormReturnsTheSameAddress(t *testing.T) {
	t.Parallel()
	api := newFake(t).creating()
	e, c := signedIn(t, api)
	form := formOf(c, "acme")

	first := c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther)
	// Back and submit again: a redirect to the same address.
	again := c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther)
	if again.location() != "/orgs/acme/ip-addresses/ip_Test000000000001?created=again" {
		t.Errorf("resubmit went to %q after %q", again.location(), first.location())
	}
	p := c.get(again.location()).wantStatus(http.StatusOK)
	p.one(`[data-testid="result-again"]`)
	// With htmx: the same card.
	p = c.post("/orgs/acme/ip-addresses", form, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK)
	if id, _ := p.one(`[data-testid="result-card"]`).Attr("data-id"); id != "ip_Test000000000001" {
		t.Errorf("htmx resubmit shows %q", id)
	}
	if n := api.count("CreateIPAddress"); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
	// A fresh form creates a new one.
	c.post("/orgs/acme/ip-addresses", formOf(c, "acme")).wantStatus(http.StatusSeeOther)
	if n := api.count("CreateIPAddress"); n != 2 {
		t.Errorf("%d creates after a fresh form, want 2", n)
	}
}

func TestConcurrentPostsOfOneFormCreateOnce(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	var creates atomic.Int32
	entered := make(chan struct{}, 10)
	release := make(chan struct{})
	api.create = func(_ katapult.Token, req katapult.CreateIPAddress) (katapult.IPAddress, error) {
		creates.Add(1)
		entered <- struct{}{}
		<-release
		return newAddress("ip_Concurrent000001", req), nil
	}
	_, c := signedIn(t, api)
	form := formOf(c, "acme")

	const posts = 5
	var wg sync.WaitGroup
	locs := make([]string, posts)
	for i := range posts {
		wg.Go(func() {
			p := c.post("/orgs/acme/ip-addresses", form)
			if p.status != http.StatusSeeOther {
				t.Errorf("post %d: status %d", i, p.status)
			}
			locs[i] = p.location()
		})
	}
	<-entered
	// Give the other posts time to reach the merge while the first create
	// is still running.
	time.Sleep(200 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := creates.Load(); n != 1 {
		t.Fatalf("%d creates for one form, want 1", n)
	}
	for i, l := range locs {
		if l != "/orgs/acme/ip-addresses/ip_Concurrent000001?created=1" {
			t.Errorf("post %d went to %q", i, l)
		}
	}
}

func TestUnknownOutcomeIsNeverCreatedAgain(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	api.create = func(katapult.Token, katapult.CreateIPAddress) (katapult.IPAddress, error) {
		return katapult.IPAddress{}, &katapult.OutcomeUnknownError{Err: context.DeadlineExceeded}
	}
	var pages []int
	api.ipAddresses = func(_ katapult.Token, ref katapult.OrgRef, page, per int) (katapult.IPAddressPage, error) {
		pages = append(pages, page)
		if ref != "acme" {
			return katapult.IPAddressPage{}, errors.New("wrong org")
		}
		last := katapult.IPAddress{ID: "ip_Page2Newest00001", Address: "192.0.2.9", ReverseDNS: "192-0-2-9.rdns.example.net"}
		if page == 1 {
			return katapult.IPAddressPage{Page: 1, PerPage: per, TotalPages: 2, Total: per + 1, Addresses: []katapult.IPAddress{{ID: "ip_Old"}}}, nil
		}
		return katapult.IPAddressPage{Page: 2, PerPage: per, TotalPages: 2, Total: per + 1, Addresses: []katapult.IPAddress{last}}, nil
	}
	e, c := signedIn(t, api)
	form := formOf(c, "acme")

	check := func(p *page) {
		t.Helper()
		p.one(`[data-testid="error-panel"][data-problem="outcome-unknown"]`)
		if href, _ := p.one(`[data-testid="create-new"]`).Attr("href"); href != "/orgs/acme/ip-addresses/new" {
			t.Errorf("create-new link %q", href)
		}
		if href, _ := p.one(`[data-testid="unknown-check"]`).Attr("href"); href != "/orgs/acme/ip-addresses" {
			t.Errorf("check link %q", href)
		}
		if id, _ := p.one(`[data-testid="address-row"]`).Attr("data-id"); id != "ip_Page2Newest00001" {
			t.Errorf("newest page not shown: %q", id)
		}
		if crumbs := text(p.one(`nav[aria-label="Breadcrumb"]`)); strings.Count(crumbs, "acme") != 1 {
			t.Errorf("breadcrumb %q", crumbs)
		}
	}
	check(c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusGatewayTimeout))
	check(c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusConflict))
	check(c.post("/orgs/acme/ip-addresses", form, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusConflict))
	if n := api.count("CreateIPAddress"); n != 1 {
		t.Errorf("%d creates, want 1: an unknown outcome is never retried", n)
	}
	if len(pages) != 6 || pages[1] != 2 {
		t.Errorf("list pages fetched %v", pages)
	}
}
