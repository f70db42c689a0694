package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
)

// formWithinLimit reads a posted form before anything looks into it. Echo's
// body limit refuses a body that says it is too long at once, but one sent
// without a length (chunked) is cut only while it is read, and the readers
// of form values (the CSRF check looking for `_csrf`, then the handler)
// drop that error: the post would be answered as a form without its token
// (403) or without its fields (422). Reading the form here first makes it
// the 413 page it is; the form is parsed once and kept for the readers
// after.
func formWithinLimit() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Method != http.MethodPost {
				return next(c)
			}
			if _, err := c.FormParams(); errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
				return echo.ErrStatusRequestEntityTooLarge
			}
			return next(c)
		}
	}
}
