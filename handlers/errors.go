package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
	"ipdesk/reqinfo"
	"ipdesk/views"
)

// badRequest is a request ipdesk itself refuses, with a sentence for staff.
type badRequest struct {
	Title, Message string
}

func (e *badRequest) Error() string { return "bad request: " + e.Message }

// handleError is the one place that turns an error into an answer: it logs
// it once and renders a page (or, for htmx, a fragment) that explains it.
// No raw error text reaches a page.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.logError(c, err, 0)
		return
	}
	if errors.Is(err, katapult.ErrSignIn) {
		s.logError(c, err, http.StatusUnauthorized)
		if err := s.endSession(c, err); err != nil {
			s.logError(c, err, http.StatusInternalServerError)
		}
		return
	}
	sh := s.explain(c, err, nil)
	status := sh.status
	s.logError(c, err, status)
	if isHTMX(c) {
		// Whatever the request targeted, an error page replaces the main
		// content.
		h := c.Response().Header()
		h.Set(hxRetarget, "#main")
		h.Set(hxReswap, "innerHTML")
		h.Set(hxReselect, "[data-testid=error-page]")
	}
	if rerr := s.renderProblem(c, status, sh.problem); rerr != nil {
		s.logError(c, rerr, http.StatusInternalServerError)
		// The last resort is still a page, not a stack trace.
		_ = c.HTML(http.StatusInternalServerError, "<!DOCTYPE html><title>Error · ipdesk</title><h1>Something went wrong</h1><p>ipdesk could not show this page. Try again.</p>")
	}
}

// endSession ends a session whose token Katapult no longer accepts, and
// sends the user to sign in again, saying why.
func (s *server) endSession(c echo.Context, err error) error {
	s.clearSession(c)
	why := whySignIn
	var kerr *katapult.Error
	if errors.As(err, &kerr) {
		why = string(kerr.Code)
	}
	return s.toLogin(c, why)
}

// httpProblem explains the router's own errors.
func httpProblem(code int) views.Problem {
	home := homeLinks("Organizations")
	switch code {
	case http.StatusNotFound:
		return views.Problem{Kind: "not-found", Title: "Page not found",
			Message: "There is no page at this address.", Action: "Start again from the organization list.", Links: home}
	case http.StatusMethodNotAllowed:
		return views.Problem{Kind: "method-not-allowed", Title: "Not allowed",
			Message: "This page cannot be used that way.", Action: "Start again from the organization list.", Links: home}
	case http.StatusRequestEntityTooLarge:
		return views.Problem{Kind: "too-large", Title: "Request too large",
			Message: "The form sent more data than ipdesk accepts.", Action: "Go back and submit the form again.", Links: home}
	}
	return views.Problem{Kind: "http-" + fmt.Sprint(code), Title: http.StatusText(code),
		Message: "ipdesk could not handle this request.", Action: "Start again from the organization list.", Links: home}
}

// homeLinks link back to the organization list.
func homeLinks(text string) []views.Link {
	return []views.Link{{Text: text, Href: views.PathHome(""), TestID: "link-home"}}
}

// logError logs an error once: in the request's own log line when the
// server in front writes one (package reqinfo), else in a line of its own,
// as an error for ipdesk's own failures and as information for the
// expected ones.
func (s *server) logError(c echo.Context, err error, status int) {
	attrs := []slog.Attr{slog.String("error", err.Error())}
	var p *panicError
	if errors.As(err, &p) {
		attrs = append(attrs, slog.String("stack", p.stack))
	}
	var kerr *katapult.Error
	if errors.As(err, &kerr) && kerr.RequestID != "" {
		attrs = append(attrs, slog.String("katapult_request_id", kerr.RequestID))
	}
	if reqinfo.From(c.Request().Context()).AddAttrs(attrs...) {
		return
	}
	level := slog.LevelInfo
	if status >= 500 || status == 0 {
		level = slog.LevelError
	}
	attrs = append(attrs, slog.Int("status", status),
		slog.String("path", c.Request().URL.Path),
		slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)))
	s.log.LogAttrs(context.WithoutCancel(c.Request().Context()), level, "request failed", attrs...)
}
