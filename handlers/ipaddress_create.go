package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ipdesk/journal"
	"ipdesk/katapult"
	"ipdesk/views"
)

// Sentences of the form's own checks. The label's come from the label rule
// in package katapult (katapult.CheckLabel), which the engine answers with
// too, so that staff read one message whoever checked.
const (
	msgNoNetwork    = "Choose a network."
	msgBadVersion   = "Choose IPv4 or IPv6."
	msgOnceMissing  = "This form could not be checked, so nothing was created. Check it and submit it again."
	createdParam    = "created"
	createdNew      = "1"
	createdResubmit = "again"
)

// handleCreate creates one address per rendered form. The form's one-time
// token is checked first: a token already used answers with what it did
// instead of creating again. With a journal the token is claimed there
// before the create is sent, so that this holds across replicas and
// restarts; without one, the session's ring of used tokens is all there is.
func (s *server) handleCreate() echo.HandlerFunc {
	return func(c echo.Context) error {
		ref := orgOf(c).ref
		org, sess := string(ref), sessionOf(c)
		in := readForm(c)
		if !validOnce(in.Once) {
			in.Once = "" // a fresh one; this post never creates
			s.onCreate(CreateInvalid)
			var fe formErrors
			fe.add(katapult.FieldNone, msgOnceMissing)
			return s.formAgain(c, in, fe, http.StatusUnprocessableEntity)
		}
		if used, ok := sess.onceResult(in.Once); ok && s.journal == nil {
			s.onCreate(CreateReplayed)
			return s.replay(c, org, used)
		}
		if fe, ok := in.check(); !ok {
			s.onCreate(CreateInvalid)
			return s.formAgain(c, in, fe, http.StatusUnprocessableEntity)
		}
		req := katapult.CreateIPAddress{Organization: ref, NetworkID: in.Network, Version: in.Version, VIP: in.VIP}
		if in.VIP {
			req.Label = in.Label
		}
		var res createResult
		if s.journal == nil {
			res = s.createOnce(c.Request().Context(), sess, in.Once, req)
		} else {
			var answered bool
			var err error
			if res, answered, err = s.createJournaled(c, sess, in, req); answered {
				return err
			}
		}
		if res.err != nil {
			return s.createFailed(c, in, res.err)
		}
		s.onCreate(CreateCreated)
		sess.rememberCreated(in.Once, org, res.addr.ID)
		sess.rememberLast(org, in.Network, in.Version)
		if err := s.saveSession(c, sess); err != nil {
			return err
		}
		return s.showCreated(c, org, res.addr, createdNew)
	}
}

// maxAttempts bounds how often one form is sent again after Katapult
// refused it: each attempt is a row of its own.
const maxAttempts = 20

// createJournaled creates the address of a form whose token the journal
// holds no row of yet: it claims the token, sends the create and writes
// its outcome. When a row holds the token already, it waits for that row's
// outcome and answers with it (answered is true, err is the answer's);
// only a refusal, which created nothing, lets the same form be sent again,
// as a new attempt under a key of its own, so that two posts of one form
// still send one create at a time and at most one succeeds.
func (s *server) createJournaled(c echo.Context, sess *session, in formInput, req katapult.CreateIPAddress) (res createResult, answered bool, err error) {
	sc, err := s.loadOrg(c)
	if err != nil {
		return res, true, err
	}
	e := entryOf(c, sess, sc.org, journal.ActionCreate)
	e.Request = journal.Request{NetworkID: in.Network, Version: string(in.Version), VIP: in.VIP, Label: req.Label}
	e.Reference = in.Reference
	for attempt := 1; ; attempt++ {
		e.FormToken = attemptKey(in.Once, attempt)
		row, err := s.claim(c, e)
		if errors.Is(err, journal.ErrClaimed) {
			mine := row.Org.ID == sc.org.ID
			if mine {
				if row, err = s.await(c.Request().Context(), row); err != nil {
					return res, true, err
				}
			}
			if mine && row.Outcome == journal.OutcomeRefused && attempt < maxAttempts {
				continue
			}
			s.onCreate(CreateReplayed)
			return res, true, s.replayEntry(c, in, sc.org, row)
		}
		if err != nil {
			return res, true, err
		}
		cctx, cancel := createContext(c.Request().Context())
		res.addr, res.err = s.api.CreateIPAddress(cctx, sess.token(), req)
		cancel()
		r := resultOf(res.err, true)
		r.Address = journal.Address{ID: res.addr.ID, IP: res.addr.Address}
		r.NetworkName = res.addr.Network.Name
		s.complete(c, row.ID, r)
		return res, false, nil
	}
}

// attemptKey is the journal's key of an attempt to send a form: its
// one-time token, then the token with the attempt's number.
func attemptKey(once string, attempt int) string {
	if attempt == 1 {
		return once
	}
	return once + "." + strconv.Itoa(attempt)
}

// replayEntry answers a post whose form was sent already, with that
// send's outcome (its row, completed or given up waiting for). It never
// creates.
func (s *server) replayEntry(c echo.Context, in formInput, o katapult.Organization, e journal.Entry) error {
	org := string(orgOf(c).ref)
	if e.Org.ID != o.ID {
		// A form of another organization posted to this one's URL (a
		// crafted post): replay shows its address only where it is held.
		return s.replay(c, org, onceUse{Token: in.Once, Address: e.Address.ID})
	}
	switch e.Outcome {
	case journal.OutcomeSucceeded:
		return s.replay(c, org, onceUse{Token: in.Once, Address: e.Address.ID})
	case journal.OutcomeRefused:
		sh := s.explain(c, errOf(e.ErrorCode), createForm)
		return s.formAgain(c, in, formErrorsOf(sh), sh.status)
	case journal.OutcomePending:
		return s.renderUnknown(c, org, http.StatusConflict, errStillPending)
	}
	return s.renderUnknown(c, org, http.StatusConflict, errEarlierUnknown)
}

// readForm reads the posted form. The label is trimmed as the label rule
// trims it, and bytes in it that are not UTF-8 become U+FFFD: the form
// shows the label again when it is refused, and a page must be UTF-8. The
// rule refuses U+FFFD as it refuses the bytes, so the label is refused all
// the same, and again if the page is submitted unchanged.
func readForm(c echo.Context) formInput {
	return formInput{
		Network: strings.TrimSpace(c.FormValue("network")),
		Version: katapult.Version(c.FormValue("version")),
		VIP:     c.FormValue("vip") == "on",
		Label:   strings.ToValidUTF8(katapult.TrimLabel(c.FormValue("label")), "\uFFFD"),
		Once:    c.FormValue("once"),
		// Read as it is; check refuses it when it cannot be kept.
		Reference: c.FormValue("reference"),
	}
}

// check is what ipdesk can tell about the form without asking Katapult.
func (in formInput) check() (formErrors, bool) {
	var fe formErrors
	if in.Network == "" || len(in.Network) > maxKeyLen {
		fe.add(katapult.FieldNetwork, msgNoNetwork)
	}
	if !in.Version.Valid() {
		fe.add(katapult.FieldVersion, msgBadVersion)
	}
	// A label is required for a VIP; one typed for a plain address is not
	// sent, but it is checked all the same, so that nothing a label may
	// not hold goes further than this form.
	if _, problems := katapult.CheckLabel(in.Label, in.VIP); len(problems) > 0 {
		fe.add(katapult.FieldLabel, problems...)
	}
	if _, err := journal.CheckReference(in.Reference); err != nil {
		fe.add(fieldReference, referenceProblem(in.Reference))
	}
	return fe, fe.fields == nil
}

// createFailed answers a create that did not succeed. Only an unknown
// outcome uses up the form's token: every other failure created nothing,
// so the same form may be submitted again (with a journal, as a new
// attempt: createJournaled).
func (s *server) createFailed(c echo.Context, in formInput, err error) error {
	var (
		kerr    *katapult.Error
		unavail *katapult.UnavailableError
		unknown *katapult.OutcomeUnknownError
	)
	switch {
	case errors.Is(err, katapult.ErrSignIn):
		s.onCreate(CreateRefused)
		return err
	case errors.As(err, &unknown):
		s.onCreate(CreateUnknown)
		sess := sessionOf(c)
		sess.rememberOnce(in.Once, "")
		if err := s.saveSession(c, sess); err != nil {
			return err
		}
		s.logError(c, err, http.StatusGatewayTimeout)
		return s.renderUnknown(c, string(orgOf(c).ref), http.StatusGatewayTimeout, err)
	case errors.As(err, &kerr):
		s.onCreate(CreateRefused)
	case errors.As(err, &unavail):
		s.onCreate(CreateUnavailable)
	default:
		return err
	}
	sh := s.explain(c, err, createForm)
	return s.formAgain(c, in, formErrorsOf(sh), sh.status)
}

// formAgain renders the form again with the user's input and its errors.
func (s *server) formAgain(c echo.Context, in formInput, fe formErrors, status int) error {
	sc, err := s.loadOrg(c)
	if err != nil {
		return err
	}
	v, err := s.formView(c, sc.org, sc.orgs, in, fe)
	if err != nil {
		return err
	}
	return s.render(c, status, formPage(v))
}

// errEarlierUnknown is the outcome of a form posted again after its first
// post's outcome was unknown.
var errEarlierUnknown = &katapult.OutcomeUnknownError{Err: errors.New("this form was posted before, and that outcome is unknown")}

// errStillPending is the outcome of a form posted again while its first
// post's create still runs, after waiting for it as long as a request may.
var errStillPending = &katapult.OutcomeUnknownError{Err: errors.New("this form was posted before, and that create has not answered yet")}

// showCreated answers a create: a plain post is redirected to the
// address's page (post/redirect/get: a refresh never posts again); htmx
// gets the result at once, from the create's own answer, and the
// address's URL is pushed.
func (s *server) showCreated(c echo.Context, org string, addr katapult.IPAddress, how string) error {
	url := views.PathAddress(org, addr.ID)
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, url+"?"+createdParam+"="+how)
	}
	c.Response().Header().Set(hxPushURL, url)
	v := s.resultView(s.cachedOrgHeader(sessionOf(c).token(), org), addr, s.now())
	v.Created, v.Again = true, how == createdResubmit
	return s.render(c, http.StatusOK, resultPage(v))
}

// replay answers a form whose token was used already: with the address it
// created, or with the unknown-outcome page. It never creates. The address
// is shown under the organization of the post only if that one holds it (a
// form replayed to another organization's URL is a crafted post): the
// address page checks that for a plain post, and so does htmx's answer.
func (s *server) replay(c echo.Context, org string, used onceUse) error {
	if used.Address == "" {
		return s.renderUnknown(c, org, http.StatusConflict, errEarlierUnknown)
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, views.PathAddress(org, used.Address)+"?"+createdParam+"="+createdResubmit)
	}
	ctx, sess := c.Request().Context(), sessionOf(c)
	addr, err := s.api.IPAddress(ctx, sess.token(), used.Address)
	if err != nil {
		return err
	}
	if err := s.checkHolds(ctx, sess, org, used.Address); err != nil {
		return err
	}
	return s.showCreated(c, org, addr, createdResubmit)
}
