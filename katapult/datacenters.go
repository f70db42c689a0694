package katapult

import (
	"context"
	"net/http"

	"github.com/krystal/go-katapult/next/core"
)

// DataCenters lists every data center with its country's id and name.
func (c *Client) DataCenters(ctx context.Context, tok Token) ([]DataCenter, error) {
	return call(ctx, c, tok, listDataCenters,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.GetDataCenters(ctx)
		},
		func(rsp *http.Response) ([]DataCenter, bool) {
			res, err := core.ParseGetDataCentersResponse(rsp)
			if err != nil || res.JSON200 == nil {
				return nil, false
			}
			return convertAll(res.JSON200.DataCenters, dataCenterFromList), true
		})
}
