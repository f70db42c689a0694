package handlers_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ipdesk/handlers"
	"ipdesk/katapult"
)

// The sign-in limit the tests meet: the dashboard's default.
const (
	signInBurst = 10
	signInEvery = 6 * time.Second
)

// throughProxy trusts the test server's own peer, 127.0.0.1, as a proxy:
// requests then name their client in X-Forwarded-For.
func throughProxy(cfg *handlers.Config) {
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
}

// from is the header a trusted proxy adds for a client at addr.
func from(addr string) hdr { return hdr{"X-Forwarded-For": addr} }

// waitSentence is the sentence of a refused sign-in, with its seconds.
var waitSentence = regexp.MustCompile(`^Too many sign-in attempts from your address\. Wait (\d+) seconds?, then try again\.$`)

// wantThrottled checks a refused sign-in as staff and their browser see
// it: 429 with Retry-After, and the sign-in page with a panel that says
// how long to wait, which agrees with the header. It returns the seconds.
func wantThrottled(t *testing.T, p *page) int {
	t.Helper()
	p.wantStatus(http.StatusTooManyRequests)
	retry, err := strconv.Atoi(p.header.Get("Retry-After"))
	if err != nil || retry < 1 {
		t.Fatalf("Retry-After %q, want whole seconds of at least 1", p.header.Get("Retry-After"))
	}
	panel := p.one(`[data-testid="error-panel"][data-problem="too-many-sign-ins"]`)
	m := waitSentence.FindStringSubmatch(text(panel.Find(`[data-testid="error-message"]`)))
	if m == nil {
		t.Fatalf("the panel says %q, want the sentence with the seconds to wait", text(panel.Find(`[data-testid="error-message"]`)))
	}
	if m[1] != strconv.Itoa(retry) {
		t.Errorf("the page says wait %s seconds, Retry-After says %d", m[1], retry)
	}
	if p.testid("login-form").Length() != 1 {
		t.Error("the refusal has no sign-in form to try again with")
	}
	return retry
}

// wrongToken is the i-th guess of a test.
func wrongToken(i int) string { return fmt.Sprintf("kt-guess-%04d", i) }

func TestRapidWrongSignInsAreRefusedAfterTheBurstWithoutAskingKatapult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    hdr
		// fragment: htmx gets the page's main content without the layout.
		fragment bool
	}{
		{name: "plain posts", h: hdr{}},
		{name: "htmx posts", h: htmx("/login"), fragment: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			e := newEnv(t, api)
			c := e.client()
			c.get("/login").wantStatus(http.StatusOK)
			for i := range 30 {
				p := c.post("/login", url.Values{"token": {wrongToken(i)}}, tt.h)
				if i < signInBurst {
					p.wantStatus(http.StatusUnprocessableEntity)
					continue
				}
				if got := wantThrottled(t, p); got != int(signInEvery/time.Second) {
					t.Errorf("attempt %d: wait %d s, want %d (one attempt comes back every %s)", i+1, got, int(signInEvery/time.Second), signInEvery)
				}
				if hasLayout := p.testid("brand").Length() > 0; hasLayout == tt.fragment {
					t.Errorf("attempt %d: layout present = %v, want %v", i+1, hasLayout, !tt.fragment)
				}
			}
			if n := api.count("Organizations"); n != signInBurst {
				t.Errorf("Katapult was asked %d times, want %d: the burst only", n, signInBurst)
			}
			// The right token is refused too while the address waits:
			// otherwise the refusal would tell a wrong guess from a right one.
			wantThrottled(t, c.post("/login", url.Values{"token": {userToken}}, tt.h))
			if n := api.count("Organizations"); n != signInBurst {
				t.Errorf("a sign-in refused by the limit reached Katapult (%d calls)", n)
			}
		})
	}
}

func TestTheWaitIsTheTruthAndSignInWorksAfterIt(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	e := newEnv(t, api)
	c := e.client()
	c.get("/login")
	for i := range signInBurst {
		c.post("/login", url.Values{"token": {wrongToken(i)}}).wantStatus(http.StatusUnprocessableEntity)
	}
	wait := wantThrottled(t, c.post("/login", url.Values{"token": {userToken}}))

	e.clock.Add(time.Duration(wait)*time.Second - time.Second)
	if got := wantThrottled(t, c.post("/login", url.Values{"token": {userToken}})); got != 1 {
		t.Errorf("a second before the end of the wait, the page says %d s, want 1", got)
	}
	e.clock.Add(time.Second)
	p := c.post("/login", url.Values{"token": {userToken}}).wantStatus(http.StatusSeeOther)
	if p.location() != "/" {
		t.Errorf("signed in to %q, want /", p.location())
	}
	if n := api.count("Organizations"); n != signInBurst+1 {
		t.Errorf("Katapult was asked %d times, want the burst and the one sign-in after the wait", n)
	}
}

func TestSuccessfulSignInsAndMalformedTokensAreNotCounted(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	e := newEnv(t, api)
	// An office behind one address: many staff sign in, some send an
	// empty form first; none of it is a guess.
	for range 3 * signInBurst {
		c := e.client()
		c.get("/login")
		c.post("/login", url.Values{"token": {" "}}).wantStatus(http.StatusUnprocessableEntity)
		c.post("/login", url.Values{"token": {userToken}}).wantStatus(http.StatusSeeOther)
	}
	c := e.client()
	c.get("/login")
	for i := range signInBurst {
		c.post("/login", url.Values{"token": {wrongToken(i)}}).wantStatus(http.StatusUnprocessableEntity)
	}
	wantThrottled(t, c.post("/login", url.Values{"token": {wrongToken(99)}}))
}

func TestTheLimitIsPerClientAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []options
		guesser func(i int) hdr // the headers of the guesser's i-th post
		other   hdr             // another client's
		// separate: whether the other client has a limit of its own.
		separate bool
	}{
		{
			name: "behind a trusted proxy, each forwarded client has its own limit",
			opts: []options{throughProxy}, guesser: func(int) hdr { return from("198.51.100.7") },
			other: from("203.0.113.9"), separate: true,
		},
		{
			name: "a trusted proxy's own entry counts, not the one the client forged to its left",
			opts: []options{throughProxy}, guesser: func(i int) hdr { return from(fmt.Sprintf("192.0.2.%d, 198.51.100.7", i+1)) },
			other: from("203.0.113.9"), separate: true,
		},
		{
			name:    "with no trusted proxy, a forged X-Forwarded-For changes nothing",
			guesser: func(i int) hdr { return from(fmt.Sprintf("192.0.2.%d", i+1)) },
			other:   from("203.0.113.9"), separate: false,
		},
		{
			name: "a peer outside the trusted ranges cannot forge its address",
			opts: []options{func(cfg *handlers.Config) {
				cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
			}},
			guesser: func(i int) hdr { return from(fmt.Sprintf("192.0.2.%d", i+1)) },
			other:   from("203.0.113.9"), separate: false,
		},
		{
			name: "loopback is not trusted unless listed",
			opts: []options{func(cfg *handlers.Config) {
				cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("2001:db8::/32")}
			}},
			guesser: func(i int) hdr { return from(fmt.Sprintf("192.0.2.%d", i+1)) },
			other:   from("203.0.113.9"), separate: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			e := newEnv(t, api, tt.opts...)
			guesser := e.client()
			guesser.get("/login")
			for i := range signInBurst {
				guesser.post("/login", url.Values{"token": {wrongToken(i)}}, tt.guesser(i)).wantStatus(http.StatusUnprocessableEntity)
			}
			wantThrottled(t, guesser.post("/login", url.Values{"token": {wrongToken(99)}}, tt.guesser(99)))

			other := e.client()
			other.get("/login", tt.other)
			p := other.post("/login", url.Values{"token": {userToken}}, tt.other)
			if !tt.separate {
				wantThrottled(t, p)
				return
			}
			p.wantStatus(http.StatusSeeOther)
			if n := api.count("Organizations"); n != signInBurst+1 {
				t.Errorf("Katapult was asked %d times, want the guesser's burst and the other client's sign-in", n)
			}
		})
	}
}

func TestConcurrentGuessesCannotPassMoreThanTheBurst(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	// Katapult holds every answer until the test lets go, so that all the
	// guesses are in flight at once.
	release := make(chan struct{})
	var asked atomic.Int32
	api.organizations = func(katapult.Token) ([]katapult.Organization, error) {
		asked.Add(1)
		<-release
		return nil, katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{})
	}
	e := newEnv(t, api)
	c := e.client()
	c.get("/login")
	csrf := c.csrf

	const guesses = 40
	statuses := make(chan int, guesses)
	var wg sync.WaitGroup
	for i := range guesses {
		wg.Go(func() {
			form := url.Values{"token": {wrongToken(i)}, "_csrf": {csrf}}
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := c.http.Do(req)
			if err != nil {
				t.Errorf("guess %d: %v", i, err)
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		})
	}
	// The refusals come back while the burst waits for Katapult. Should
	// more than the burst be waiting, fewer refusals come: the test gives
	// up after a while rather than hang.
	timeout := time.After(10 * time.Second)
	for range guesses - signInBurst {
		select {
		case s := <-statuses:
			if s != http.StatusTooManyRequests {
				t.Errorf("a guess beyond the burst answered %d, want 429", s)
			}
		case <-timeout:
			t.Errorf("the refusals did not come: %d guesses are waiting for Katapult, want %d", asked.Load(), signInBurst)
		}
		if t.Failed() {
			break
		}
	}
	close(release)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusUnprocessableEntity {
			t.Errorf("a guess of the burst answered %d, want 422", s)
		}
	}
	if n := asked.Load(); n != signInBurst {
		t.Errorf("Katapult was asked %d times, want %d", n, signInBurst)
	}
}
