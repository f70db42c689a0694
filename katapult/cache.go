package katapult

import (
	"container/list"
	"context"
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// maxCacheEntries bounds the cache. A signed-in user needs a few entries
// (organizations, data centers, one organization and its networks per form
// opened), so this covers far more staff than work at once.
const maxCacheEntries = 10_000

// NewCache wraps api so that Organizations, Organization, AvailableNetworks
// and DataCenters are remembered per token for ttl: a page view needs them
// again and again, and Katapult allows 1000 requests a minute per token.
// Concurrent identical fetches of one token are merged into one. Errors are
// never kept. CreateIPAddress, IPAddress and IPAddresses go straight through:
// they must be fresh. Entries are keyed by a hash of the token, never by the
// token. A ttl of zero or less returns api itself; a nil now means time.Now.
//
// A merged fetch runs on the context of the caller that started it, minus its
// cancellation (it keeps its deadline and values), so that one user leaving
// does not fail the others; each caller still stops waiting when its own
// context ends. api must therefore bound its own calls, as Client does.
func NewCache(api API, ttl time.Duration, now func() time.Time) API {
	if ttl <= 0 {
		return api
	}
	return newCache(api, ttl, now, maxCacheEntries)
}

func newCache(api API, ttl time.Duration, now func() time.Time, maxEntries int) *cache {
	if now == nil {
		now = time.Now
	}
	return &cache{
		api:     api,
		ttl:     ttl,
		now:     now,
		max:     max(maxEntries, 1),
		entries: map[string]*list.Element{},
		order:   list.New(),
	}
}

type cache struct {
	api   API
	ttl   time.Duration
	now   func() time.Time
	max   int
	group singleflight.Group

	mu      sync.Mutex
	entries map[string]*list.Element // of *cacheEntry
	order   *list.List               // oldest first, so the first to expire
}

type cacheEntry struct {
	key     string
	value   any
	expires time.Time
}

// Organizations lists the organizations the token can see, cached.
func (c *cache) Organizations(ctx context.Context, tok Token) ([]Organization, error) {
	return cached(ctx, c, tok, opListOrganizations, "", slices.Clone[[]Organization],
		func(ctx context.Context) ([]Organization, error) { return c.api.Organizations(ctx, tok) })
}

// Organization fetches one organization, cached per reference.
func (c *cache) Organization(ctx context.Context, tok Token, org OrgRef) (Organization, error) {
	return cached(ctx, c, tok, opGetOrganization, string(org), same[Organization],
		func(ctx context.Context) (Organization, error) { return c.api.Organization(ctx, tok, org) })
}

// AvailableNetworks lists the organization's networks, cached.
func (c *cache) AvailableNetworks(ctx context.Context, tok Token, org OrgRef) ([]Network, error) {
	return cached(ctx, c, tok, opListAvailableNetworks, string(org), slices.Clone[[]Network],
		func(ctx context.Context) ([]Network, error) { return c.api.AvailableNetworks(ctx, tok, org) })
}

// DataCenters lists the data centers, cached.
func (c *cache) DataCenters(ctx context.Context, tok Token) ([]DataCenter, error) {
	return cached(ctx, c, tok, opListDataCenters, "", slices.Clone[[]DataCenter],
		func(ctx context.Context) ([]DataCenter, error) { return c.api.DataCenters(ctx, tok) })
}

// CachedOrganizations is the token's organization list if the cache holds a
// fresh one, and never calls Katapult: a page with a call budget (the result
// after a create) names the organization with it when it can.
func (c *cache) CachedOrganizations(tok Token) ([]Organization, bool) {
	v, ok := c.get(cacheKey(tok, opListOrganizations, ""))
	if !ok {
		return nil, false
	}
	return slices.Clone(v.([]Organization)), true
}

// CreateIPAddress goes straight through.
func (c *cache) CreateIPAddress(ctx context.Context, tok Token, req CreateIPAddress) (IPAddress, error) {
	return c.api.CreateIPAddress(ctx, tok, req)
}

// IPAddress goes straight through.
func (c *cache) IPAddress(ctx context.Context, tok Token, id string) (IPAddress, error) {
	return c.api.IPAddress(ctx, tok, id)
}

// IPAddresses goes straight through.
func (c *cache) IPAddresses(ctx context.Context, tok Token, org OrgRef, page, perPage int) (IPAddressPage, error) {
	return c.api.IPAddresses(ctx, tok, org, page, perPage)
}

// cached answers from the cache, or fetches once for all concurrent callers
// of the same key. Values are cloned in and out, so that a caller sorting
// its slice cannot change another's.
func cached[T any](ctx context.Context, c *cache, tok Token, op, arg string, clone func(T) T, fetch func(context.Context) (T, error)) (T, error) {
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

func (c *cache) get(key string) (any, bool) {
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

// put stores a value fetched at started; its age counts from the request,
// not from the answer.
func (c *cache) put(key string, v any, started time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	expires := started.Add(c.ttl)
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

// evictExpired drops expired entries from the old end. With one ttl for all,
// insertion order is nearly expiry order; a straggler is dropped by get.
func (c *cache) evictExpired(now time.Time) {
	for el := c.order.Front(); el != nil; el = c.order.Front() {
		if now.Before(el.Value.(*cacheEntry).expires) {
			return
		}
		c.remove(el)
	}
}

func (c *cache) remove(el *list.Element) {
	c.order.Remove(el)
	delete(c.entries, el.Value.(*cacheEntry).key)
}
