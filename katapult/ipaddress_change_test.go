package katapult

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// jsonHeader says a literal answer is JSON, as Katapult says of its own,
// when it looks like JSON.
func jsonHeader(raw string) map[string]string {
	if raw == "" || (raw[0] != '{' && raw[0] != '[') {
		return nil
	}
	return map[string]string{"Content-Type": "application/json"}
}

func TestAnUpdateSendsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	updated := IPAddress{
		ID: "ip_q9Wd3Lk2TzRb8MnP", Address: "2a03:2800:500::18", AddressWithMask: "2a03:2800:500::18/48",
		ReverseDNS: "mail.acme.example", VIP: true, Label: "mail-vip", Network: publicNetwork,
	}
	tests := []struct {
		name string
		req  UpdateIPAddress
		body string
	}{
		{name: "the label alone", req: UpdateIPAddress{ID: "ip_q9Wd3Lk2TzRb8MnP", Label: ptr("mail-vip")},
			body: `{"ip_address":{"id":"ip_q9Wd3Lk2TzRb8MnP"},"label":"mail-vip"}`},
		{name: "a VIP with its label", req: UpdateIPAddress{ID: "ip_q9Wd3Lk2TzRb8MnP", VIP: ptr(true), Label: ptr("mail-vip")},
			body: `{"ip_address":{"id":"ip_q9Wd3Lk2TzRb8MnP"},"vip":true,"label":"mail-vip"}`},
		{name: "the reverse DNS alone", req: UpdateIPAddress{ID: "ip_q9Wd3Lk2TzRb8MnP", ReverseDNS: ptr("mail.acme.example")},
			body: `{"ip_address":{"id":"ip_q9Wd3Lk2TzRb8MnP"},"reverse_dns":"mail.acme.example"}`},
		{name: "no longer a VIP, false sent as false", req: UpdateIPAddress{ID: "ip_q9Wd3Lk2TzRb8MnP", VIP: ptr(false)},
			body: `{"ip_address":{"id":"ip_q9Wd3Lk2TzRb8MnP"},"vip":false}`},
		{name: "an emptied label, sent empty for Katapult to judge", req: UpdateIPAddress{ID: "ip_q9Wd3Lk2TzRb8MnP", Label: ptr("")},
			body: `{"ip_address":{"id":"ip_q9Wd3Lk2TzRb8MnP"},"label":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fakeKatapult(t, want{method: http.MethodPatch, path: "/ip_addresses/ip_address",
				body: tt.body, status: 200, fixture: "ip_address_update.json"})
			got, err := c.UpdateIPAddress(t.Context(), testToken, tt.req)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, updated) {
				t.Errorf("got  %#v\nwant %#v", got, updated)
			}
		})
	}
}

func TestAReleaseDeletesTheAddressByID(t *testing.T) {
	t.Parallel()
	const body = `{"ip_address":{"id":"ip_VOnKeWEKAYHz2X9v"}}`
	tests := []struct {
		name    string
		status  int
		fixture string
		raw     string
		// wantCode is the error's code, "" for none.
		wantCode Code
	}{
		{name: "released", status: 200, raw: `{}`},
		{name: "held by its resource", status: 409, fixture: "resource_does_not_support_unallocation_error.json",
			wantCode: CodeResourceDoesNotSupportUnallocation},
		{name: "not found", status: 404, fixture: "ip_address_not_found_error.json", wantCode: CodeIPAddressNotFound},
		{name: "view-only token", status: 403, fixture: "permission_denied_error.json", wantCode: CodePermissionDenied},
		{name: "a success that is not Katapult's answer", status: 200, raw: `<html>ok</html>`, wantCode: CodeUnexpectedResponse},
		{name: "a list is not its answer either", status: 200, raw: `[]`, wantCode: CodeUnexpectedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fakeKatapult(t, want{method: http.MethodDelete, path: "/ip_addresses/ip_address",
				body: body, status: tt.status, fixture: tt.fixture, raw: tt.raw, header: jsonHeader(tt.raw)})
			err := c.ReleaseIPAddress(t.Context(), testToken, "ip_VOnKeWEKAYHz2X9v")
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.wantCode || e.Status != tt.status {
				t.Fatalf("err = %v, want %s with status %d", err, tt.wantCode, tt.status)
			}
		})
	}
}

func TestAnUpdateRefusedKeepsKatapultsSentences(t *testing.T) {
	t.Parallel()
	c := fakeKatapult(t, want{method: http.MethodPatch, path: "/ip_addresses/ip_address",
		body:   `{"ip_address":{"id":"ip_q9Wd3Lk2TzRb8MnP"},"label":""}`,
		status: 422, fixture: "validation_error.json"})
	_, err := c.UpdateIPAddress(t.Context(), testToken, UpdateIPAddress{ID: "ip_q9Wd3Lk2TzRb8MnP", Label: ptr("")})
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrValidation) || !reflect.DeepEqual(e.Detail.Errors, []string{"Label can't be blank"}) {
		t.Fatalf("err = %v, want validation_error with Katapult's sentence", err)
	}
}

func TestAnUnansweredChangeIsUnavailableNotAnUnknownCreate(t *testing.T) {
	t.Parallel()
	srv := startFake(t,
		want{method: http.MethodPatch, path: "/ip_addresses/ip_address", body: `{"ip_address":{"id":"ip_x"},"vip":true}`, hang: true},
		want{method: http.MethodDelete, path: "/ip_addresses/ip_address", body: `{"ip_address":{"id":"ip_x"}}`, hang: true},
	)
	c, err := NewClient(srv.URL+"/core/v1", WithDoer(srv.Client()), WithTimeouts(100*time.Millisecond, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateIPAddress(t.Context(), testToken, UpdateIPAddress{ID: "ip_x", VIP: ptr(true)})
	var unavail *UnavailableError
	if !errors.As(err, &unavail) || unavail.Op != OpUpdateIPAddress {
		t.Errorf("update: %v, want an UnavailableError of %q within the read timeout", err, OpUpdateIPAddress)
	}
	err = c.ReleaseIPAddress(t.Context(), testToken, "ip_x")
	if !errors.As(err, &unavail) || unavail.Op != OpReleaseIPAddress {
		t.Errorf("release: %v, want an UnavailableError of %q", err, OpReleaseIPAddress)
	}
}
