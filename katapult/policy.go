package katapult

import (
	"context"
	"net/http"

	"github.com/krystal/go-katapult/next/core"
)

// The operations behind an organization's allowance of unallocated
// addresses.
const (
	OpPolicyLimits     = "get policy limits"
	OpCountUnallocated = "count unallocated IP addresses"
)

var (
	policyLimits     = operation{name: OpPolicyLimits, answer: []member{{"policy_limits", jsonObject}}}
	countUnallocated = operation{name: OpCountUnallocated,
		answer: []member{{"ip_addresses", jsonArray}, {"pagination", jsonObject}}}
)

// PolicyLimits fetches the limits Katapult's policy sets the organization.
// An answer without the maximum of unallocated addresses, or with neither
// a value nor "unlimited", is not one ipdesk can read: unexpected_response.
func (c *Client) PolicyLimits(ctx context.Context, tok Token, org OrgRef) (PolicyLimits, error) {
	id, sub := orgLookup(org)
	params := &core.GetOrganizationPolicyLimitsParams{OrganizationId: id, OrganizationSubDomain: sub}
	return call(ctx, c, tok, policyLimits,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.GetOrganizationPolicyLimits(ctx, params)
		},
		func(rsp *http.Response) (PolicyLimits, bool) {
			res, err := core.ParseGetOrganizationPolicyLimitsResponse(rsp)
			if err != nil || res.JSON200 == nil {
				return PolicyLimits{}, false
			}
			limit, ok := limitFrom(res.JSON200.PolicyLimits.MaximumUnallocatedIpAddresses)
			return PolicyLimits{UnallocatedIPAddresses: limit}, ok
		})
}

// limitFrom reads a value-or-unlimited: {"value":5,"unlimited":false}, or
// {"value":null,"unlimited":true}.
func limitFrom(l *core.IntegerOrUnlimited) (Limit, bool) {
	switch {
	case l == nil:
		return Limit{}, false
	case boolean(l.Unlimited):
		return Limit{Unlimited: true}, true
	}
	v, err := l.Value.Get()
	if err != nil || v < 0 {
		return Limit{}, false
	}
	return Limit{Value: v}, true
}

// UnallocatedIPAddresses counts the organization's addresses that are not
// attached to anything: the total of a one-entry page of its address list
// filtered by allocated=false.
func (c *Client) UnallocatedIPAddresses(ctx context.Context, tok Token, org OrgRef) (int, error) {
	id, sub := orgLookup(org)
	unallocated, one := false, 1
	params := &core.GetOrganizationIpAddressesParams{OrganizationId: id, OrganizationSubDomain: sub,
		Allocated: &unallocated, PerPage: &one}
	return call(ctx, c, tok, countUnallocated,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.GetOrganizationIpAddresses(ctx, params)
		},
		func(rsp *http.Response) (int, bool) {
			res, err := core.ParseGetOrganizationIpAddressesResponse(rsp)
			if err != nil || res.JSON200 == nil {
				return 0, false
			}
			total, err := res.JSON200.Pagination.Total.Get()
			return total, err == nil && total >= 0
		})
}
