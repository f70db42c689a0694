package katapult

import (
	"context"
	"net/http"
	"strings"

	"github.com/krystal/go-katapult/next/core"
)

// OpCurrentUser names GET /users/current in errors and logs.
const OpCurrentUser = "get current user"

var currentUser = operation{name: OpCurrentUser, answer: []member{{"user", jsonObject}}}

// User is who a token belongs to.
type User struct {
	ID   string
	Name string // first and last name; empty when Katapult gives neither
}

// CurrentUser asks Katapult who the token belongs to. A token that belongs
// to no user is an *Error with CodeNoUserAssociatedWithIdentity.
func (c *Client) CurrentUser(ctx context.Context, tok Token) (User, error) {
	return call(ctx, c, tok, currentUser,
		func(ctx context.Context, api *core.Client) (*http.Response, error) {
			return api.GetUsersCurrent(ctx)
		},
		func(rsp *http.Response) (User, bool) {
			res, err := core.ParseGetUsersCurrentResponse(rsp)
			if err != nil || res.JSON200 == nil || res.JSON200.User.Id == nil || *res.JSON200.User.Id == "" {
				return User{}, false
			}
			u := res.JSON200.User
			name := strings.TrimSpace(str(u.FirstName) + " " + str(u.LastName))
			return User{ID: *u.Id, Name: name}, true
		})
}

// CurrentUser goes straight through: it is asked once per sign-in.
func (c *Cache) CurrentUser(ctx context.Context, tok Token) (User, error) {
	return c.api.CurrentUser(ctx, tok)
}
