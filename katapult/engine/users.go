package engine

import (
	"net/http"

	"ipdesk/katapult"
)

// The shapes of GET /users/current: the User schema, and each
// organization as {id, name, sub_domain}.
type (
	userJSON struct {
		ID        string  `json:"id"`
		FirstName string  `json:"first_name"`
		LastName  string  `json:"last_name"`
		AvatarURL *string `json:"avatar_url"`
	}
	organizationRefJSON struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		SubDomain string `json:"sub_domain"`
	}
)

// GET /users/current: who the token belongs to, and the organizations it
// sees (in seed order, whatever their state). Any valid token may ask; a
// token that belongs to no user is no_user_associated_with_identity.
func (e *Engine) currentUser(w http.ResponseWriter, _ *http.Request, tok *token) error {
	u := tok.user
	if u == nil {
		return apiError(katapult.CodeNoUserAssociatedWithIdentity)
	}
	orgs := []organizationRefJSON{}
	for _, o := range e.cat.organizations {
		if tok.access[o.ID] != "" {
			orgs = append(orgs, organizationRefJSON{o.ID, o.Name, o.SubDomain})
		}
	}
	return writeJSON(w, http.StatusOK, struct {
		User          userJSON              `json:"user"`
		Organizations []organizationRefJSON `json:"organizations"`
		APITokenID    string                `json:"api_token_id"`
	}{userJSON{u.ID, u.FirstName, u.LastName, nullStr(u.AvatarURL)}, orgs, tok.apiTokenID})
}
