package katapult

import (
	"context"
	"net/http"

	"github.com/krystal/go-katapult/next/core"
)

// CreateIPAddress allocates a new address. It is sent once and never retried;
// see OutcomeUnknownError for what a lost answer means.
//
// vip is always sent, false included: the API documents no default for it,
// and the staff member's choice should not depend on one. label is sent only
// for a VIP, as the API defines it (a non-VIP address has no label); an empty
// one is sent as it is, so that Katapult answers its own validation_error.
func (c *Client) CreateIPAddress(ctx context.Context, tok Token, req CreateIPAddress) (IPAddress, error) {
	body := createBody(req)
	return call(ctx, c, tok, createIPAddress,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.PostOrganizationIpAddresses(ctx, body)
		},
		func(rsp *http.Response) (IPAddress, bool) {
			res, err := core.ParsePostOrganizationIpAddressesResponse(rsp)
			if err != nil || res.JSON200 == nil || res.JSON200.IpAddress.Id == nil {
				return IPAddress{}, false
			}
			return ipAddressFrom(res.JSON200.IpAddress), true
		})
}

func createBody(req CreateIPAddress) core.PostOrganizationIpAddressesJSONRequestBody {
	orgID, orgSub := orgLookup(req.Organization)
	networkID := req.NetworkID
	vip := req.VIP
	body := core.PostOrganizationIpAddressesJSONRequestBody{
		Organization: core.OrganizationLookup{Id: orgID, SubDomain: orgSub},
		Network:      core.NetworkLookup{Id: &networkID},
		Version:      core.IPAddressVersionEnum(req.Version),
		Vip:          &vip,
	}
	if vip {
		label := req.Label
		body.Label = &label
	}
	return body
}

// IPAddress fetches one address by id.
func (c *Client) IPAddress(ctx context.Context, tok Token, id string) (IPAddress, error) {
	return call(ctx, c, tok, getIPAddress,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.GetIpAddress(ctx, &core.GetIpAddressParams{IpAddressId: &id})
		},
		func(rsp *http.Response) (IPAddress, bool) {
			res, err := core.ParseGetIpAddressResponse(rsp)
			if err != nil || res.JSON200 == nil || res.JSON200.IpAddress.Id == nil {
				return IPAddress{}, false
			}
			return ipAddressFrom(res.JSON200.IpAddress), true
		})
}

// IPAddresses lists a page (from 1) of the organization's addresses. A page
// or perPage of zero or less is left out, so that Katapult's default applies.
func (c *Client) IPAddresses(ctx context.Context, tok Token, org OrgRef, page, perPage int) (IPAddressPage, error) {
	id, sub := orgLookup(org)
	params := &core.GetOrganizationIpAddressesParams{OrganizationId: id, OrganizationSubDomain: sub}
	if page > 0 {
		params.Page = &page
	}
	if perPage > 0 {
		params.PerPage = &perPage
	}
	return call(ctx, c, tok, listIPAddresses,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.GetOrganizationIpAddresses(ctx, params)
		},
		func(rsp *http.Response) (IPAddressPage, bool) {
			res, err := core.ParseGetOrganizationIpAddressesResponse(rsp)
			if err != nil || res.JSON200 == nil {
				return IPAddressPage{}, false
			}
			p := res.JSON200.Pagination
			return IPAddressPage{
				Addresses:  convertAll(res.JSON200.IpAddresses, ipAddressFromList),
				Page:       integer(p.CurrentPage),
				PerPage:    integer(p.PerPage),
				TotalPages: orZero(p.TotalPages),
				Total:      orZero(p.Total),
			}, true
		})
}
