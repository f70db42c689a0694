package katapult

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// countingAPI is an upstream that counts its calls, answers per token, and
// can be made to fail or to wait.
type countingAPI struct {
	mu    sync.Mutex
	calls map[string]int
	fail  error         // returned while set
	gate  chan struct{} // when set, calls wait for it to close
	ctxs  []context.Context
}

func newCountingAPI() *countingAPI { return &countingAPI{calls: map[string]int{}} }

func (a *countingAPI) count(ctx context.Context, op string) error {
	a.mu.Lock()
	a.calls[op]++
	a.ctxs = append(a.ctxs, ctx)
	gate, fail := a.gate, a.fail
	a.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return fail
}

func (a *countingAPI) n(op string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[op]
}

func (a *countingAPI) Organizations(ctx context.Context, tok Token) ([]Organization, error) {
	if err := a.count(ctx, "orgs"); err != nil {
		return nil, err
	}
	return []Organization{{ID: "org_" + string(tok)[:3], Name: "seen by " + string(tok)[:3]}}, nil
}

func (a *countingAPI) Organization(ctx context.Context, tok Token, org OrgRef) (Organization, error) {
	if err := a.count(ctx, "org"); err != nil {
		return Organization{}, err
	}
	return Organization{SubDomain: string(org)}, nil
}

func (a *countingAPI) AvailableNetworks(ctx context.Context, tok Token, org OrgRef) ([]Network, error) {
	if err := a.count(ctx, "networks"); err != nil {
		return nil, err
	}
	return []Network{{ID: "netw_" + string(org)}}, nil
}

func (a *countingAPI) DataCenters(ctx context.Context, tok Token) ([]DataCenter, error) {
	if err := a.count(ctx, "dcs"); err != nil {
		return nil, err
	}
	return []DataCenter{{ID: "loc_1"}}, nil
}

func (a *countingAPI) CreateIPAddress(ctx context.Context, tok Token, req CreateIPAddress) (IPAddress, error) {
	if err := a.count(ctx, "create"); err != nil {
		return IPAddress{}, err
	}
	return IPAddress{ID: "ip_1", Label: createdLabel}, nil
}

func (a *countingAPI) IPAddress(ctx context.Context, tok Token, id string) (IPAddress, error) {
	return IPAddress{ID: id, Label: fetchedLabel}, a.count(ctx, "ip")
}

// The labels countingAPI gives an address, to tell where an answer came
// from.
const (
	createdLabel = "as the create answered"
	fetchedLabel = "as fetched"
)

func (a *countingAPI) IPAddresses(ctx context.Context, tok Token, org OrgRef, page, perPage int) (IPAddressPage, error) {
	return IPAddressPage{Page: page}, a.count(ctx, "ips")
}

func (a *countingAPI) UpdateIPAddress(ctx context.Context, tok Token, req UpdateIPAddress) (IPAddress, error) {
	return IPAddress{ID: req.ID, Label: "as updated"}, a.count(ctx, "update")
}

func (a *countingAPI) ReleaseIPAddress(ctx context.Context, tok Token, id string) error {
	return a.count(ctx, "release")
}

func (a *countingAPI) CurrentUser(ctx context.Context, tok Token) (User, error) {
	return User{ID: "user_counted"}, a.count(ctx, "user")
}

func (a *countingAPI) PolicyLimits(ctx context.Context, tok Token, org OrgRef) (PolicyLimits, error) {
	return PolicyLimits{UnallocatedIPAddresses: Limit{Value: 5}}, a.count(ctx, "limits")
}

// countingUnallocated is how many unallocated addresses countingAPI says
// every organization holds.
const countingUnallocated = 3

func (a *countingAPI) UnallocatedIPAddresses(ctx context.Context, tok Token, org OrgRef) (int, error) {
	return countingUnallocated, a.count(ctx, "unallocated")
}

// clock is a settable now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newClock() *clock { return &clock{t: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)} }

// cachedCalls are the cached operations, by the name countingAPI counts
// them under.
var cachedCalls = []struct {
	op   string
	call func(ctx context.Context, api API, tok Token) error
}{
	{"orgs", func(ctx context.Context, api API, tok Token) error { _, err := api.Organizations(ctx, tok); return err }},
	{"org", func(ctx context.Context, api API, tok Token) error {
		_, err := api.Organization(ctx, tok, "acme")
		return err
	}},
	{"networks", func(ctx context.Context, api API, tok Token) error {
		_, err := api.AvailableNetworks(ctx, tok, "acme")
		return err
	}},
	{"dcs", func(ctx context.Context, api API, tok Token) error { _, err := api.DataCenters(ctx, tok); return err }},
	{"limits", func(ctx context.Context, api API, tok Token) error {
		_, err := api.PolicyLimits(ctx, tok, "acme")
		return err
	}},
	{"unallocated", func(ctx context.Context, api API, tok Token) error {
		_, err := api.UnallocatedIPAddresses(ctx, tok, "acme")
		return err
	}},
}

func TestTheCacheAnswersWithinItsTTLAndAsksAgainAfter(t *testing.T) {
	t.Parallel()
	for _, cc := range cachedCalls {
		t.Run(cc.op, func(t *testing.T) {
			t.Parallel()
			up, clk := newCountingAPI(), newClock()
			api := NewCache(up, time.Minute, clk.now)
			steps := []struct {
				advance time.Duration
				calls   int
			}{
				{0, 1},
				{30 * time.Second, 1},
				{29 * time.Second, 1},
				{time.Second, 2}, // a minute after the first fetch began
				{59 * time.Second, 2},
			}
			for i, s := range steps {
				clk.advance(s.advance)
				if err := cc.call(t.Context(), api, testToken); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if got := up.n(cc.op); got != s.calls {
					t.Errorf("step %d: %d upstream calls, want %d", i, got, s.calls)
				}
			}
		})
	}
}

func TestTheCacheMergesConcurrentIdenticalFetchesIntoOne(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		up := newCountingAPI()
		up.gate = make(chan struct{})
		api := NewCache(up, time.Minute, nil)
		const n = 8
		results := make(chan []Organization, n)
		for range n {
			go func() {
				orgs, err := api.Organizations(t.Context(), testToken)
				if err != nil {
					t.Error(err)
				}
				results <- orgs
			}()
		}
		synctest.Wait() // all n are waiting: one upstream, the rest on it
		if got := up.n("orgs"); got != 1 {
			t.Errorf("%d upstream calls while waiting, want 1", got)
		}
		close(up.gate)
		for range n {
			if orgs := <-results; len(orgs) != 1 || orgs[0].ID != "org_kt-" {
				t.Errorf("got %v", orgs)
			}
		}
		if got := up.n("orgs"); got != 1 {
			t.Errorf("%d upstream calls, want 1", got)
		}
	})
}

func TestTheCacheKeepsNoErrors(t *testing.T) {
	t.Parallel()
	for _, cc := range cachedCalls {
		t.Run(cc.op, func(t *testing.T) {
			t.Parallel()
			up := newCountingAPI()
			up.fail = NewError(CodeServiceUnavailable, Detail{})
			api := NewCache(up, time.Minute, newClock().now)
			err := cc.call(t.Context(), api, testToken)
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable {
				t.Fatalf("err = %v", err)
			}
			up.mu.Lock()
			up.fail = nil
			up.mu.Unlock()
			for range 2 {
				if err := cc.call(t.Context(), api, testToken); err != nil {
					t.Fatal(err)
				}
			}
			if got := up.n(cc.op); got != 2 {
				t.Errorf("%d upstream calls, want 2 (the error, then one success)", got)
			}
		})
	}
}

func TestTheCacheKeepsEachTokensAnswersApart(t *testing.T) {
	t.Parallel()
	up := newCountingAPI()
	api := NewCache(up, time.Minute, newClock().now)
	a, err := api.Organizations(t.Context(), "aaa-token")
	if err != nil {
		t.Fatal(err)
	}
	b, err := api.Organizations(t.Context(), "bbb-token")
	if err != nil {
		t.Fatal(err)
	}
	if a[0].ID != "org_aaa" || b[0].ID != "org_bbb" || up.n("orgs") != 2 {
		t.Errorf("a %v, b %v, %d upstream calls", a, b, up.n("orgs"))
	}
	if again, _ := api.Organizations(t.Context(), "aaa-token"); again[0].ID != "org_aaa" || up.n("orgs") != 2 {
		t.Errorf("a again %v, %d upstream calls", again, up.n("orgs"))
	}
}

func TestTheCacheKeepsEachOrganizationApart(t *testing.T) {
	t.Parallel()
	up := newCountingAPI()
	api := NewCache(up, time.Minute, newClock().now)
	for _, org := range []OrgRef{"acme", "globex", "acme"} {
		got, err := api.AvailableNetworks(t.Context(), testToken, org)
		if err != nil || got[0].ID != "netw_"+string(org) {
			t.Errorf("%s: %v, %v", org, got, err)
		}
	}
	if got := up.n("networks"); got != 2 {
		t.Errorf("%d upstream calls, want 2", got)
	}
}

func TestTheCachePassesCreatesAndAddressesStraightThrough(t *testing.T) {
	t.Parallel()
	up := newCountingAPI()
	api := NewCache(up, time.Minute, newClock().now)
	for range 3 {
		if _, err := api.CreateIPAddress(t.Context(), testToken, plainCreate); err != nil {
			t.Fatal(err)
		}
		// Another address than the one just created (created_test.go
		// has that one).
		if _, err := api.IPAddress(t.Context(), testToken, "ip_2"); err != nil {
			t.Fatal(err)
		}
		if _, err := api.IPAddresses(t.Context(), testToken, "acme", 1, 30); err != nil {
			t.Fatal(err)
		}
	}
	for _, op := range []string{"create", "ip", "ips"} {
		if got := up.n(op); got != 3 {
			t.Errorf("%s: %d upstream calls, want 3", op, got)
		}
	}
}

func TestTheCacheHandsOutCopiesThatCallersMayChange(t *testing.T) {
	t.Parallel()
	api := NewCache(newCountingAPI(), time.Minute, newClock().now)
	first, _ := api.DataCenters(t.Context(), testToken)
	first[0].ID = "changed by a caller"
	second, _ := api.DataCenters(t.Context(), testToken)
	if second[0].ID != "loc_1" {
		t.Errorf("the cached list was changed: %v", second)
	}
}

func TestTheCacheIsBoundedAndDropsExpiredEntries(t *testing.T) {
	t.Parallel()
	clk := newClock()
	c := newCache(newCountingAPI(), time.Minute, clk.now, 3)
	for _, org := range []OrgRef{"a", "b", "c", "d", "e"} {
		if _, err := c.Organization(t.Context(), testToken, org); err != nil {
			t.Fatal(err)
		}
		clk.advance(time.Second)
	}
	if n := len(c.entries); n != 3 || c.order.Len() != 3 {
		t.Errorf("%d entries (%d in order), want 3", n, c.order.Len())
	}
	if _, ok := c.get(cacheKey(testToken, opGetOrganization, "a")); ok {
		t.Error("the oldest entry was kept")
	}
	clk.advance(time.Hour)
	if _, err := c.DataCenters(t.Context(), testToken); err != nil {
		t.Fatal(err)
	}
	if n := len(c.entries); n != 1 {
		t.Errorf("%d entries after the others expired, want 1", n)
	}
}

func TestTheCacheHoldsNoRawToken(t *testing.T) {
	t.Parallel()
	c := newCache(newCountingAPI(), time.Minute, newClock().now, 10)
	if _, err := c.Organizations(t.Context(), testToken); err != nil {
		t.Fatal(err)
	}
	for key := range c.entries {
		if strings.Contains(key, string(testToken)) {
			t.Error("a key holds the token")
		}
	}
}

func TestACallerLeavingDoesNotFailTheOthersWaitingOnTheSameFetch(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		up := newCountingAPI()
		up.gate = make(chan struct{})
		api := NewCache(up, time.Minute, nil)
		leaving, leave := context.WithCancel(t.Context())
		first := make(chan error, 1)
		go func() {
			_, err := api.Organizations(leaving, testToken)
			first <- err
		}()
		synctest.Wait()
		second := make(chan error, 1)
		go func() {
			_, err := api.Organizations(t.Context(), testToken)
			second <- err
		}()
		synctest.Wait()
		leave()
		err := <-first
		assertNoAnswer(t, err, false)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the leaving caller got %v", err)
		}
		close(up.gate)
		if err := <-second; err != nil {
			t.Errorf("the staying caller got %v", err)
		}
		if up.ctxs[0].Err() != nil || up.n("orgs") != 1 {
			t.Errorf("upstream context %v, %d calls", up.ctxs[0].Err(), up.n("orgs"))
		}
	})
}

func TestACacheWithoutTTLKeepsNothing(t *testing.T) {
	t.Parallel()
	up := newCountingAPI()
	api := NewCache(up, 0, nil)
	for range 2 {
		if _, err := api.Organizations(t.Context(), testToken); err != nil {
			t.Fatal(err)
		}
	}
	if got := up.n("orgs"); got != 2 {
		t.Errorf("%d upstream calls for two lists, want 2", got)
	}
	if _, ok := api.CachedOrganizations(testToken); ok {
		t.Errorf("a cache without ttl holds a list")
	}
}

func TestCachedOrganizationsAnswersFromMemoryOnly(t *testing.T) {
	t.Parallel()
	up, clk := newCountingAPI(), newClock()
	c := newCache(up, time.Minute, clk.now, maxCacheEntries)
	if orgs, ok := c.CachedOrganizations(testToken); ok || orgs != nil {
		t.Fatalf("a cold cache answered %v", orgs)
	}
	if _, err := c.Organizations(t.Context(), testToken); err != nil {
		t.Fatal(err)
	}
	orgs, ok := c.CachedOrganizations(testToken)
	if !ok || len(orgs) != 1 || orgs[0].ID != "org_"+string(testToken)[:3] {
		t.Fatalf("a warm cache answered %v, %v", orgs, ok)
	}
	orgs[0].Name = "changed by a caller"
	if again, _ := c.CachedOrganizations(testToken); again[0].Name == "changed by a caller" {
		t.Errorf("the cached list was changed through a copy")
	}
	if _, ok := c.CachedOrganizations("another-token"); ok {
		t.Errorf("another token's list was handed out")
	}
	clk.advance(time.Minute)
	if _, ok := c.CachedOrganizations(testToken); ok {
		t.Errorf("an expired list was handed out")
	}
	if got := up.n("orgs"); got != 1 {
		t.Errorf("%d upstream calls, want 1: peeking never calls Katapult", got)
	}
}
