package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"ipdesk/katapult"
)

// guessLimit is the unknown-token limit of these tests: small, so that a
// test sends few requests; the rule is the same at 30.
const guessLimit = 5

// guessEngine is an engine that limits unknown tokens, over real HTTP.
func guessEngine(t *testing.T, clk *clock) (*Engine, *httptest.Server) {
	t.Helper()
	eng := openEngine(t, Config{UnknownTokenLimit: guessLimit, RateLimit: 1000, Now: clk.now})
	return eng, serve(t, eng)
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

// guess sends one request with a token nobody has.
func guess(t *testing.T, srv *httptest.Server, i int) (*http.Response, []byte) {
	t.Helper()
	return rawRequest(t, srv, http.MethodGet, "/core/v1/organizations", fmt.Sprintf("guess-%04d", i), nil)
}

// wantGuessLimited checks the refusal of an address that guessed too
// often: Katapult's rate_limit_reached envelope with a Retry-After, and
// rate limit headers that say nothing is left, the same for every token,
// since no token was looked at.
func wantGuessLimited(t *testing.T, res *http.Response, body []byte, retryAfter int) {
	t.Helper()
	wantError(t, res, body, katapult.CodeRateLimitReached)
	if got := res.Header.Get("Retry-After"); got != strconv.Itoa(retryAfter) {
		t.Errorf("Retry-After %q, want %d", got, retryAfter)
	}
	if res.Header.Get("X-RateLimit-Permitted") != "1000" || res.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("rate limit headers %q, %q; want 1000, 0 whatever the token",
			res.Header.Get("X-RateLimit-Permitted"), res.Header.Get("X-RateLimit-Remaining"))
	}
}

func TestAnAddressThatGuessesTokensIsRefusedBeforeTheLookup(t *testing.T) {
	t.Parallel()
	clk := newClock()
	_, srv := guessEngine(t, clk)
	// A client of this address works with its token before the guessing.
	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/organizations", staffToken, nil)
	wantStatus(t, res, body, http.StatusOK)

	for i := range guessLimit {
		res, body := guess(t, srv, i)
		wantError(t, res, body, katapult.CodeInvalidAPIToken)
	}
	every := int(time.Minute / guessLimit / time.Second)
	for i := range 20 {
		res, body := guess(t, srv, guessLimit+i)
		wantGuessLimited(t, res, body, every)
	}
	// Requests with no token at all are not guesses, and not counted.
	res, body = rawRequest(t, srv, http.MethodGet, "/core/v1/organizations", "", nil)
	wantError(t, res, body, katapult.CodeMissingAPIToken)

	tests := []struct {
		name, token string
		status      int
		code        katapult.Code
	}{
		{"the token that worked from this address still works", staffToken, http.StatusOK, ""},
		{"a right token new to this address is refused like a wrong one", readOnlyToken, 0, katapult.CodeRateLimitReached},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Krystal's client, as Terraform and the dashboard read the API.
			c := client(t, srv, tt.token)
			got, err := c.GetOrganizationsWithResponse(context.Background())
			if got == nil {
				t.Fatalf("no answer: %v", err)
			}
			if tt.code == "" {
				wantStatus(t, got.HTTPResponse, got.Body, tt.status)
				return
			}
			wantGuessLimited(t, got.HTTPResponse, got.Body, every)
		})
	}

	clk.advance(time.Duration(every) * time.Second)
	res, body = rawRequest(t, srv, http.MethodGet, "/core/v1/organizations", readOnlyToken, nil)
	wantStatus(t, res, body, http.StatusOK) // after the wait, a right token works
	res, body = guess(t, srv, 99)
	wantError(t, res, body, katapult.CodeInvalidAPIToken) // and one guess more is answered
	res, body = guess(t, srv, 100)
	wantGuessLimited(t, res, body, every)
}

func TestEachClientAddressHasItsOwnAllowanceOfUnknownTokens(t *testing.T) {
	t.Parallel()
	clk := newClock()
	eng := openEngine(t, Config{UnknownTokenLimit: guessLimit, Now: clk.now,
		// As behind a trusted proxy: the address comes from the request.
		ClientIP: func(r *http.Request) string { return r.Header.Get("X-Test-Client") },
	})
	srv := serve(t, eng)
	send := func(client, token string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/core/v1/data_centers", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Test-Client", client)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, body
	}
	for i := range guessLimit {
		res, body := send("198.51.100.7", fmt.Sprintf("guess-%d", i))
		wantError(t, res, body, katapult.CodeInvalidAPIToken)
	}
	res, body := send("198.51.100.7", "guess-x")
	wantError(t, res, body, katapult.CodeRateLimitReached)
	res, body = send("203.0.113.9", "guess-y")
	wantError(t, res, body, katapult.CodeInvalidAPIToken)
	res, body = send("203.0.113.9", staffToken)
	wantStatus(t, res, body, http.StatusOK)
}

func TestTheDashboardsInProcessCallsAreNotCountedAsGuesses(t *testing.T) {
	t.Parallel()
	clk := newClock()
	eng := openEngine(t, Config{UnknownTokenLimit: guessLimit, Now: clk.now})
	tests := []struct {
		name    string
		handler http.Handler
		limited bool
	}{
		// Both appear to come from 127.0.0.1:0; only the mark differs.
		{"through InProcessHandler, as the dashboard calls", eng.InProcessHandler(), false},
		{"through Handler, as any other client", eng.Handler(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := katapult.NewClient("http://ipdesk.embedded/core/v1", katapult.WithDoer(katapult.HandlerDoer(tt.handler)))
			if err != nil {
				t.Fatal(err)
			}
			var last error
			for i := range 3 * guessLimit {
				_, last = c.Organizations(context.Background(), katapult.Token(fmt.Sprintf("guess-%d", i)))
			}
			want := katapult.CodeInvalidAPIToken
			if tt.limited {
				want = katapult.CodeRateLimitReached
			}
			var kerr *katapult.Error
			if !errors.As(last, &kerr) || kerr.Code != want || kerr.Status != katapult.Lookup(want).Status {
				t.Errorf("after %d unknown tokens: %v, want %s", 3*guessLimit, last, want)
			}
			if tt.limited && kerr != nil && kerr.RetryAfter <= 0 {
				t.Errorf("rate_limit_reached without a Retry-After the client could read")
			}
		})
	}
}
