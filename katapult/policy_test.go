package katapult

import (
	"errors"
	"net/http"
	"testing"
)

func TestPolicyLimitsReadTheUnallocatedAllowance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		fixture  string
		raw      string
		want     Limit
		wantCode Code
	}{
		{name: "a number", status: 200, fixture: "policy_limits_get.json", want: Limit{Value: 5}},
		{name: "unlimited", status: 200, fixture: "policy_limits_unlimited.json", want: Limit{Unlimited: true}},
		{name: "zero is a limit", status: 200, raw: `{"policy_limits":{"maximum_unallocated_ip_addresses":{"value":0,"unlimited":false}}}`},
		{name: "no such limit in the answer", status: 200, raw: `{"policy_limits":{"maximum_virtual_machines":{"value":1}}}`,
			wantCode: CodeUnexpectedResponse},
		{name: "neither a value nor unlimited", status: 200,
			raw: `{"policy_limits":{"maximum_unallocated_ip_addresses":{"value":null,"unlimited":false}}}`, wantCode: CodeUnexpectedResponse},
		{name: "a negative value", status: 200,
			raw: `{"policy_limits":{"maximum_unallocated_ip_addresses":{"value":-1}}}`, wantCode: CodeUnexpectedResponse},
		{name: "no policy_limits at all", status: 200, raw: `{}`, wantCode: CodeUnexpectedResponse},
		{name: "a suspended organization", status: 403, fixture: "organization_suspended_error.json", wantCode: CodeOrganizationSuspended},
		{name: "a token without organizations:read", status: 403, fixture: "scope_not_granted_error.json", wantCode: CodeScopeNotGranted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := fakeKatapult(t, want{method: http.MethodGet, path: "/organizations/organization/policy_limits",
				query: query("organization[sub_domain]", "acme"), status: tt.status, fixture: tt.fixture, raw: tt.raw, header: jsonHeader(tt.raw)})
			got, err := c.PolicyLimits(t.Context(), testToken, "acme")
			if tt.wantCode != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != tt.wantCode {
					t.Fatalf("err = %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil || got.UnallocatedIPAddresses != tt.want {
				t.Errorf("got %+v, %v, want %+v", got, err, tt.want)
			}
		})
	}
}

func TestUnallocatedAddressesAreCountedFromTheFilteredList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		org      OrgRef
		query    []string
		raw      string
		fixture  string
		want     int
		wantCode Code
	}{
		{name: "by sub_domain", org: "acme", query: []string{"organization[sub_domain]", "acme"},
			fixture: "ip_addresses_unallocated.json", want: 4},
		{name: "by id", org: "org_O648YDMEYeLmqdmn", query: []string{"organization[id]", "org_O648YDMEYeLmqdmn"},
			fixture: "ip_addresses_unallocated.json", want: 4},
		{name: "none", org: "acme", query: []string{"organization[sub_domain]", "acme"},
			raw: `{"pagination":{"current_page":1,"total_pages":0,"total":0,"per_page":1},"ip_addresses":[]}`},
		{name: "a total Katapult did not give", org: "acme", query: []string{"organization[sub_domain]", "acme"},
			raw: `{"pagination":{"current_page":1,"total":null,"per_page":1,"large_set":true},"ip_addresses":[]}`, wantCode: CodeUnexpectedResponse},
		{name: "no list", org: "acme", query: []string{"organization[sub_domain]", "acme"},
			raw: `{"pagination":{"total":3}}`, wantCode: CodeUnexpectedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := query(append(tt.query, "allocated", "false", "per_page", "1")...)
			c := fakeKatapult(t, want{method: http.MethodGet, path: "/organizations/organization/ip_addresses",
				query: q, status: 200, fixture: tt.fixture, raw: tt.raw, header: jsonHeader(tt.raw)})
			got, err := c.UnallocatedIPAddresses(t.Context(), testToken, tt.org)
			if tt.wantCode != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != tt.wantCode {
					t.Fatalf("err = %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %d, %v, want %d", got, err, tt.want)
			}
		})
	}
}
