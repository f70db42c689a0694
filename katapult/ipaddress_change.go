package katapult

import (
	"context"
	"net/http"

	"github.com/krystal/go-katapult/next/core"
)

// The operations that change an address after its create. Neither is a
// create: a lost answer is UnavailableError, and what it leaves open (was
// the change made?) is the catalogue's to say (NoAnswer). Sending either
// again is harmless: an update sets the same values, a release of an
// address already released is ip_address_not_found.
const (
	OpUpdateIPAddress  = "update IP address"
	OpReleaseIPAddress = "release IP address"
)

var (
	updateIPAddress  = operation{name: OpUpdateIPAddress, answer: []member{{"ip_address", jsonObject}}}
	releaseIPAddress = operation{name: OpReleaseIPAddress}
)

// UpdateIPAddress changes an address's VIP flag, label or reverse DNS.
// Only the fields set in req are sent, so that a value staff did not touch
// is never overwritten with what the page showed a while ago.
func (c *Client) UpdateIPAddress(ctx context.Context, tok Token, req UpdateIPAddress) (IPAddress, error) {
	id := req.ID
	body := core.PatchIpAddressJSONRequestBody{
		IpAddress:  core.IPAddressLookup{Id: &id},
		Vip:        req.VIP,
		Label:      req.Label,
		ReverseDns: req.ReverseDNS,
	}
	return call(ctx, c, tok, updateIPAddress,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.PatchIpAddress(ctx, body)
		},
		func(rsp *http.Response) (IPAddress, bool) {
			res, err := core.ParsePatchIpAddressResponse(rsp)
			if err != nil || res.JSON200 == nil || res.JSON200.IpAddress.Id == nil {
				return IPAddress{}, false
			}
			return ipAddressFrom(res.JSON200.IpAddress), true
		})
}

// ReleaseIPAddress gives an address back to Katapult's pool (DELETE): the
// organization no longer holds it.
func (c *Client) ReleaseIPAddress(ctx context.Context, tok Token, id string) error {
	body := core.DeleteIpAddressJSONRequestBody{IpAddress: core.IPAddressLookup{Id: &id}}
	_, err := call(ctx, c, tok, releaseIPAddress,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.DeleteIpAddress(ctx, body)
		},
		func(rsp *http.Response) (struct{}, bool) {
			// Katapult answers {}: anything but a JSON object is not its
			// answer.
			res, err := core.ParseDeleteIpAddressResponse(rsp)
			if err != nil || res.JSON200 == nil {
				return struct{}{}, false
			}
			_, ok := (*res.JSON200).(map[string]any)
			return struct{}{}, ok
		})
	return err
}
