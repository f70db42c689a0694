package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ipdesk/views"
)

// handleNetworks is the organization's networks grouped by data center:
// for htmx the form's network field (to load it again in place), else a
// page listing them, each a link to the form with it chosen.
func (s *server) handleNetworks() echo.HandlerFunc {
	return func(c echo.Context) error {
		o := loadedOrg(c).org
		if p := stateProblem(o); p != nil {
			return s.renderProblem(c, http.StatusOK, *p)
		}
		field, state, err := s.networkField(c, o.SubDomain, c.QueryParam("network"))
		if err != nil {
			return err
		}
		if state != nil {
			return s.renderProblem(c, http.StatusOK, *state)
		}
		if isHTMX(c) {
			status := http.StatusOK
			if field.Problem != nil {
				status = http.StatusBadGateway
			}
			return s.renderPartial(c, status, views.NetworkSelect(field))
		}
		if field.Problem != nil {
			return s.renderProblem(c, http.StatusBadGateway, *field.Problem)
		}
		v := views.NetworksView{Org: orgHeader(o), Groups: field.Groups}
		return s.render(c, http.StatusOK, views.Page{Title: "Networks · " + v.Org.Name, Main: views.NetworksMain(v)})
	}
}
