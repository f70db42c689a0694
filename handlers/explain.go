package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
	"ipdesk/views"
)

// form describes the form a request came from, for explain: the fields
// it has, beside which an error that concerns one of them is shown, and
// the operation it asks of Katapult.
type form struct {
	fields []katapult.Field
	// op is the port's operation the form sends (katapult.Op…): a missing
	// answer is explained in its words.
	op string
	// scope is the scope the form's action needs, named when Katapult's
	// scope_not_granted does not say which.
	scope string
}

// The dashboard's forms.
var (
	createForm = &form{op: katapult.OpCreateIPAddress,
		fields: []katapult.Field{katapult.FieldNetwork, katapult.FieldVersion, katapult.FieldLabel}}
	signInForm = &form{fields: []katapult.Field{katapult.FieldToken}, scope: orgsScope}
)

func (f *form) has(field katapult.Field) bool {
	return f != nil && field != katapult.FieldNone && slices.Contains(f.fields, field)
}

// shown is an error as a page shows it.
type shown struct {
	status int
	// problem explains the error in a panel: on a page of its own, or
	// above a form whose fields do not say it all.
	problem views.Problem
	// fields are the sentences a form shows beside its fields, by field
	// (FieldNone: the form as a whole), instead of the panel; nil when
	// the error concerns none of them.
	fields map[katapult.Field][]string
}

// explain is the one place that turns an error into what a page shows:
// the status to answer with, and the sentences of the catalogue
// (katapult/errors.go) with the details the error carries. f is the form
// the request came from, nil for a page: an error that other values in the
// form can fix is then placed beside its field and answered with 422, so
// that the form comes back with the user's input.
func (s *server) explain(c echo.Context, err error, f *form) shown {
	var (
		kerr     *katapult.Error
		unavail  *katapult.UnavailableError
		unknown  *katapult.OutcomeUnknownError
		cerr     *csrfError
		bad      *badRequest
		herr     *echo.HTTPError
		throttle *signInThrottled
	)
	switch {
	case errors.As(err, &unknown):
		// Before *Error: an unknown outcome may wrap the answer that left
		// it open.
		en := unknown.Entry()
		return shown{status: en.Status, problem: views.Problem{Kind: "outcome-unknown", Warning: true,
			Title: en.Title, Message: en.Message, Action: en.Action}}
	case errors.As(err, &kerr):
		return explainKatapult(kerr, f)
	case errors.As(err, &unavail):
		en := unavail.Entry()
		if f != nil && f.op != "" {
			en = katapult.NoAnswer(f.op)
		}
		return shown{status: en.Status, problem: views.Problem{Kind: "unavailable",
			Title: en.Title, Message: en.Message, Action: en.Action}}
	case errors.As(err, &cerr):
		return shown{status: http.StatusForbidden, problem: views.Problem{
			Kind: "csrf", Title: "Form expired",
			Message: "This form could not be verified: it may be too old, or it was sent from another site.",
			Action:  "Go back, reload the page and submit it again.",
			Links:   homeLinks("Organizations"),
		}}
	case errors.As(err, &bad):
		return shown{status: http.StatusBadRequest, problem: views.Problem{Kind: "bad-request", Title: bad.Title,
			Message: bad.Message, Links: homeLinks("Organizations")}}
	case errors.As(err, &throttle):
		return shown{status: http.StatusTooManyRequests, problem: views.Problem{
			Kind:    problemTooManySignIns,
			Title:   "Too many sign-in attempts",
			Message: fmt.Sprintf("Too many sign-in attempts from your address. Wait %s, then try again.", seconds(throttle.secs())),
			Action: "ipdesk allows a few wrong tokens in a row, then slows down sign-ins from the same address so that " +
				"tokens cannot be guessed. If these attempts were not yours, tell whoever runs ipdesk.",
		}}
	case errors.As(err, &herr):
		return shown{status: herr.Code, problem: httpProblem(herr.Code)}
	}
	return shown{status: http.StatusInternalServerError, problem: views.Problem{
		Kind: "internal", Title: "Something went wrong",
		Message:   "ipdesk failed to show this page. Nothing was changed by this error.",
		Action:    "Try again; if it keeps happening, report it with the request ID below.",
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	}}
}

// explainKatapult explains an error Katapult answered with.
func explainKatapult(e *katapult.Error, f *form) shown {
	en := e.Entry()
	sh := shown{status: katapultStatus(e), problem: problemFor(e, f)}
	if f == nil {
		return sh
	}
	switch {
	case e.Code == katapult.CodeValidationError:
		sh.fields = map[katapult.Field][]string{}
		for _, msg := range e.Detail.Errors {
			field := katapult.ValidationField(msg)
			if !f.has(field) {
				field = katapult.FieldNone
			}
			sh.fields[field] = append(sh.fields[field], msg)
		}
		if len(e.Detail.Errors) == 0 {
			sh.fields[katapult.FieldNone] = []string{en.Message + " " + en.Action}
		}
	case f.has(en.Field):
		sh.fields = map[katapult.Field][]string{en.Field: {fieldSentence(e, f)}}
	}
	if sh.fields != nil || en.FormFixes {
		sh.status = http.StatusUnprocessableEntity
	}
	return sh
}

// fieldSentence is what is said beside the field an error concerns.
func fieldSentence(e *katapult.Error, f *form) string {
	en := e.Entry()
	if e.Code == katapult.CodeScopeNotGranted {
		return "This API token lacks the " + strings.Join(missingScopes(e, f), ", ") + " scope. " + en.Action
	}
	return en.Message + " " + en.Action
}

// missingScopes are the scopes a scope_not_granted names, else the one the
// form needs if it says.
func missingScopes(e *katapult.Error, f *form) []string {
	switch {
	case len(e.Detail.Scopes) > 0:
		return e.Detail.Scopes
	case f != nil && f.scope != "":
		return []string{f.scope}
	}
	return []string{"the one this action needs"}
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
func problemFor(e *katapult.Error, f *form) views.Problem {
	en := e.Entry()
	p := views.Problem{Kind: string(e.Code), Title: en.Title, Message: en.Message, Action: en.Action, RequestID: e.RequestID}
	switch e.Code {
	case katapult.CodeScopeNotGranted:
		for _, sc := range missingScopes(e, f) {
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

// stateProblem explains why an organization cannot get addresses, from
// what the organization list says. It links only to the other
// organizations: Katapult refuses the address list of such an
// organization too.
func stateProblem(o katapult.Organization) *views.Problem {
	if usable(o) {
		return nil
	}
	code := katapult.CodeOrganizationNotActivated
	if o.Suspended {
		code = katapult.CodeOrganizationSuspended
	}
	p := problemFor(katapult.NewError(code, katapult.Detail{}), nil)
	p.Links = homeLinks("Other organizations")
	return &p
}

// answeredWith names the status of an answer ipdesk could not understand,
// for staff who report it: a success in the wrong shape and a proxy's error
// page read differently.
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
