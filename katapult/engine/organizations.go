package engine

import (
	"net/http"

	"ipdesk/katapult"
)

// GET /organizations: the organizations the token holds, in seed order,
// whatever their state (the dashboard shows it as a badge).
func (e *Engine) listOrganizations(w http.ResponseWriter, _ *http.Request, tok *token) error {
	out := []organizationJSON{}
	for _, o := range e.cat.organizations {
		if tok.access[o.ID] != "" {
			out = append(out, organizationView(o))
		}
	}
	return writeJSON(w, http.StatusOK, struct {
		Organizations []organizationJSON `json:"organizations"`
	}{out})
}

// GET /organizations/:organization
func (e *Engine) getOrganization(w http.ResponseWriter, r *http.Request, tok *token) error {
	o, err := e.requestedOrganization(r, tok)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		Organization organizationJSON `json:"organization"`
	}{organizationView(o)})
}

// requestedOrganization is the usable organization a GET names by its
// path segment or query lookup.
func (e *Engine) requestedOrganization(r *http.Request, tok *token) (*organization, error) {
	lk, err := queryLookup(r, "organization")
	if err != nil {
		return nil, err
	}
	return e.usableOrganization(tok, lk)
}

// usableOrganization resolves an organization lookup for a token and checks
// its state. An organization the token does not hold is not found, as if it
// did not exist, so that a token learns nothing about others' organizations.
func (e *Engine) usableOrganization(tok *token, lk lookup) (*organization, error) {
	o, ok := e.cat.orgBy.find(lk)
	if !ok || tok.access[o.ID] == "" {
		return nil, apiError(katapult.CodeOrganizationNotFound)
	}
	switch {
	case o.Suspended:
		return nil, apiError(katapult.CodeOrganizationSuspended)
	case !o.ActivatedAt.Valid:
		return nil, apiError(katapult.CodeOrganizationNotActivated)
	}
	return o, nil
}
