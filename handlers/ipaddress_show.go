package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
	"ipdesk/views"
)

// handleShow is the page of one address, under the organization that
// holds it only (address_owner.go). Right after a create it costs no call,
// so that submit to result costs the create alone: the per-token cache
// answers the address once from the create's own answer, and this
// session's ring of one-time tokens says where it was created. Opened any
// other way (a reload, a link, another replica), the address is fetched,
// and the organization's list is asked unless the ring vouches.
func (s *server) handleShow() echo.HandlerFunc {
	return func(c echo.Context) error {
		addr, err := s.ownedAddress(c)
		if err != nil {
			return err
		}
		org, sess := string(orgOf(c).ref), sessionOf(c)
		v := s.resultView(s.cachedOrgHeader(sess.token(), org), addr, s.now())
		v.Created, v.Again = createdHeading(c.QueryParam(createdParam), sess.created(addr.ID))
		if _, saved := s.takeFlash(c, flashSaved, org, addr.ID); saved {
			v.Notice = msgSaved
		}
		v.History = s.addressHistory(c, sess, org, addr.ID)
		v.HistoryURL = views.PathOrgActivity(org, nil)
		v.Org.ActivityURL = v.HistoryURL
		return s.render(c, http.StatusOK, resultPage(v))
	}
}

// addressHistory is the journal's rows about an address of organization
// org (a sub_domain), newest first. The journal keys rows by the
// organization's id, which the cached organization list gives; when it is
// cold, the list is asked for, except on the page right after a create
// (this session created the address), which must cost no call: the history
// is left out there, and the page links to the organization's activity.
// The history is an extra: if it cannot be read, the page goes without it
// and the log says why.
func (s *server) addressHistory(c echo.Context, sess *session, org, id string) []views.ActivityRow {
	if s.journal == nil {
		return nil
	}
	ctx, tok := c.Request().Context(), sess.token()
	orgs, ok := s.api.CachedOrganizations(tok)
	if !ok && !sess.createdIn(org, id) {
		var err error
		if orgs, err = s.api.Organizations(ctx, tok); err != nil {
			s.log.Warn("address page: no history: the organization list could not be read", "err", err,
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			return nil
		}
	}
	o, ok := orgIn(orgs, katapult.OrgRef(org))
	if !ok {
		return nil
	}
	entries, err := s.journal.ForAddress(ctx, o.ID, id)
	if err != nil {
		s.log.Warn("address page: no history: the journal could not be read", "err", err,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return nil
	}
	rows := make([]views.ActivityRow, 0, len(entries))
	now, names := s.now(), map[string]katapult.Organization{o.ID: o}
	for _, e := range entries {
		rows = append(rows, activityRow(e, now, names, func(v url.Values) string { return views.PathOrgActivity(o.SubDomain, v) }))
	}
	return rows
}

// ownedAddress is the address of the URL ({id}), fetched, if the
// organization of the URL holds it (address_owner.go); Katapult's
// ip_address_not_found otherwise, and a 404 for what cannot be an id.
func (s *server) ownedAddress(c echo.Context) (katapult.IPAddress, error) {
	id := c.Param("id")
	if !validID(id) {
		return katapult.IPAddress{}, echo.ErrNotFound
	}
	ctx, sess := c.Request().Context(), sessionOf(c)
	addr, err := s.api.IPAddress(ctx, sess.token(), id)
	if err != nil {
		return katapult.IPAddress{}, err
	}
	if err := s.checkHolds(ctx, sess, string(orgOf(c).ref), id); err != nil {
		return katapult.IPAddress{}, err
	}
	return addr, nil
}

// createdHeading is what ?created= may say: "created" (1) or "created
// before" (again), and only when this session did create the address. The
// parameter alone is a link anyone can write; without the session's word
// the page shows the address as any other, and the parameter is left
// alone rather than redirected away, which would cost a round trip for
// nothing.
func createdHeading(param string, mine bool) (created, again bool) {
	if !mine {
		return false, false
	}
	switch param {
	case createdNew:
		return true, false
	case createdResubmit:
		return true, true
	}
	return false, false
}

// validID accepts what can be a Katapult object id: a type prefix, "_" and
// letters and digits.
func validID(id string) bool {
	if id == "" || len(id) > maxKeyLen {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func resultPage(v views.ResultView) views.Page {
	title := v.Address
	if v.Created {
		title = "Created " + v.Address
	}
	return views.Page{Title: title, Main: views.ResultMain(v)}
}
