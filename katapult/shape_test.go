package katapult

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
)

// shapeCall is one operation of the port, the request it sends, and a call
// that returns how many items (or whether an object) came back.
type shapeCall struct {
	op   string
	want want
	call func(ctx context.Context, c *Client) (int, error)
	// empty are answers that are valid and hold nothing; wrong are answers
	// of another shape.
	empty, wrong []string
}

// wrongShapes are answers that are not any operation's: a 200 of these is
// not "nothing there".
var wrongShapes = []string{
	`{"unexpected":true}`,
	`{}`,
	`[]`,
	`null`,
	`"ok"`,
}

func shapeCalls() []shapeCall {
	orgQuery := query("organization[sub_domain]", "acme")
	return []shapeCall{
		{
			op:   opListOrganizations,
			want: want{method: http.MethodGet, path: "/organizations"},
			call: func(ctx context.Context, c *Client) (int, error) {
				v, err := c.Organizations(ctx, testToken)
				return len(v), err
			},
			empty: []string{`{"organizations":[]}`},
			wrong: []string{`{"organizations":null}`, `{"organizations":{}}`, `{"organization":[]}`},
		},
		{
			op:   opGetOrganization,
			want: want{method: http.MethodGet, path: "/organizations/organization", query: orgQuery},
			call: func(ctx context.Context, c *Client) (int, error) {
				_, err := c.Organization(ctx, testToken, "acme")
				return 1, err
			},
			wrong: []string{`{"organization":null}`, `{"organization":[]}`, `{"organizations":[{"id":"org_O648YDMEYeLmqdmn"}]}`},
		},
		{
			op:   opListAvailableNetworks,
			want: want{method: http.MethodGet, path: "/organizations/organization/available_networks", query: orgQuery},
			call: func(ctx context.Context, c *Client) (int, error) {
				v, err := c.AvailableNetworks(ctx, testToken, "acme")
				return len(v), err
			},
			// virtual_networks is not read, so not required.
			empty: []string{`{"networks":[],"virtual_networks":[]}`, `{"networks":[]}`},
			wrong: []string{`{"virtual_networks":[]}`, `{"networks":null,"virtual_networks":[]}`, `{"networks":{},"virtual_networks":[]}`},
		},
		{
			op:   opListDataCenters,
			want: want{method: http.MethodGet, path: "/data_centers"},
			call: func(ctx context.Context, c *Client) (int, error) {
				v, err := c.DataCenters(ctx, testToken)
				return len(v), err
			},
			empty: []string{`{"data_centers":[]}`},
			wrong: []string{`{"data_centers":null}`, `{"data_center":{"id":"loc_UUhPmoCbpic6UX0Y"}}`},
		},
		{
			op:   opCreateIPAddress,
			want: want{method: http.MethodPost, path: "/organizations/organization/ip_addresses", body: plainCreateBody},
			call: func(ctx context.Context, c *Client) (int, error) {
				_, err := c.CreateIPAddress(ctx, testToken, plainCreate)
				return 1, err
			},
			wrong: []string{`{"ip_address":null}`, `{"ip_addresses":[{"id":"ip_VOnKeWEKAYHz2X9v"}]}`},
		},
		{
			op:   opGetIPAddress,
			want: want{method: http.MethodGet, path: "/ip_addresses/ip_address", query: query("ip_address[id]", "ip_VOnKeWEKAYHz2X9v")},
			call: func(ctx context.Context, c *Client) (int, error) {
				_, err := c.IPAddress(ctx, testToken, "ip_VOnKeWEKAYHz2X9v")
				return 1, err
			},
			wrong: []string{`{"ip_address":null}`, `{"allocation":null}`},
		},
		{
			op: opListIPAddresses,
			want: want{method: http.MethodGet, path: "/organizations/organization/ip_addresses",
				query: query("organization[sub_domain]", "acme", "page", "1", "per_page", "30")},
			call: func(ctx context.Context, c *Client) (int, error) {
				v, err := c.IPAddresses(ctx, testToken, "acme", 1, 30)
				return len(v.Addresses), err
			},
			empty: []string{`{"pagination":{"current_page":1,"total_pages":0,"total":0,"per_page":30,"large_set":false},"ip_addresses":[]}`},
			wrong: []string{
				`{"ip_addresses":[]}`,
				`{"pagination":{"current_page":1,"total_pages":0,"total":0,"per_page":30}}`,
				`{"pagination":null,"ip_addresses":[]}`,
				`{"pagination":{"current_page":1},"ip_addresses":null}`,
			},
		},
	}
}

func TestASuccessOfAnotherShapeIsAnUnexpectedAnswerNotAnEmptyOne(t *testing.T) {
	t.Parallel()
	for _, sc := range shapeCalls() {
		for _, body := range slices.Concat(wrongShapes, sc.wrong) {
			t.Run(sc.op+" answered "+body, func(t *testing.T) {
				t.Parallel()
				x := sc.want
				x.status, x.raw = http.StatusOK, body
				x.header = map[string]string{"Content-Type": "application/json", "X-Request-Id": "req_shape"}
				c := fakeKatapult(t, x)
				n, err := sc.call(t.Context(), c)
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("got %d items and err %v, want an unexpected answer", n, err)
				}
				if e.Code != CodeUnexpectedResponse || e.Status != http.StatusOK || e.RequestID != "req_shape" {
					t.Errorf("got code %s status %d request %q, want unexpected_response 200 req_shape", e.Code, e.Status, e.RequestID)
				}
				// A create whose answer cannot be read may have happened; a
				// read has no outcome to be unknown.
				var oe *OutcomeUnknownError
				if got, create := errors.As(err, &oe), sc.want.method == http.MethodPost; got != create {
					t.Errorf("outcome unknown = %v, want %v", got, create)
				}
			})
		}
	}
}

func TestAnExplicitlyEmptyListIsAValidEmptyAnswer(t *testing.T) {
	t.Parallel()
	for _, sc := range shapeCalls() {
		for _, body := range sc.empty {
			t.Run(sc.op+" answered "+body, func(t *testing.T) {
				t.Parallel()
				x := sc.want
				x.status, x.raw = http.StatusOK, body
				x.header = map[string]string{"Content-Type": "application/json"}
				c := fakeKatapult(t, x)
				n, err := sc.call(t.Context(), c)
				if err != nil || n != 0 {
					t.Errorf("got %d items and err %v, want none and no error", n, err)
				}
			})
		}
	}
}
