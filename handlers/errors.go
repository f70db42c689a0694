package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

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
	status, prob := s.explain(c, err)
	s.logError(c, err, status)
	if isHTMX(c) {
		// Whatever the request targeted, an error page replaces the main
		// content.
		h := c.Response().Header()
		h.Set(hxRetarget, "#main")
		h.Set(hxReswap, "innerHTML")
		h.Set(hxReselect, "[data-testid=error-page]")
	}
	if rerr := s.renderProblem(c, status, prob); rerr != nil {
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

// explain maps an error to a status and a problem for staff.
func (s *server) explain(c echo.Context, err error) (int, views.Problem) {
	var (
		kerr    *katapult.Error
		unavail *katapult.UnavailableError
		unknown *katapult.OutcomeUnknownError
		cerr    *csrfError
		bad     *badRequest
		herr    *echo.HTTPError
	)
	switch {
	case errors.As(err, &unknown):
		// Before *Error: an unknown outcome may wrap the answer that left
		// it open.
		return http.StatusGatewayTimeout, unknownProblem("")
	case errors.As(err, &kerr):
		return katapultStatus(kerr), problemFor(kerr)
	case errors.As(err, &unavail):
		return http.StatusBadGateway, unavailableProblem()
	case errors.As(err, &cerr):
		return http.StatusForbidden, views.Problem{
			Kind: "csrf", Title: "Form expired",
			Message: "This form could not be verified: it may be too old, or it was sent from another site.",
			Action:  "Go back, reload the page and submit it again.",
			Links:   homeLinks("Organizations"),
		}
	case errors.As(err, &bad):
		return http.StatusBadRequest, views.Problem{Kind: "bad-request", Title: bad.Title, Message: bad.Message,
			Links: homeLinks("Organizations")}
	case errors.As(err, &herr):
		return herr.Code, httpProblem(herr.Code)
	}
	return http.StatusInternalServerError, views.Problem{
		Kind: "internal", Title: "Something went wrong",
		Message:   "ipdesk failed to show this page. Nothing was changed by this error.",
		Action:    "Try again; if it keeps happening, report it with the request ID below.",
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	}
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

// katapultStatus is the status ipdesk answers with for a Katapult error
// shown as a page: Katapult's own for client errors; for Katapult's server
// errors, 502, since it is ipdesk that answers.
func katapultStatus(e *katapult.Error) int {
	switch {
	case e.Status >= 400 && e.Status < 500:
		return e.Status
	case e.Code == katapult.CodeServiceUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadGateway
}

// problemFor explains a Katapult error from the catalogue, with the details
// its code carries.
func problemFor(e *katapult.Error) views.Problem {
	en := e.Entry()
	p := views.Problem{Kind: string(e.Code), Title: en.Title, Message: en.Message, Action: en.Action, RequestID: e.RequestID}
	switch e.Code {
	case katapult.CodeScopeNotGranted:
		scopes := e.Detail.Scopes
		if len(scopes) == 0 {
			scopes = []string{"the one this action needs"}
		}
		for _, sc := range scopes {
			p.Details = append(p.Details, "Missing scope: "+sc)
		}
	case katapult.CodeRateLimitReached:
		p.Details = append(p.Details, retryWhen(e.RetryAfter))
		if e.Detail.TotalPermitted > 0 {
			p.Details = append(p.Details, fmt.Sprintf("The limit is %d requests a minute for each API token.", e.Detail.TotalPermitted))
		}
	case katapult.CodeValidationError:
		p.Details = append(p.Details, e.Detail.Errors...)
	case katapult.CodeInvalidArgument:
		if e.Detail.Argument != "" {
			p.Details = append(p.Details, strings.TrimSpace("Argument "+e.Detail.Argument+": "+e.Detail.Issue))
		}
	case katapult.CodeUnexpectedResponse:
		if d := answeredWith(e.Status); d != "" {
			p.Details = append(p.Details, d)
		}
	}
	return p
}

// answeredWith names the status of an answer ipdesk could not understand,
// for staff who report it: a success in the wrong shape and a proxy's error
// page call for different people.
func answeredWith(status int) string {
	switch {
	case status <= 0:
		return ""
	case status < 300:
		return fmt.Sprintf("Katapult answered with status %d, but not with what ipdesk asked for.", status)
	case status < 400:
		return fmt.Sprintf("Katapult answered with status %d (%s), sending ipdesk elsewhere; ipdesk follows no redirect.", status, http.StatusText(status))
	}
	return fmt.Sprintf("Katapult answered with status %d (%s) and no error ipdesk knows: perhaps a proxy in front of it.", status, http.StatusText(status))
}

// retryWhen says when a rate-limited request may be tried again: in
// seconds, as Katapult's limit resets every minute, and in minutes for
// the longer waits a proxy in front of it may ask for.
func retryWhen(after time.Duration) string {
	secs := int((after + time.Second - 1) / time.Second)
	switch {
	case after <= 0:
		return "Try again within a minute."
	case secs == 1:
		return "Try again in 1 second."
	case secs < 120:
		return fmt.Sprintf("Try again in %d seconds.", secs)
	}
	return fmt.Sprintf("Try again in %d minutes.", (secs+59)/60)
}

// homeLinks link back to the organization list.
func homeLinks(text string) []views.Link {
	return []views.Link{{Text: text, Href: views.PathHome(""), TestID: "link-home"}}
}

// unavailableProblem is the panel for a read that Katapult did not answer.
func unavailableProblem() views.Problem {
	return views.Problem{
		Kind: "unavailable", Title: "Katapult did not answer",
		Message: "ipdesk could not reach Katapult, or Katapult did not answer in time.",
		Action:  "Try again in a moment; if it lasts, check Katapult's status.",
	}
}

// unknownProblem is the panel for a create whose answer never came.
func unknownProblem(listURL string) views.Problem {
	p := views.Problem{
		Kind: "outcome-unknown", Title: "The outcome is unknown", Warning: true,
		Message: "ipdesk sent the request to create the address, but Katapult's answer never came " +
			"(it timed out or the connection failed). The address may or may not have been created.",
		Action: "Check the organization's addresses before trying again. ipdesk never retries a create by itself.",
	}
	if listURL != "" {
		p.Links = []views.Link{{Text: "Check the organization's addresses", Href: listURL, TestID: "unknown-check"}}
	}
	return p
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
