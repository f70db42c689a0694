package katapult

import (
	"container/list"
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	// maxCacheEntries bounds the cache. A signed-in user needs a few
	// entries (organizations, data centers, one organization and its
	// networks per form opened, an address just created), so this covers
	// far more staff than work at once.
	maxCacheEntries = 10_000
	// sharedDataCentersTTL is how long the data center list shared by all
	// tokens is kept. Katapult answers every token with the same list, and
	// it changes when a data center opens: rarely. The form only names
	// each group's country from it (networks name their data center
	// themselves), so a list some minutes old costs nothing, while every
	// user's first form saves a call.
	sharedDataCentersTTL = 10 * time.Minute
	// createdTTL is how long the answer of a create stands in for the
	// address (never longer than the cache's ttl): long enough for the
	// page a plain post is redirected to, short enough that a reload shows
	// what changed since. It is also handed out once only.
	createdTTL = 30 * time.Second
)

// NewCache wraps api so that Organizations, Organization, AvailableNetworks
// and DataCenters are remembered per token for ttl: a page view needs them
// again and again, and Katapult allows 1000 requests a minute per token.
// Concurrent identical fetches of one token are merged into one. Errors are
// never kept. Entries are keyed by a hash of the token, never by the token.
// A ttl of zero or less returns api itself; a nil now means time.Now.
//
// Two answers serve beyond their token, and only where that spends a call
// for nothing:
//   - The data center list is the same for every token, so one list is
//     also kept for all, for at least sharedDataCentersTTL. Katapult gives
//     it only to a valid token, so it is handed only to a token whose own
//     organization list the cache holds: Katapult accepted that token
//     within ttl (signing in and every organization's page ask for that
//     list first). Any other token fetches it with its own call, and gets
//     Katapult's own answer, refusal included.
//   - A created address is what the create answered, and the page a plain
//     post is redirected to shows just that: IPAddress answers it once, to
//     the token that created it, within createdTTL.
//
// IPAddresses and every other IPAddress go straight through: they must be
// fresh.
//
// A merged fetch runs on the context of the caller that started it, minus its
// cancellation (it keeps its deadline and values), so that one user leaving
// does not fail the others; each caller still stops waiting when its own
// context ends. api must therefore bound its own calls, as Client does.
//
// A ttl of zero or less keeps nothing: every call reaches api (concurrent
// identical fetches are still merged).
func NewCache(api API, ttl time.Duration, now func() time.Time) *Cache {
	return newCache(api, max(ttl, 0), now, maxCacheEntries)
}

func newCache(api API, ttl time.Duration, now func() time.Time, maxEntries int) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{
		api:     api,
		ttl:     ttl,
		now:     now,
		max:     max(maxEntries, 1),
		entries: map[string]*list.Element{},
		order:   list.New(),
	}
}

// Cache is the port with a per-token memory in front (NewCache). Beyond
// the port it tells what it holds without asking Katapult.
type Cache struct {
	api   API
	ttl   time.Duration
	now   func() time.Time
	max   int
	group singleflight.Group

	mu      sync.Mutex
	entries map[string]*list.Element // of *cacheEntry
	order   *list.List               // oldest first, so nearly the first to expire
	// dataCenters is the list shared by all tokens, kept until
	// dataCentersUntil; see NewCache.
	dataCenters      []DataCenter
	dataCentersUntil time.Time
}

// Cache is the port.
var _ API = (*Cache)(nil)

type cacheEntry struct {
	key     string
	value   any
	expires time.Time
}

// Organizations lists the organizations the token can see, cached.
func (c *Cache) Organizations(ctx context.Context, tok Token) ([]Organization, error) {
	return cached(ctx, c, tok, opListOrganizations, "", slices.Clone[[]Organization],
		func(ctx context.Context) ([]Organization, error) { return c.api.Organizations(ctx, tok) })
}

// Organization fetches one organization, cached per reference.
func (c *Cache) Organization(ctx context.Context, tok Token, org OrgRef) (Organization, error) {
	return cached(ctx, c, tok, opGetOrganization, string(org), same[Organization],
		func(ctx context.Context) (Organization, error) { return c.api.Organization(ctx, tok, org) })
}

// AvailableNetworks lists the organization's networks, cached.
func (c *Cache) AvailableNetworks(ctx context.Context, tok Token, org OrgRef) ([]Network, error) {
	return cached(ctx, c, tok, opListAvailableNetworks, string(org), slices.Clone[[]Network],
		func(ctx context.Context) ([]Network, error) { return c.api.AvailableNetworks(ctx, tok, org) })
}

// DataCenters lists the data centers: the token's own cached list, else the
// list shared by all tokens if Katapult accepted this one lately, else a
// fetch with this token, which renews both.
func (c *Cache) DataCenters(ctx context.Context, tok Token) ([]DataCenter, error) {
	if dcs, ok := c.sharedDataCenters(tok); ok {
		return dcs, nil
	}
	return cached(ctx, c, tok, opListDataCenters, "", slices.Clone[[]DataCenter],
		func(ctx context.Context) ([]DataCenter, error) {
			started := c.now()
			dcs, err := c.api.DataCenters(ctx, tok)
			if err == nil {
				c.shareDataCenters(dcs, started)
			}
			return dcs, err
		})
}

// sharedDataCenters is the list kept for all tokens, if it is fresh and
// the token's own organization list is in the cache: only a token that
// Katapult accepted within ttl may skip its own call.
func (c *Cache) sharedDataCenters(tok Token) ([]DataCenter, bool) {
	if _, accepted := c.get(cacheKey(tok, opListOrganizations, "")); !accepted {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.now().Before(c.dataCentersUntil) { // never kept, or too old
		return nil, false
	}
	return slices.Clone(c.dataCenters), true
}

// shareDataCenters keeps a list fetched at started for all tokens, unless
// a list fetched later is kept already.
func (c *Cache) shareDataCenters(dcs []DataCenter, started time.Time) {
	until := started.Add(max(c.ttl, sharedDataCentersTTL))
	c.mu.Lock()
	defer c.mu.Unlock()
	if until.Before(c.dataCentersUntil) {
		return
	}
	c.dataCenters, c.dataCentersUntil = slices.Clone(dcs), until
}

// CachedOrganizations is the token's organization list if the cache holds a
// fresh one, and never calls Katapult: a page with a call budget (the result
// after a create) names the organization with it when it can.
func (c *Cache) CachedOrganizations(tok Token) ([]Organization, bool) {
	v, ok := c.get(cacheKey(tok, opListOrganizations, ""))
	if !ok {
		return nil, false
	}
	return slices.Clone(v.([]Organization)), true
}

// CreateIPAddress goes straight through, keeps the new address for the
// page that shows it (see NewCache), and counts it among the
// organization's unallocated addresses: a new address is attached to
// nothing.
func (c *Cache) CreateIPAddress(ctx context.Context, tok Token, req CreateIPAddress) (IPAddress, error) {
	started := c.now()
	addr, err := c.api.CreateIPAddress(ctx, tok, req)
	if err == nil && addr.ID != "" {
		c.putFor(cacheKey(tok, opGetIPAddress, addr.ID), addr, started, min(c.ttl, createdTTL))
		c.update(cacheKey(tok, OpCountUnallocated, string(req.Organization)), func(v any) any { return v.(int) + 1 })
	}
	return addr, err
}

// IPAddress answers the token's own address just created once from the
// create's answer, and goes straight through otherwise.
func (c *Cache) IPAddress(ctx context.Context, tok Token, id string) (IPAddress, error) {
	if v, ok := c.take(cacheKey(tok, opGetIPAddress, id)); ok {
		return v.(IPAddress), nil
	}
	return c.api.IPAddress(ctx, tok, id)
}

// IPAddresses goes straight through.
func (c *Cache) IPAddresses(ctx context.Context, tok Token, org OrgRef, page, perPage int) (IPAddressPage, error) {
	return c.api.IPAddresses(ctx, tok, org, page, perPage)
}

// UpdateIPAddress goes straight through, and forgets the address's create
// answer, which no longer shows it as it is.
func (c *Cache) UpdateIPAddress(ctx context.Context, tok Token, req UpdateIPAddress) (IPAddress, error) {
	addr, err := c.api.UpdateIPAddress(ctx, tok, req)
	if err == nil {
		c.forget(cacheKey(tok, opGetIPAddress, req.ID))
	}
	return addr, err
}

// ReleaseIPAddress goes straight through. A release changes what the
// token's organizations hold unallocated, and the cache does not know
// which organization held the address: it forgets the token's counts of
// them all, and the address's create answer.
func (c *Cache) ReleaseIPAddress(ctx context.Context, tok Token, id string) error {
	err := c.api.ReleaseIPAddress(ctx, tok, id)
	if err == nil {
		c.forget(cacheKey(tok, opGetIPAddress, id))
		c.forgetPrefix(cacheKey(tok, OpCountUnallocated, ""))
	}
	return err
}

// PolicyLimits fetches the organization's limits, cached.
func (c *Cache) PolicyLimits(ctx context.Context, tok Token, org OrgRef) (PolicyLimits, error) {
	return cached(ctx, c, tok, OpPolicyLimits, string(org), same[PolicyLimits],
		func(ctx context.Context) (PolicyLimits, error) { return c.api.PolicyLimits(ctx, tok, org) })
}

// UnallocatedIPAddresses counts the organization's unallocated addresses,
// cached. A create through the cache counts its new address in (it is
// unallocated); a release makes the count be fetched again.
func (c *Cache) UnallocatedIPAddresses(ctx context.Context, tok Token, org OrgRef) (int, error) {
	return cached(ctx, c, tok, OpCountUnallocated, string(org), same[int],
		func(ctx context.Context) (int, error) { return c.api.UnallocatedIPAddresses(ctx, tok, org) })
}

// CachedPolicyLimits is the organization's limits if the cache holds them
// fresh; it never calls Katapult.
func (c *Cache) CachedPolicyLimits(tok Token, org OrgRef) (PolicyLimits, bool) {
	v, ok := c.get(cacheKey(tok, OpPolicyLimits, string(org)))
	if !ok {
		return PolicyLimits{}, false
	}
	return v.(PolicyLimits), true
}

// CachedUnallocated is the organization's count of unallocated addresses
// if the cache holds it fresh; it never calls Katapult.
func (c *Cache) CachedUnallocated(tok Token, org OrgRef) (int, bool) {
	v, ok := c.get(cacheKey(tok, OpCountUnallocated, string(org)))
	if !ok {
		return 0, false
	}
	return v.(int), true
}

// cached answers from the cache, or fetches once for all concurrent callers
// of the same key. Values are cloned in and out, so that a caller sorting
// its slice cannot change another's.
func cached[T any](ctx context.Context, c *Cache, tok Token, op, arg string, clone func(T) T, fetch func(context.Context) (T, error)) (T, error) {
	key := cacheKey(tok, op, arg)
	if v, ok := c.get(key); ok {
		return clone(v.(T)), nil
	}
	ch := c.group.DoChan(key, func() (any, error) {
		if v, ok := c.get(key); ok { // stored while this caller was on its way
			return v, nil
		}
		fctx, cancel := detach(ctx)
		defer cancel()
		started := c.now()
		v, err := fetch(fctx)
		if err != nil {
			return nil, err
		}
		c.put(key, clone(v), started)
		return v, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			var zero T
			return zero, res.Err
		}
		return clone(res.Val.(T)), nil
	case <-ctx.Done():
		var zero T
		return zero, &UnavailableError{Op: op, Err: ctx.Err()}
	}
}

// cacheKey keys by a hash of the token, so that no long-lived structure holds
// the secret itself.
func cacheKey(tok Token, op, arg string) string {
	sum := sha256.Sum256([]byte(tok))
	return string(sum[:]) + "\x00" + op + "\x00" + arg
}

// detach keeps the context's values and deadline but not its cancellation.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, dl)
	}
	return d, func() {}
}

func same[T any](v T) T { return v }

func (c *Cache) get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !c.now().Before(e.expires) {
		c.remove(el)
		return nil, false
	}
	return e.value, true
}

// take is get, and forgets the entry: it is handed out once.
func (c *Cache) take(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.remove(el)
	e := el.Value.(*cacheEntry)
	return e.value, c.now().Before(e.expires)
}

// forget drops an entry.
func (c *Cache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
}

// forgetPrefix drops every entry whose key starts with prefix: all the
// entries of one token and operation. It walks the whole cache, which is
// bounded; it serves releases, which are rare.
func (c *Cache) forgetPrefix(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, el := range c.entries {
		if strings.HasPrefix(key, prefix) {
			c.remove(el)
		}
	}
}

// update changes a fresh entry's value in place, keeping its expiry; an
// absent or expired entry is left absent.
func (c *Cache) update(key string, change func(any) any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return
	}
	e := el.Value.(*cacheEntry)
	if !c.now().Before(e.expires) {
		c.remove(el)
		return
	}
	e.value = change(e.value)
}

// put stores a value fetched at started for the cache's ttl.
func (c *Cache) put(key string, v any, started time.Time) {
	c.putFor(key, v, started, c.ttl)
}

// putFor stores a value fetched at started for ttl; its age counts from
// the request, not from the answer.
func (c *Cache) putFor(key string, v any, started time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	expires := started.Add(ttl)
	if !now.Before(expires) {
		return
	}
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
	c.evictExpired(now)
	for len(c.entries) >= c.max {
		c.remove(c.order.Front())
	}
	c.entries[key] = c.order.PushBack(&cacheEntry{key: key, value: v, expires: expires})
}

// evictExpired drops expired entries from the old end. Insertion order is
// nearly expiry order: all but created addresses have one ttl, and those
// have a shorter one. A straggler (one of those behind a longer-lived
// entry) is dropped by get or take, or by the bound.
func (c *Cache) evictExpired(now time.Time) {
	for el := c.order.Front(); el != nil; el = c.order.Front() {
		if now.Before(el.Value.(*cacheEntry).expires) {
			return
		}
		c.remove(el)
	}
}

func (c *Cache) remove(el *list.Element) {
	c.order.Remove(el)
	delete(c.entries, el.Value.(*cacheEntry).key)
}
