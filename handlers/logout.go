package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ipdesk/views"
)

// handleLogout ends the session. The token lives only in the cookie, so
// deleting the cookie is all there is to it.
func (s *server) handleLogout() echo.HandlerFunc {
	return func(c echo.Context) error {
		s.clearSession(c)
		return c.Redirect(http.StatusSeeOther, views.PathLogin("", whySignedOut))
	}
}
