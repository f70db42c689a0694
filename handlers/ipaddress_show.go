package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ipdesk/views"
)

// handleShow is the page of one address. It costs one call (the address
// itself), so that submit-to-result stays within two.
func (s *server) handleShow() echo.HandlerFunc {
	return func(c echo.Context) error {
		ref, err := orgParam(c)
		if err != nil {
			return err
		}
		id := c.Param("id")
		if !validID(id) {
			return echo.ErrNotFound
		}
		ctx, tok := c.Request().Context(), sessionOf(c).token()
		if ref.IsID() {
			o, _, err := s.findOrg(ctx, tok, ref)
			if err != nil {
				return err
			}
			if done, err := canonical(c, o, func(org string) string { return views.PathAddress(org, id) }); done {
				return err
			}
		}
		addr, err := s.api.IPAddress(ctx, tok, id)
		if err != nil {
			return err
		}
		v := resultView(s.cachedOrgHeader(tok, string(ref)), addr, s.now())
		switch c.QueryParam(createdParam) {
		case createdNew:
			v.Created = true
		case createdResubmit:
			v.Created, v.Again = true, true
		}
		return s.render(c, http.StatusOK, resultPage(v))
	}
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
