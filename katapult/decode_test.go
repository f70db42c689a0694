package katapult

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// details of the codes whose fixtures carry one; every other code's detail
// is empty.
var fixtureDetails = map[Code]Detail{
	CodeInvalidAPIToken:                {Details: "The API token has expired"},
	CodeUnauthorizedNetworkForAPIToken: {IPAddress: "203.0.113.77"},
	CodeScopeNotGranted:                {Scopes: []string{"ip_addresses"}},
	CodeRateLimitReached:               {TotalPermitted: 1000},
	CodeInvalidArgument:                {Argument: "version", Issue: "invalid_enum_value"},
	CodeMissingRequiredArgument:        {Argument: "version"},
	CodePermissionDenied:               {Details: "This API token may view this organization but not manage it"},
	CodeValidationError:                {Errors: []string{"Label can't be blank"}},
}

// notFound are the codes of the ErrNotFound class.
var notFound = map[Code]bool{
	CodeOrganizationNotFound: true,
	CodeNetworkNotFound:      true,
	CodeDataCenterNotFound:   true,
	CodeIPAddressNotFound:    true,
}

// single are the sentinels of single codes.
var single = map[Code]error{
	CodeInvalidAPIToken:          ErrInvalidAPIToken,
	CodeScopeNotGranted:          ErrScopeNotGranted,
	CodeRateLimitReached:         ErrRateLimitReached,
	CodeOrganizationNotFound:     ErrOrganizationNotFound,
	CodeOrganizationSuspended:    ErrOrganizationSuspended,
	CodeOrganizationNotActivated: ErrOrganizationNotActivated,
	CodePermissionDenied:         ErrPermissionDenied,
	CodeNetworkNotFound:          ErrNetworkNotFound,
	CodeIPAddressNotFound:        ErrIPAddressNotFound,
	CodeValidationError:          ErrValidation,
	CodeNoAvailableAddresses:     ErrNoAvailableAddresses,
}

func TestEveryCatalogueCodeDecodesFromItsEnvelopeToItsError(t *testing.T) {
	t.Parallel()
	for _, code := range Codes() {
		if code == CodeUnexpectedResponse {
			continue // made by ipdesk, never sent; see the unexpected answer tests
		}
		t.Run(string(code), func(t *testing.T) {
			t.Parallel()
			entry := Lookup(code)
			c := fakeKatapult(t, want{method: http.MethodGet, path: "/data_centers",
				status: entry.Status, fixture: errorFixture(code),
				header: map[string]string{"X-Request-Id": "req_" + string(code), "Retry-After": "17"}})
			_, err := c.DataCenters(t.Context(), testToken)

			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want *Error", err, err)
			}
			if e.Status != entry.Status || e.Code != code || e.RequestID != "req_"+string(code) {
				t.Errorf("got status %d code %s request %q", e.Status, e.Code, e.RequestID)
			}
			if e.Description == "" {
				t.Error("description is empty")
			}
			if !reflect.DeepEqual(e.Detail, fixtureDetails[code]) {
				t.Errorf("detail = %#v, want %#v", e.Detail, fixtureDetails[code])
			}
			if e.RetryAfter != 17*time.Second {
				t.Errorf("retry after = %v", e.RetryAfter)
			}
			if !errors.Is(err, &Error{Code: code}) {
				t.Error("errors.Is does not match its own code")
			}
			if errors.Is(err, &Error{Code: "some_other_code"}) {
				t.Error("errors.Is matches another code")
			}
			if got := errors.Is(err, ErrNotFound); got != notFound[code] {
				t.Errorf("errors.Is(ErrNotFound) = %v", got)
			}
			if got := errors.Is(err, ErrSignIn); got != entry.SignIn {
				t.Errorf("errors.Is(ErrSignIn) = %v", got)
			}
			if s, ok := single[code]; ok && !errors.Is(err, s) {
				t.Errorf("errors.Is(%v) = false", s)
			}
		})
	}
}

func TestTheSignInClassIsTheTokenCodes(t *testing.T) {
	t.Parallel()
	var got []Code
	for _, code := range Codes() {
		if errors.Is(NewError(code, Detail{}), ErrSignIn) {
			got = append(got, code)
		}
	}
	want := []Code{CodeInvalidAPIToken, CodeInvalidCapabilitiesToken, CodeMissingAPIToken, CodeUnauthorizedNetworkForAPIToken}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sign-in codes = %v, want %v", got, want)
	}
}

func TestNotFoundGoesByTheCodeNotTheStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *Error
		want bool
	}{
		{name: "an organization that does not exist", err: NewError(CodeOrganizationNotFound, Detail{}), want: true},
		{name: "a not-found code Katapult may add later", err: &Error{Status: 404, Code: "load_balancer_not_found"}, want: true},
		{name: "a route that does not exist is configuration", err: NewError(CodeRouteNotFound, Detail{})},
		{name: "a proxy's 404 page", err: decodeError(404, http.Header{}, []byte("<h1>Not Found</h1>"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.err.Status != http.StatusNotFound {
				t.Errorf("status = %d", tt.err.Status)
			}
			if got := errors.Is(tt.err, ErrNotFound); got != tt.want {
				t.Errorf("errors.Is(ErrNotFound) = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAnAnswerWithoutAnEnvelopeIsAnUnexpectedResponseWithItsStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		ctype  string
	}{
		{name: "a proxy's HTML 502", status: 502, body: "<html><h1>502 Bad Gateway</h1></html>", ctype: "text/html"},
		{name: "an empty 500", status: 500},
		{name: "JSON without the envelope", status: 503, body: `{"message":"down for maintenance"}`, ctype: "application/json"},
		{name: "an envelope without a code", status: 400, body: `{"error":{"description":"?"}}`, ctype: "application/json"},
		{name: "JSON that is not an object", status: 500, body: `["error"]`, ctype: "application/json"},
		{name: "truncated JSON", status: 404, body: `{"error":{"code":"network_not_fo`, ctype: "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{"Content-Type": {tt.ctype}, "X-Request-Id": {"req_x"}}
			e := decodeError(tt.status, h, []byte(tt.body))
			if e.Status != tt.status || e.Code != CodeUnexpectedResponse || e.RequestID != "req_x" {
				t.Errorf("got status %d code %s request %q", e.Status, e.Code, e.RequestID)
			}
			if tt.body != "" && strings.Contains(e.Error(), tt.body) {
				t.Errorf("the error quotes the body: %v", e)
			}
		})
	}
}

func TestTheOpenAPIShapeWithoutEnvelopeIsAlsoUnderstood(t *testing.T) {
	t.Parallel()
	e := decodeError(403, http.Header{}, []byte(`{"code":"scope_not_granted","description":"d","detail":{"scopes":["ip_addresses"]}}`))
	if e.Status != 403 || e.Code != CodeScopeNotGranted || !reflect.DeepEqual(e.Detail.Scopes, []string{"ip_addresses"}) {
		t.Errorf("got %#v", e)
	}
}

func TestADetailOfAnUnexpectedShapeKeepsTheCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want Detail
	}{
		{name: "a field of the wrong type is skipped", body: `{"error":{"code":"validation_error","detail":{"errors":"one","scopes":["a"]}}}`,
			want: Detail{Scopes: []string{"a"}}},
		{name: "a description that is not a string", body: `{"error":{"code":"validation_error","description":{"en":"?"},"detail":{"errors":["x"]}}}`,
			want: Detail{Errors: []string{"x"}}},
		{name: "a null detail", body: `{"error":{"code":"validation_error","detail":null}}`},
		{name: "no detail", body: `{"error":{"code":"validation_error"}}`},
		{name: "a detail that is a list", body: `{"error":{"code":"validation_error","detail":[1]}}`},
		{name: "an argument as a plain string", body: `{"error":{"code":"invalid_argument","detail":{"argument":"version","issue":"invalid_enum_value"}}}`,
			want: Detail{Argument: "version", Issue: "invalid_enum_value"}},
		{name: "an argument object without a path", body: `{"error":{"code":"invalid_argument","detail":{"argument":{"name":"label"}}}}`,
			want: Detail{Argument: "label"}},
		{name: "a nested argument is named by its path", body: `{"error":{"code":"invalid_argument","detail":{"path":["network","id"],"argument":{"name":"id"}}}}`,
			want: Detail{Argument: "network.id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := decodeError(422, http.Header{}, []byte(tt.body))
			if e.Status != 422 || e.Code == CodeUnexpectedResponse {
				t.Fatalf("got status %d code %s", e.Status, e.Code)
			}
			if !reflect.DeepEqual(e.Detail, tt.want) {
				t.Errorf("detail = %#v, want %#v", e.Detail, tt.want)
			}
			if e.Description != Lookup(e.Code).Description {
				t.Errorf("a missing description is not the catalogue's: %q", e.Description)
			}
		})
	}
}

func TestRetryAfterIsReadInSecondsOrAsADate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{name: "seconds", header: http.Header{"Retry-After": {"42"}}, want: 42 * time.Second},
		{name: "a date, from the answer's Date", header: http.Header{
			"Retry-After": {"Wed, 21 Oct 2015 07:28:30 GMT"}, "Date": {"Wed, 21 Oct 2015 07:28:00 GMT"}}, want: 30 * time.Second},
		{name: "a date in the past", header: http.Header{
			"Retry-After": {"Wed, 21 Oct 2015 07:28:00 GMT"}, "Date": {"Wed, 21 Oct 2015 07:28:30 GMT"}}},
		{name: "negative seconds", header: http.Header{"Retry-After": {"-5"}}},
		{name: "absent", header: http.Header{}},
		{name: "unreadable", header: http.Header{"Retry-After": {"soon"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := decodeError(429, tt.header, fixture(t, "rate_limit_reached_error.json"))
			if e.Status != 429 || e.Code != CodeRateLimitReached {
				t.Fatalf("got status %d code %s", e.Status, e.Code)
			}
			if e.RetryAfter != tt.want {
				t.Errorf("retry after = %v, want %v", e.RetryAfter, tt.want)
			}
		})
	}
}
