package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
	"ipdesk/views"
)

// validOrgRef accepts what can name an organization in a URL: a sub_domain
// (a DNS label) or an `org_…` id. Anything else is a 404 without asking
// Katapult.
func validOrgRef(ref string) bool {
	if ref == "" || len(ref) > maxKeyLen {
		return false
	}
	for _, r := range ref {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}

// orgParam is the organization reference of the URL, or a 404.
func orgParam(c echo.Context) (katapult.OrgRef, error) {
	ref := c.Param("org")
	if !validOrgRef(ref) {
		return "", echo.ErrNotFound
	}
	return katapult.OrgRef(ref), nil
}

// findOrg finds an organization by id or sub_domain in the (cached) list
// the token sees, asking for it alone only when the list lacks it.
func (s *server) findOrg(ctx context.Context, tok katapult.Token, ref katapult.OrgRef) (katapult.Organization, []katapult.Organization, error) {
	orgs, err := s.api.Organizations(ctx, tok)
	if err != nil {
		return katapult.Organization{}, nil, err
	}
	if o, ok := orgIn(orgs, ref); ok {
		return o, orgs, nil
	}
	o, err := s.api.Organization(ctx, tok, ref)
	return o, orgs, err
}

// orgIn finds an organization by id or sub_domain in a list.
func orgIn(orgs []katapult.Organization, ref katapult.OrgRef) (katapult.Organization, bool) {
	for _, o := range orgs {
		if (ref.IsID() && o.ID == string(ref)) || (!ref.IsID() && strings.EqualFold(o.SubDomain, string(ref))) {
			return o, true
		}
	}
	return katapult.Organization{}, false
}

// orgsCache is what the per-token cache offers beyond the port: the
// organization list when it holds a fresh one, without asking Katapult.
type orgsCache interface {
	CachedOrganizations(tok katapult.Token) ([]katapult.Organization, bool)
}

// cachedOrgHeader is the heading of an address's page and of the pages
// that follow a create, none of which fetch the organization: submit to
// result must stay within two calls. It names the organization from the
// cached list when that is warm (no call), and by its sub_domain alone
// otherwise.
func (s *server) cachedOrgHeader(tok katapult.Token, sub string) views.OrgHeader {
	if c, ok := s.api.(orgsCache); ok {
		if orgs, ok := c.CachedOrganizations(tok); ok {
			if o, ok := orgIn(orgs, katapult.OrgRef(sub)); ok {
				return orgHeader(o)
			}
		}
	}
	return views.OrgHeader{
		Name: sub, SubDomain: sub, FormURL: views.PathNewAddress(sub),
		ListURL: views.PathAddresses(sub), NetworksURL: views.PathNetworks(sub),
	}
}

// usable reports whether addresses can be created for, and listed of, an
// organization: Katapult refuses both for a suspended or not activated one.
func usable(o katapult.Organization) bool { return !o.Suspended && o.Activated() }

// canonical redirects a URL that names the organization by id, or in
// another case, to the same URL with its sub_domain, so that bookmarks use
// one form. It reports whether it answered.
func canonical(c echo.Context, o katapult.Organization, build func(org string) string) (bool, error) {
	if c.Param("org") == o.SubDomain || o.SubDomain == "" {
		return false, nil
	}
	target := build(o.SubDomain)
	if q := c.Request().URL.RawQuery; q != "" {
		target += "?" + q
	}
	return true, c.Redirect(http.StatusFound, target)
}
