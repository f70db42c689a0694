package throttle_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"ipdesk/throttle"
)

// clock is a settable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newLimiter(burst int, every time.Duration, maxAddrs int) (*throttle.Limiter, *clock) {
	clk := &clock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	return throttle.New(throttle.Config{Burst: burst, Every: every, MaxAddrs: maxAddrs, Now: clk.now}), clk
}

// fail makes n failed attempts from addr, each admitted.
func fail(t *testing.T, l *throttle.Limiter, addr string, n int) {
	t.Helper()
	for i := range n {
		try, wait := l.Begin(addr, "")
		if try == nil {
			t.Fatalf("%s: attempt %d of %d refused (wait %s)", addr, i+1, n, wait)
		}
		try.Done(true)
	}
}

// wantRefused checks that addr is refused with exactly this wait.
func wantRefused(t *testing.T, l *throttle.Limiter, addr, pass string, wait time.Duration) {
	t.Helper()
	try, got := l.Begin(addr, pass)
	if try != nil {
		try.Done(false)
		t.Fatalf("%s: admitted, want refused with a wait of %s", addr, wait)
	}
	if got != wait {
		t.Errorf("%s: wait %s, want %s", addr, got, wait)
	}
}

func TestABurstOfFailuresThenOneEachInterval(t *testing.T) {
	t.Parallel()
	l, clk := newLimiter(3, 10*time.Second, 0)
	fail(t, l, "192.0.2.1", 3)
	wantRefused(t, l, "192.0.2.1", "", 10*time.Second)
	clk.add(4 * time.Second)
	wantRefused(t, l, "192.0.2.1", "", 6*time.Second)
	clk.add(6 * time.Second)
	fail(t, l, "192.0.2.1", 1)
	wantRefused(t, l, "192.0.2.1", "", 10*time.Second)
	fail(t, l, "192.0.2.2", 3) // another address has its own bucket
	clk.add(30 * time.Second)
	fail(t, l, "192.0.2.1", 3) // the whole burst is back
}

func TestSuccessesAreNotCountedButAttemptsInFlightHoldTheirPlace(t *testing.T) {
	t.Parallel()
	l, _ := newLimiter(3, time.Minute, 0)
	for range 10 {
		try, _ := l.Begin("192.0.2.1", "")
		if try == nil {
			t.Fatal("a success was counted")
		}
		try.Done(false)
	}
	var inFlight []*throttle.Attempt
	for range 3 {
		try, _ := l.Begin("192.0.2.1", "")
		if try == nil {
			t.Fatal("an attempt of the burst was refused")
		}
		inFlight = append(inFlight, try)
	}
	// The wait assumes the three in flight fail: then one place comes
	// back after a minute.
	wantRefused(t, l, "192.0.2.1", "", time.Minute)
	inFlight[0].Done(false)
	inFlight[1].Done(true)
	// One place came back with the success; the failure took its own.
	try, _ := l.Begin("192.0.2.1", "")
	if try == nil {
		t.Fatal("the place of a successful attempt did not come back")
	}
	inFlight[2].Done(true)
	try.Done(true)
	wantRefused(t, l, "192.0.2.1", "", time.Minute)
}

func TestAPassThatSucceededBeforeIsAdmittedWhileTheAddressIsRefused(t *testing.T) {
	t.Parallel()
	l, _ := newLimiter(2, time.Minute, 0)
	try, _ := l.Begin("192.0.2.1", "known")
	try.Done(false)
	fail(t, l, "192.0.2.1", 2)
	wantRefused(t, l, "192.0.2.1", "", time.Minute)
	wantRefused(t, l, "192.0.2.1", "new", time.Minute)
	for range 5 {
		if try, _ := l.Begin("192.0.2.1", "known"); try == nil {
			t.Fatal("a pass that succeeded from the address was refused")
		} else {
			try.Done(false)
		}
	}
	// A pass belongs to the address it succeeded from.
	fail(t, l, "192.0.2.2", 2)
	wantRefused(t, l, "192.0.2.2", "known", time.Minute)
}

func TestKeyGroupsIPv6ByItsSlash64(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, addr, want string }{
		{"IPv4", "192.0.2.1", "192.0.2.1"},
		{"IPv4-mapped IPv6 is the IPv4 address", "::ffff:192.0.2.1", "192.0.2.1"},
		{"IPv6 by its /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"IPv6 with a zone", "fe80::1%eth0", "fe80::/64"},
		{"not an address", "unknown", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := throttle.Key(tt.addr); got != tt.want {
				t.Errorf("Key(%q) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
	l, _ := newLimiter(2, time.Minute, 0)
	fail(t, l, "2001:db8:1:2::1", 2)
	wantRefused(t, l, "2001:db8:1:2::ffff", "", time.Minute)
}

func TestMemoryIsBoundedUnderManyAddresses(t *testing.T) {
	t.Parallel()
	const maxAddrs = 100
	l, clk := newLimiter(2, time.Second, maxAddrs)
	// An attacker with many addresses: each is limited as it comes, until
	// the table is full.
	for i := range maxAddrs {
		fail(t, l, fmt.Sprintf("10.0.%d.1", i), 1)
	}
	// Newcomers then share one bucket, and the table stops growing.
	for i := range 2 {
		fail(t, l, fmt.Sprintf("10.1.%d.1", i), 1)
	}
	for i := range 10 * maxAddrs {
		wantRefused(t, l, fmt.Sprintf("10.2.%d.%d", i/256, i%256), "", time.Second)
	}
	if n := l.Len(); n != maxAddrs {
		t.Errorf("%d addresses kept, want %d", n, maxAddrs)
	}
	// An address already limited is not forgotten to make room.
	fail(t, l, "10.0.0.1", 1)
	wantRefused(t, l, "10.0.0.1", "", time.Second)
	// Once the buckets are full again, idle addresses make room.
	clk.add(time.Minute)
	fail(t, l, "192.0.2.4", 2)
	wantRefused(t, l, "192.0.2.4", "", time.Second)
	if n := l.Len(); n != 1 {
		t.Errorf("%d addresses kept after they all went idle and one came, want 1", n)
	}
}
