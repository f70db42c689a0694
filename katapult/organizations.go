package katapult

import (
	"context"
	"net/http"

	"github.com/krystal/go-katapult/next/core"
)

// orgLookup turns an OrgRef into the two exclusive keys of an organization
// lookup: an org_… id, else a sub_domain.
func orgLookup(r OrgRef) (id, subDomain *string) {
	s := string(r)
	if r.IsID() {
		return &s, nil
	}
	return nil, &s
}

// Organizations lists the organizations the token can see.
func (c *Client) Organizations(ctx context.Context, tok Token) ([]Organization, error) {
	return call(ctx, c, tok, listOrganizations,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.GetOrganizations(ctx)
		},
		func(rsp *http.Response) ([]Organization, bool) {
			res, err := core.ParseGetOrganizationsResponse(rsp)
			if err != nil || res.JSON200 == nil {
				return nil, false
			}
			return convertAll(res.JSON200.Organizations, organizationFromList), true
		})
}

// Organization fetches one organization by id or sub_domain.
func (c *Client) Organization(ctx context.Context, tok Token, org OrgRef) (Organization, error) {
	id, sub := orgLookup(org)
	return call(ctx, c, tok, getOrganization,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.GetOrganization(ctx, &core.GetOrganizationParams{OrganizationId: id, OrganizationSubDomain: sub})
		},
		func(rsp *http.Response) (Organization, bool) {
			res, err := core.ParseGetOrganizationResponse(rsp)
			if err != nil || res.JSON200 == nil || res.JSON200.Organization.Id == nil {
				return Organization{}, false
			}
			return organizationFrom(res.JSON200.Organization), true
		})
}

// AvailableNetworks lists the networks the organization may use. Virtual
// networks, which the answer also lists, cannot hold IP addresses and are
// left out.
func (c *Client) AvailableNetworks(ctx context.Context, tok Token, org OrgRef) ([]Network, error) {
	id, sub := orgLookup(org)
	return call(ctx, c, tok, listAvailableNetworks,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.GetOrganizationAvailableNetworks(ctx, &core.GetOrganizationAvailableNetworksParams{OrganizationId: id, OrganizationSubDomain: sub})
		},
		func(rsp *http.Response) ([]Network, bool) {
			res, err := core.ParseGetOrganizationAvailableNetworksResponse(rsp)
			if err != nil || res.JSON200 == nil {
				return nil, false
			}
			return convertAll(res.JSON200.Networks, availableNetworkFrom), true
		})
}
