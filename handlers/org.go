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

// ctxOrg is where orgRoute keeps the request's orgScope.
const ctxOrg = "ipdesk.org"

// orgScope is the organization an /orgs/{org}/… request names: the
// reference as the URL has it, and the organization once loaded.
type orgScope struct {
	ref    katapult.OrgRef
	loaded bool
	org    katapult.Organization
	orgs   []katapult.Organization // the list the token sees
}

// orgRoute is the middleware of every /orgs/{org}/… route: a reference
// that cannot name an organization is a 404 without asking Katapult; any
// other is kept for the handler, which loads the organization (loadOrg)
// only if it needs it.
func orgRoute(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref := c.Param("org")
		if !validOrgRef(ref) {
			return echo.ErrNotFound
		}
		c.Set(ctxOrg, &orgScope{ref: katapult.OrgRef(ref)})
		return next(c)
	}
}

// orgOf is the request's organization scope; orgRoute set it.
func orgOf(c echo.Context) *orgScope {
	sc, _ := c.Get(ctxOrg).(*orgScope)
	if sc == nil {
		// A route outside orgRoute asked: a mistake in routes.go.
		panic("handlers: no organization scope on route " + c.Path())
	}
	return sc
}

// loadedOrg is the request's organization as canonicalOrg loaded it.
func loadedOrg(c echo.Context) *orgScope {
	sc := orgOf(c)
	if !sc.loaded {
		panic("handlers: the organization is not loaded on route " + c.Path() + ": canonicalOrg is missing")
	}
	return sc
}

// loadOrg loads the request's organization, once: from the (cached) list
// the token sees, asking for it alone only when the list lacks it.
func (s *server) loadOrg(c echo.Context) (*orgScope, error) {
	sc := orgOf(c)
	if sc.loaded {
		return sc, nil
	}
	o, orgs, err := s.findOrg(c.Request().Context(), sessionOf(c).token(), sc.ref)
	if err != nil {
		return nil, err
	}
	sc.org, sc.orgs, sc.loaded = o, orgs, true
	return sc, nil
}

// canonicalOrg is the middleware of the pages that show an organization:
// it loads it, and redirects a URL that names it by id, or in another
// case, to the same URL with its sub_domain, so that bookmarks use one
// form.
func (s *server) canonicalOrg(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sc, err := s.loadOrg(c)
		if err != nil {
			return err
		}
		if done, err := canonical(c, sc.org); done {
			return err
		}
		return next(c)
	}
}

// canonicalOrgID is canonicalOrg for the pages that must cost no call
// right after a create (an address's page): only an `org_…` id, which
// cannot name the organization in a bookmark's form, is loaded and
// redirected.
func (s *server) canonicalOrgID(next echo.HandlerFunc) echo.HandlerFunc {
	canon := s.canonicalOrg(next)
	return func(c echo.Context) error {
		if orgOf(c).ref.IsID() {
			return canon(c)
		}
		return next(c)
	}
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

// cachedOrgHeader is the heading of an address's page and of the pages
// that follow a create, none of which fetch the organization: submit to
// result must stay within two calls. It names the organization from the
// cached list when that is warm (no call), and by its sub_domain alone
// otherwise.
func (s *server) cachedOrgHeader(tok katapult.Token, sub string) views.OrgHeader {
	if orgs, ok := s.api.CachedOrganizations(tok); ok {
		if o, ok := orgIn(orgs, katapult.OrgRef(sub)); ok {
			return orgHeader(o)
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

// canonical redirects a URL that names the organization otherwise than by
// its sub_domain to the same URL with it. It reports whether it answered.
func canonical(c echo.Context, o katapult.Organization) (bool, error) {
	named := c.Param("org")
	if named == o.SubDomain || o.SubDomain == "" {
		return false, nil
	}
	// orgRoute let only letters, digits, "-" and "_" through: the path
	// holds the reference as it is.
	rest := strings.TrimPrefix(c.Request().URL.EscapedPath(), "/orgs/"+named)
	target := views.PathOrg(o.SubDomain) + rest
	if q := c.Request().URL.RawQuery; q != "" {
		target += "?" + q
	}
	return true, c.Redirect(http.StatusFound, target)
}
