package katapult

import (
	"testing"
	"time"
)

func TestTheAllowanceIsCachedAndFollowsThisDashboardsCreatesAndReleases(t *testing.T) {
	t.Parallel()
	const otherUser = Token("kt-other-user-token")
	up, clk := newCountingAPI(), newClock()
	api := NewCache(up, time.Minute, clk.now)
	count := func(tok Token, org OrgRef) int {
		t.Helper()
		n, err := api.UnallocatedIPAddresses(t.Context(), tok, org)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	peek := func(tok Token, org OrgRef) (int, bool) { return api.CachedUnallocated(tok, org) }

	if _, ok := peek(testToken, "acme"); ok {
		t.Fatal("a cold cache has a count")
	}
	if _, ok := api.CachedPolicyLimits(testToken, "acme"); ok {
		t.Fatal("a cold cache has limits")
	}
	for _, tok := range []Token{testToken, otherUser} {
		if got := count(tok, "acme"); got != countingUnallocated {
			t.Fatalf("count %d", got)
		}
	}
	count(testToken, "globex")
	if _, err := api.PolicyLimits(t.Context(), testToken, "acme"); err != nil {
		t.Fatal(err)
	}
	if l, ok := api.CachedPolicyLimits(testToken, "acme"); !ok || l.UnallocatedIPAddresses.Value != 5 {
		t.Errorf("cached limits %+v, %v", l, ok)
	}

	// A create counts its address in, for its token and organization.
	if _, err := api.CreateIPAddress(t.Context(), testToken, CreateIPAddress{Organization: "acme", NetworkID: "netw_1", Version: IPv4}); err != nil {
		t.Fatal(err)
	}
	if got, ok := peek(testToken, "acme"); !ok || got != countingUnallocated+1 {
		t.Errorf("after a create the count is %d, %v, want %d", got, ok, countingUnallocated+1)
	}
	for _, other := range []struct {
		tok Token
		org OrgRef
	}{{otherUser, "acme"}, {testToken, "globex"}} {
		if got, _ := peek(other.tok, other.org); got != countingUnallocated {
			t.Errorf("a create in acme changed the count of %s in %s to %d", other.tok, other.org, got)
		}
	}

	// A release forgets the token's counts, whichever organization held
	// the address; the limits stay.
	if err := api.ReleaseIPAddress(t.Context(), testToken, "ip_1"); err != nil {
		t.Fatal(err)
	}
	for _, org := range []OrgRef{"acme", "globex"} {
		if _, ok := peek(testToken, org); ok {
			t.Errorf("the count of %s survived a release", org)
		}
	}
	if _, ok := peek(otherUser, "acme"); !ok {
		t.Errorf("a release forgot another token's count")
	}
	if _, ok := api.CachedPolicyLimits(testToken, "acme"); !ok {
		t.Errorf("a release forgot the limits")
	}
	if got := count(testToken, "acme"); got != countingUnallocated || up.n("unallocated") != 4 {
		t.Errorf("after a release the count is %d after %d fetches, want it fetched again", got, up.n("unallocated"))
	}

	// A count that expired is not counted up by a create.
	clk.advance(time.Minute)
	if _, err := api.CreateIPAddress(t.Context(), testToken, CreateIPAddress{Organization: "acme"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := peek(testToken, "acme"); ok {
		t.Errorf("an expired count came back after a create")
	}
	if up.n("limits") != 1 {
		t.Errorf("%d limit fetches, want 1: peeking never calls Katapult", up.n("limits"))
	}
}

func TestAChangedAddressIsNoLongerAnsweredFromItsCreate(t *testing.T) {
	t.Parallel()
	for _, change := range []struct {
		name string
		do   func(api API) error
	}{
		{"an update", func(api API) error {
			_, err := api.UpdateIPAddress(t.Context(), testToken, UpdateIPAddress{ID: "ip_1", Label: ptr("new")})
			return err
		}},
		{"a release", func(api API) error { return api.ReleaseIPAddress(t.Context(), testToken, "ip_1") }},
	} {
		t.Run(change.name, func(t *testing.T) {
			t.Parallel()
			up := newCountingAPI()
			api := NewCache(up, time.Minute, newClock().now)
			if _, err := api.CreateIPAddress(t.Context(), testToken, plainCreate); err != nil {
				t.Fatal(err)
			}
			if err := change.do(api); err != nil {
				t.Fatal(err)
			}
			got, err := api.IPAddress(t.Context(), testToken, "ip_1")
			if err != nil || got.Label != fetchedLabel {
				t.Errorf("after %s the address is %q, %v, want it fetched", change.name, got.Label, err)
			}
		})
	}
}
