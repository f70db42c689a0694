// Package throttle limits failed attempts per client address: sign-ins at
// the dashboard and requests with an unknown API token at the embedded
// engine. Each address has a token bucket from golang.org/x/time/rate: a
// burst of attempts, then one more every so often. Only failures are
// counted (a success proves the secret, and an office behind one address
// signs in every morning), but an attempt in flight holds its place until
// it ends, so that a burst of concurrent guesses cannot pass more than the
// bucket holds. Memory is bounded: at most MaxAddrs addresses are kept.
package throttle

import (
	"net/netip"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxAddrs is how many addresses a Limiter keeps when its Config
// does not say: each costs a few hundred bytes, so about 4 MB at most.
const DefaultMaxAddrs = 10000

// maxPasses is how many passes an address remembers (see Begin).
const maxPasses = 4

// Config sets a Limiter's bucket per address.
type Config struct {
	// Burst is how many failed attempts an address may make in a row.
	Burst int
	// Every is how often one more failed attempt is allowed once the burst
	// is spent; a full burst comes back after Burst × Every.
	Every time.Duration
	// MaxAddrs bounds the addresses kept at once; 0 means DefaultMaxAddrs.
	MaxAddrs int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Limiter counts failed attempts per client address. Its methods are safe
// for concurrent use.
type Limiter struct {
	burst int
	every time.Duration
	max   int
	now   func() time.Time

	mu    sync.Mutex
	addrs map[string]*entry
	// overflow is the one bucket shared by addresses that find the table
	// full of addresses still being limited: a distributed attack then
	// slows newcomers down together, but memory stays bounded and no
	// address already limited is forgotten.
	overflow *entry
	swept    time.Time
}

type entry struct {
	lim *rate.Limiter
	// pending attempts have been admitted and have not ended: each holds
	// one place in the bucket.
	pending int
	// passes succeeded from this address, the newest first.
	passes []string
}

// New makes a Limiter. A Burst below 1 counts as 1 and an Every of 0 or
// less as a second.
func New(cfg Config) *Limiter {
	l := &Limiter{
		burst: max(1, cfg.Burst),
		every: cfg.Every,
		max:   cfg.MaxAddrs,
		now:   cfg.Now,
		addrs: map[string]*entry{},
	}
	if l.every <= 0 {
		l.every = time.Second
	}
	if l.max <= 0 {
		l.max = DefaultMaxAddrs
	}
	if l.now == nil {
		l.now = time.Now
	}
	l.overflow = l.newEntry()
	return l
}

func (l *Limiter) newEntry() *entry {
	return &entry{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
}

// Attempt is an attempt that Begin admitted. End it with Done, once.
type Attempt struct {
	l       *Limiter
	e       *entry
	pass    string
	holding bool // holds a place in the bucket
}

// Begin admits one attempt from the client address addr (an IP address as
// text), or refuses it and says how long to wait until one would be
// admitted: the wait counts the attempts still in flight as failures, so
// it may be shorter in the end, never longer.
//
// pass is "" or a proof of an earlier success, such as a hash of an API
// token: an address remembers the last few passes that succeeded from it,
// and an attempt with one of them is admitted even when the address is
// being refused, without taking a place in its bucket. So a client whose
// token works goes on working beside a guesser at the same address (a
// shared NAT), while a correct guess made once refused is refused like a
// wrong one: the refusal never tells whether a guess was right.
func (l *Limiter) Begin(addr, pass string) (*Attempt, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(Key(addr), now)
	if pass != "" && slices.Contains(e.passes, pass) {
		return &Attempt{l: l, e: e, pass: pass}, 0
	}
	left := e.lim.TokensAt(now) - float64(e.pending)
	if left < 1 {
		return nil, time.Duration((1 - left) * float64(l.every))
	}
	e.pending++
	return &Attempt{l: l, e: e, pass: pass, holding: true}, 0
}

// Done ends the attempt. A failed attempt is counted against its address;
// a successful one remembers its pass, if it has one.
func (a *Attempt) Done(failed bool) {
	now := a.l.now()
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	e := a.e
	if a.holding {
		e.pending--
		a.holding = false
	}
	switch {
	case failed:
		// The place this attempt held is there (Begin saw it), so the
		// reservation takes it now; ReserveN never refuses one token.
		e.lim.ReserveN(now, 1)
	case a.pass != "":
		e.passes = slices.Insert(slices.DeleteFunc(e.passes, func(p string) bool { return p == a.pass }), 0, a.pass)
		e.passes = e.passes[:min(len(e.passes), maxPasses)]
	}
}

// entry finds or makes addr's bucket. When the table is full it first drops
// the idle entries (no attempt in flight, bucket full again: a fresh entry
// would behave the same, so nothing is lost but remembered passes), at
// most once per Every, since buckets refill no faster.
func (l *Limiter) entry(key string, now time.Time) *entry {
	if e := l.addrs[key]; e != nil {
		return e
	}
	if len(l.addrs) >= l.max && now.Sub(l.swept) >= l.every {
		l.swept = now
		for k, e := range l.addrs {
			if e.pending == 0 && e.lim.TokensAt(now) >= float64(l.burst) {
				delete(l.addrs, k)
			}
		}
	}
	if len(l.addrs) >= l.max {
		return l.overflow
	}
	e := l.newEntry()
	l.addrs[key] = e
	return e
}

// Len is how many addresses are kept, for tests of the bound.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.addrs)
}

// Key is the bucket an address counts against: an IPv4 address (also when
// written as IPv4-mapped IPv6) on its own, an IPv6 address by its /64,
// since one client commonly holds a whole /64 and could otherwise take a
// fresh address for every guess. Text that is no address is its own key.
func Key(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64) // cannot fail for an IPv6 address
	return p.String()
}
