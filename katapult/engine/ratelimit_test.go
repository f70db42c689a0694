package engine

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"ipdesk/katapult"
)

// clock is a settable Config.Now, safe to read from handlers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestTheRateLimitCountsEachTokensRequestsAMinute(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	srv := serve(t, openEngine(t, Config{RateLimit: 3, Now: clk.now}))
	get := func(token string) (*http.Response, []byte) {
		return rawRequest(t, srv, http.MethodGet, "/core/v1/data_centers", token, nil)
	}
	for want := 2; want >= 0; want-- {
		res, body := get(staffToken)
		wantStatus(t, res, body, http.StatusOK)
		if res.Header.Get("X-RateLimit-Permitted") != "3" || res.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(want) {
			t.Errorf("rate limit headers = %s, %s; want 3, %d",
				res.Header.Get("X-RateLimit-Permitted"), res.Header.Get("X-RateLimit-Remaining"), want)
		}
	}

	clk.advance(20 * time.Second)
	res, body := get(staffToken)
	got := wantError(t, res, body, katapult.CodeRateLimitReached)
	if got.Detail.TotalPermitted != 3 || res.Header.Get("Retry-After") != "40" || res.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("detail %+v, Retry-After %q, remaining %q; want 3, 40, 0",
			got.Detail, res.Header.Get("Retry-After"), res.Header.Get("X-RateLimit-Remaining"))
	}

	res, body = get(readOnlyToken)
	wantStatus(t, res, body, http.StatusOK) // another token has its own minute

	clk.advance(40 * time.Second)
	res, body = get(staffToken)
	wantStatus(t, res, body, http.StatusOK)
	if res.Header.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("remaining after a minute = %s, want 2", res.Header.Get("X-RateLimit-Remaining"))
	}
}

func TestTheRateLimitComesAfterTheTokenAndBeforeTheScope(t *testing.T) {
	t.Parallel()
	srv := serve(t, openEngine(t, Config{RateLimit: 1}))
	tests := []struct {
		name, token string
		code        katapult.Code
		remaining   string
	}{
		{"an unknown token is refused before it is counted", "nope", katapult.CodeInvalidAPIToken, "1"},
		{"a known token's refusal is counted", noOrgsToken, katapult.CodeScopeNotGranted, "0"},
		{"the second request of the minute is limited before its scope is checked", noOrgsToken, katapult.CodeRateLimitReached, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/organizations", tt.token, nil)
			wantError(t, res, body, tt.code)
			if p, r := res.Header.Get("X-RateLimit-Permitted"), res.Header.Get("X-RateLimit-Remaining"); p != "1" || r != tt.remaining {
				t.Errorf("rate limit headers = %q, %q; want 1, %s", p, r, tt.remaining)
			}
		})
	}
}

func TestNoRateLimitMeansNoLimitAndNoHeaders(t *testing.T) {
	t.Parallel()
	srv := serve(t, openEngine(t, Config{RateLimit: 0}))
	for range 5 {
		res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/data_centers", staffToken, nil)
		wantStatus(t, res, body, http.StatusOK)
		if res.Header.Get("X-RateLimit-Permitted") != "" {
			t.Fatal("X-RateLimit-Permitted set with the limit off")
		}
	}
}

func TestKrystalsClientFindsTheRateLimitEnvelopeInTheBody(t *testing.T) {
	t.Parallel()
	srv := serve(t, openEngine(t, Config{RateLimit: 1}))
	c := client(t, srv, staffToken)
	ok, err := c.GetDataCentersWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, ok.HTTPResponse, ok.Body, http.StatusOK)
	res, err := c.GetDataCentersWithResponse(context.Background())
	if err == nil {
		t.Fatal("the second request of a minute with a limit of one went through")
	}
	got := wantError(t, res.HTTPResponse, res.Body, katapult.CodeRateLimitReached)
	h := res.HTTPResponse.Header
	if got.Detail.TotalPermitted != 1 || h.Get("X-RateLimit-Permitted") != "1" || h.Get("X-RateLimit-Remaining") != "0" || h.Get("Retry-After") == "" {
		t.Errorf("detail %+v, headers %v: want total_permitted 1, permitted 1, remaining 0 and a Retry-After", got.Detail, h)
	}
}

func TestEveryAnswerCarriesTheRateLimitHeaders(t *testing.T) {
	t.Parallel()
	srv := serve(t, openEngine(t, Config{RateLimit: 50}))
	// The staff token spends one request first, so that its count shows.
	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/data_centers", staffToken, nil)
	wantStatus(t, res, body, http.StatusOK)
	tests := []struct {
		name, method, path, token string
		code                      katapult.Code
		remaining                 string
	}{
		{"a success", http.MethodGet, "/core/v1/data_centers", staffToken, "", "48"},
		{"an error of the endpoint", http.MethodGet, "/core/v1/networks/_?network[permalink]=nope", staffToken, katapult.CodeNetworkNotFound, "47"},
		{"an invalid argument", http.MethodGet, "/core/v1/organizations/_/ip_addresses?organization[sub_domain]=acme&page=0", staffToken, katapult.CodeInvalidArgument, "46"},
		{"no token at all", http.MethodGet, "/core/v1/data_centers", "", katapult.CodeMissingAPIToken, "50"},
		{"an unknown token", http.MethodGet, "/core/v1/data_centers", "nope", katapult.CodeInvalidAPIToken, "50"},
		{"no such route", http.MethodGet, "/core/v1/nothing", staffToken, katapult.CodeRouteNotFound, "50"},
		{"a method the route lacks", http.MethodPut, "/core/v1/data_centers", staffToken, katapult.CodeMethodNotAllowed, "50"},
		{"an unclean path", http.MethodGet, "/core/v1//data_centers", staffToken, katapult.CodeRouteNotFound, "50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := rawRequest(t, srv, tt.method, tt.path, tt.token, nil)
			if tt.code == "" {
				wantStatus(t, res, body, http.StatusOK)
			} else {
				wantError(t, res, body, tt.code)
			}
			if p, r := res.Header.Get("X-RateLimit-Permitted"), res.Header.Get("X-RateLimit-Remaining"); p != "50" || r != tt.remaining {
				t.Errorf("rate limit headers = %q, %q; want 50, %s", p, r, tt.remaining)
			}
		})
	}
}
