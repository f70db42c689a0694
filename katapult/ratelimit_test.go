package katapult

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestA429IsRateLimitingWhateverItsBody(t *testing.T) {
	t.Parallel()
	date := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return date.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name      string
		raw       string
		header    map[string]string
		retry     time.Duration
		permitted int
	}{
		{
			name:   "a proxy's HTML page with Katapult's headers",
			raw:    "<html><body><h1>429 Too Many Requests</h1></body></html>",
			header: map[string]string{"Content-Type": "text/html", "Retry-After": "30", "X-RateLimit-Permitted": "1000", "X-RateLimit-Remaining": "0"},
			retry:  30 * time.Second, permitted: 1000,
		},
		{
			name:   "an empty body with Retry-After as a date",
			header: map[string]string{"Date": at(0), "Retry-After": at(45 * time.Second)},
			retry:  45 * time.Second,
		},
		{
			name:   "JSON that is not the envelope, with the common header names",
			raw:    `{"message":"slow down"}`,
			header: map[string]string{"Content-Type": "application/json", "X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"},
			retry:  20 * time.Second, permitted: 600,
		},
		{
			name:   "a reset given as Unix time, from the answer's Date",
			raw:    "Too Many Requests",
			header: map[string]string{"Content-Type": "text/plain", "Date": at(0), "X-RateLimit-Reset": strconv.FormatInt(date.Add(50*time.Second).Unix(), 10)},
			retry:  50 * time.Second,
		},
		{
			name:   "the IETF draft's limit with its window",
			header: map[string]string{"X-RateLimit-Limit": "100;w=60", "Retry-After": "7"},
			retry:  7 * time.Second, permitted: 100,
		},
		{
			name:   "Retry-After wins over the reset",
			header: map[string]string{"Retry-After": "5", "X-RateLimit-Reset": "40"},
			retry:  5 * time.Second,
		},
		{
			name: "nothing said at all",
		},
		{
			name:   "unreadable headers are left out",
			header: map[string]string{"Retry-After": "soon", "X-RateLimit-Limit": "many", "X-RateLimit-Reset": "-3"},
		},
		{
			name:   "Katapult's envelope without Retry-After takes the reset from the headers",
			raw:    `{"error":{"code":"rate_limit_reached","description":"You have reached the rate limit for this type of request","detail":{"total_permitted":1000}}}`,
			header: map[string]string{"Content-Type": "application/json", "X-RateLimit-Permitted": "1000", "X-RateLimit-Reset": "12"},
			retry:  12 * time.Second, permitted: 1000,
		},
		{
			name:   "Katapult's envelope without its detail takes the limit from the headers",
			raw:    `{"error":{"code":"rate_limit_reached","description":"You have reached the rate limit for this type of request","detail":{}}}`,
			header: map[string]string{"Content-Type": "application/json", "X-RateLimit-Permitted": "1000", "Retry-After": "60"},
			retry:  time.Minute, permitted: 1000,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			header := map[string]string{"X-Request-Id": "req_429"}
			for k, v := range tt.header {
				header[k] = v
			}
			c := fakeKatapult(t, want{method: http.MethodGet, path: "/data_centers",
				status: http.StatusTooManyRequests, raw: tt.raw, header: header})
			_, err := c.DataCenters(t.Context(), testToken)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want *Error", err, err)
			}
			if e.Status != http.StatusTooManyRequests || e.Code != CodeRateLimitReached || !errors.Is(err, ErrRateLimitReached) {
				t.Fatalf("got status %d code %s, want 429 rate_limit_reached", e.Status, e.Code)
			}
			if e.RetryAfter != tt.retry || e.Detail.TotalPermitted != tt.permitted || e.RequestID != "req_429" {
				t.Errorf("retry after %v, limit %d, request %q; want %v, %d, req_429", e.RetryAfter, e.Detail.TotalPermitted, e.RequestID, tt.retry, tt.permitted)
			}
			if e.Description != Lookup(CodeRateLimitReached).Description {
				t.Errorf("description %q, want the catalogue's", e.Description)
			}
		})
	}
}

func TestARateLimitedCreateWasRefusedNotLeftUnknown(t *testing.T) {
	t.Parallel()
	c := fakeKatapult(t, want{method: http.MethodPost, path: "/organizations/organization/ip_addresses",
		body: plainCreateBody, status: http.StatusTooManyRequests, raw: "<html>slow down</html>",
		header: map[string]string{"Content-Type": "text/html", "Retry-After": "9"}})
	_, err := c.CreateIPAddress(t.Context(), testToken, plainCreate)
	var oe *OutcomeUnknownError
	if errors.As(err, &oe) {
		t.Fatalf("err = %v: a rate-limited create was refused, its outcome is known", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeRateLimitReached || e.RetryAfter != 9*time.Second {
		t.Errorf("err = %v, want rate_limit_reached with a 9 s wait", err)
	}
}

func TestRateLimitHeadersDoNotMakeAnotherStatusARateLimit(t *testing.T) {
	t.Parallel()
	// Katapult sends X-RateLimit-Remaining on every answer: a proxy's 503
	// after the last permitted request is not a refusal by the limit, and
	// for a create it must stay an unknown outcome.
	c := fakeKatapult(t, want{method: http.MethodPost, path: "/organizations/organization/ip_addresses",
		body: plainCreateBody, status: http.StatusServiceUnavailable, raw: "<html>down</html>",
		header: map[string]string{"Content-Type": "text/html", "Retry-After": "30", "X-RateLimit-Remaining": "0", "X-RateLimit-Permitted": "1000"}})
	_, err := c.CreateIPAddress(t.Context(), testToken, plainCreate)
	var e *Error
	var oe *OutcomeUnknownError
	if !errors.As(err, &e) || e.Code != CodeUnexpectedResponse || e.Status != http.StatusServiceUnavailable || !errors.As(err, &oe) {
		t.Errorf("err = %v, want an unknown outcome around unexpected_response 503", err)
	}
}
