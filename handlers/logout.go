package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"ipdesk/views"
)

// handleLogout ends the session: the journal forgets it, so that a copy
// of the cookie no longer signs anyone in, and the cookie is deleted.
func (s *server) handleLogout() echo.HandlerFunc {
	return func(c echo.Context) error {
		if sess, _ := s.loadSession(c); sess != nil && sess.ID != "" && s.journal != nil {
			if err := s.journal.RevokeSession(c.Request().Context(), sess.ID); err != nil {
				return err
			}
		}
		s.clearSession(c)
		return c.Redirect(http.StatusSeeOther, views.PathLogin("", whySignedOut))
	}
}
