package katapult

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"
)

var plainCreate = CreateIPAddress{Organization: "acme", NetworkID: "netw_gVRkZdSKczfNg34P", Version: IPv4}

const plainCreateBody = `{"organization":{"sub_domain":"acme"},"network":{"id":"netw_gVRkZdSKczfNg34P"},"version":"ipv4","vip":false}`

func TestATimeoutLeavesACreateUnknownAndAReadUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		create bool
	}{
		{name: "a create that timed out may have happened", create: true},
		{name: "a read that timed out can be tried again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := want{method: http.MethodGet, path: "/organizations", hang: true}
			if tt.create {
				x = want{method: http.MethodPost, path: "/organizations/organization/ip_addresses", body: plainCreateBody, hang: true}
			}
			srv := startFake(t, x)
			c, err := NewClient(srv.URL+"/core/v1", WithDoer(srv.Client()), WithTimeouts(100*time.Millisecond, 150*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if tt.create {
				_, err = c.CreateIPAddress(t.Context(), testToken, plainCreate)
			} else {
				_, err = c.Organizations(t.Context(), testToken)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v", took)
			}
			assertNoAnswer(t, err, tt.create)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
			}
		})
	}
}

// assertNoAnswer checks that err says no answer came: OutcomeUnknownError
// when unknown is set, else UnavailableError, and never an *Error.
func assertNoAnswer(t *testing.T, err error, unknown bool) {
	t.Helper()
	var ue *UnavailableError
	var oe *OutcomeUnknownError
	var e *Error
	switch {
	case errors.As(err, &e):
		t.Errorf("err = %v: an answer with status %d, want none", err, e.Status)
	case unknown && !errors.As(err, &oe):
		t.Errorf("err = %T %v, want *OutcomeUnknownError", err, err)
	case !unknown && !errors.As(err, &ue):
		t.Errorf("err = %T %v, want *UnavailableError", err, err)
	case !unknown && errors.As(err, &oe):
		t.Errorf("err = %v, want no OutcomeUnknownError", err)
	}
}

func TestARefusedConnectionMeansTheCreateNeverLeft(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, err := NewClient("http://" + addr + "/core/v1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
	}{
		{name: "create", call: func() error { _, err := c.CreateIPAddress(t.Context(), testToken, plainCreate); return err }},
		{name: "read", call: func() error { _, err := c.DataCenters(t.Context(), testToken); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertNoAnswer(t, tt.call(), false)
		})
	}
}

func TestARefusedCertificateMeansTheCreateNeverLeft(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the server got a request: %s %s", r.Method, r.URL)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL + "/core/v1") // the default client does not trust the test certificate
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateIPAddress(t.Context(), testToken, plainCreate)
	assertNoAnswer(t, err, false)
}

func TestACallerThatHasAlreadyGivenUpSendsNothing(t *testing.T) {
	t.Parallel()
	c := fakeKatapult(t) // expects no request at all
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.CreateIPAddress(ctx, testToken, plainCreate)
	assertNoAnswer(t, err, false)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
}

// doerFunc is a doer made of a function.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestOnlyAConnectionNeverMadeLetsACreateBeUnavailable(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name      string
		err       error
		neverSent bool
	}{
		{name: "connection refused", err: dial, neverSent: true},
		{name: "connection refused inside a url.Error", err: &url.Error{Op: "Post", URL: "http://x", Err: dial}, neverSent: true},
		{name: "a name that does not resolve", err: &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}}, neverSent: true},
		{name: "a bare DNS error", err: &net.DNSError{Err: "server misbehaving", Name: "x"}, neverSent: true},
		{name: "a reset after sending", err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}},
		{name: "the server closed the connection", err: &url.Error{Op: "Post", URL: "http://x", Err: io.EOF}},
		{name: "an unexpected EOF", err: io.ErrUnexpectedEOF},
		{name: "the deadline passed", err: &url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}},
		{name: "the caller gave up", err: context.Canceled},
		{name: "a write that failed", err: &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := neverSent(tt.err); got != tt.neverSent {
				t.Errorf("neverSent = %v, want %v", got, tt.neverSent)
			}
			c, err := NewClient("http://ipdesk.internal/core/v1", WithDoer(doerFunc(func(*http.Request) (*http.Response, error) {
				return nil, tt.err
			})))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreateIPAddress(t.Context(), testToken, plainCreate)
			assertNoAnswer(t, err, !tt.neverSent)
			if !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want it to wrap the cause", err)
			}
			_, err = c.Organization(t.Context(), testToken, "acme")
			assertNoAnswer(t, err, false)
		})
	}
}

// brokenBody fails after its first bytes, as a connection lost mid-answer.
type brokenBody struct{ sent bool }

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.sent {
		return 0, syscall.ECONNRESET
	}
	b.sent = true
	return copy(p, `{"ip_address":{"id":"ip_`), nil
}

func (b *brokenBody) Close() error { return nil }

func TestAnAnswerThatBreaksOffLeavesACreateUnknown(t *testing.T) {
	t.Parallel()
	c, err := NewClient("http://ipdesk.internal/core/v1", WithDoer(doerFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: &brokenBody{}, Request: r}, nil
	})))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateIPAddress(t.Context(), testToken, plainCreate)
	assertNoAnswer(t, err, true)
	_, err = c.IPAddress(t.Context(), testToken, "ip_VOnKeWEKAYHz2X9v")
	assertNoAnswer(t, err, false)
}

func TestAnswersToACreateThatLeaveTheOutcomeOpenSaySo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		fixture string
		raw     string
		code    Code
		unknown bool
	}{
		{name: "a proxy's 502 page", status: 502, fixture: "unexpected_response_502.html", code: CodeUnexpectedResponse, unknown: true},
		{name: "a proxy's empty 504", status: 504, code: CodeUnexpectedResponse, unknown: true},
		{name: "a crash inside Katapult", status: 500, raw: `{"error":{"code":"unhandled_exception","description":null,"detail":{}}}`, code: "unhandled_exception", unknown: true},
		{name: "a success whose body is not an address", status: 200, raw: `<html>OK</html>`, code: CodeUnexpectedResponse, unknown: true},
		{name: "a success without the address's id", status: 200, fixture: "organization_get.json", code: CodeUnexpectedResponse, unknown: true},
		{name: "an empty pool is a refusal", status: 503, fixture: "no_available_addresses_error.json", code: CodeNoAvailableAddresses},
		{name: "Katapult's own unavailability is a refusal", status: 503, fixture: "service_unavailable_error.json", code: CodeServiceUnavailable},
		{name: "a validation error is a refusal", status: 422, fixture: "validation_error.json", code: CodeValidationError},
		{name: "a proxy's 4xx is a refusal", status: 413, raw: "too large", code: CodeUnexpectedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fakeKatapult(t, want{method: http.MethodPost, path: "/organizations/organization/ip_addresses",
				body: plainCreateBody, status: tt.status, fixture: tt.fixture, raw: tt.raw,
				header: map[string]string{"X-Request-Id": "req_create"}})
			_, err := c.CreateIPAddress(t.Context(), testToken, plainCreate)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want an *Error inside", err, err)
			}
			if e.Status != tt.status || e.Code != tt.code || e.RequestID != "req_create" {
				t.Errorf("got status %d code %s request %q", e.Status, e.Code, e.RequestID)
			}
			var oe *OutcomeUnknownError
			if got := errors.As(err, &oe); got != tt.unknown {
				t.Errorf("outcome unknown = %v, want %v (%v)", got, tt.unknown, err)
			}
		})
	}
}

func TestAnUnreadableAnswerToAReadIsAnUnexpectedResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		fixture string
		raw     string
	}{
		{name: "a proxy's 502 page", status: 502, fixture: "unexpected_response_502.html"},
		{name: "an empty 500", status: 500},
		{name: "a success in HTML", status: 200, raw: "<html>hello</html>"},
		{name: "a success with a body of the wrong type", status: 200, fixture: "organizations_list.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fakeKatapult(t, want{method: http.MethodGet, path: "/ip_addresses/ip_address",
				query: query("ip_address[id]", "ip_x"), status: tt.status, fixture: tt.fixture, raw: tt.raw})
			_, err := c.IPAddress(t.Context(), testToken, "ip_x")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want *Error", err, err)
			}
			if e.Status != tt.status || e.Code != CodeUnexpectedResponse {
				t.Errorf("got status %d code %s", e.Status, e.Code)
			}
			var oe *OutcomeUnknownError
			if errors.As(err, &oe) {
				t.Error("a read has no outcome to be unknown")
			}
		})
	}
}

func TestAnAnswerTooLargeToBeKatapultsIsUnexpected(t *testing.T) {
	t.Parallel()
	c, err := NewClient("http://ipdesk.internal/core/v1", WithDoer(doerFunc(func(r *http.Request) (*http.Response, error) {
		body := io.LimitReader(zeros{}, maxAnswer+10)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(body), Request: r}, nil
	})))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DataCenters(t.Context(), testToken)
	var e *Error
	if !errors.As(err, &e) || e.Status != 200 || e.Code != CodeUnexpectedResponse {
		t.Errorf("err = %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	srv := startFake(t, want{method: http.MethodPost, path: "/organizations/organization/ip_addresses",
		body: plainCreateBody, status: http.StatusFound, header: map[string]string{"Location": "/elsewhere"}})
	c, err := NewClient(srv.URL + "/core/v1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateIPAddress(t.Context(), testToken, plainCreate)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusFound || e.Code != CodeUnexpectedResponse {
		t.Errorf("err = %v", err)
	}
	if fmt.Sprint(err) == "" {
		t.Error("empty message")
	}
}
