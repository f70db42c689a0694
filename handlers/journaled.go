package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ipdesk/journal"
	"ipdesk/katapult"
)

// The journal (package journal) keeps a row for every create, edit and
// release: claimed before the call is sent, completed after it. A create's
// row is keyed by its form's one-time token, so that a second post of the
// same form, on any replica and at any time, finds the first one's row
// instead of sending a second create.

// fieldReference is the reference field of the create, edit and release
// forms, for formErrors.
const fieldReference katapult.Field = "reference"

const (
	// completeTimeout bounds the write of a call's outcome, which goes on
	// when the request is gone.
	completeTimeout = 10 * time.Second
	// awaitPoll is how often a post waiting for the first post of its form
	// reads that post's row again.
	awaitPoll = 100 * time.Millisecond
	// awaitMost bounds that wait when the request has no deadline of its
	// own.
	awaitMost = 30 * time.Second
)

// readReference reads and checks the form's reference; msg is the
// sentence to show beside the field when it is refused.
func readReference(c echo.Context) (ref, shown, msg string) {
	raw := c.FormValue("reference")
	ref, err := journal.CheckReference(raw)
	if err != nil {
		return "", refShown(raw), referenceProblem(raw)
	}
	return ref, ref, ""
}

// refShown is a refused reference as the form shows it again: UTF-8, and
// cut well past what may be kept, so that the page stays small.
func refShown(raw string) string {
	r := []rune(strings.ToValidUTF8(raw, "\uFFFD"))
	return string(r[:min(len(r), 4*journal.MaxReferenceLen)])
}

// referenceProblem is the sentence for a reference CheckReference refused.
func referenceProblem(raw string) string {
	if len([]rune(raw)) > journal.MaxReferenceLen {
		return fmt.Sprintf("A reference has at most %d characters.", journal.MaxReferenceLen)
	}
	return "A reference is one line of text, such as a ticket number: no tabs or line breaks."
}

// entryOf is the start of a row for the request: who, the organization,
// the request id.
func entryOf(c echo.Context, sess *session, org katapult.Organization, action journal.Action) journal.Entry {
	return journal.Entry{
		Who: sess.Who, Org: journal.Org{ID: org.ID, SubDomain: org.SubDomain}, Action: action,
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	}
}

// claim writes a row before its call is sent; with no journal it does
// nothing and returns id 0.
func (s *server) claim(c echo.Context, e journal.Entry) (journal.Entry, error) {
	if s.journal == nil {
		return journal.Entry{}, nil
	}
	return s.journal.Claim(c.Request().Context(), e)
}

// complete writes the outcome of a claimed row. It goes on when the
// request is gone, and a failure is logged, not shown: the call is done,
// and the row reads "outcome unknown" after the journal's pending timeout.
func (s *server) complete(c echo.Context, id int64, r journal.Result) {
	if s.journal == nil || id == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), completeTimeout)
	defer cancel()
	if err := s.journal.Complete(ctx, id, r); err != nil {
		s.log.ErrorContext(ctx, "journal: the outcome of a call was not written", "row", id, "error", err,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
}

// resultOf is the outcome of a call as the journal keeps it. A create's
// UnavailableError provably never left ipdesk: nothing was created, and
// the row says refused with the reason; for an edit or a release it may
// have been made, and the outcome is unknown.
func resultOf(err error, create bool) journal.Result {
	var (
		unavail *katapult.UnavailableError
		unknown *katapult.OutcomeUnknownError
	)
	switch {
	case err == nil:
		return journal.Result{Outcome: journal.OutcomeSucceeded}
	case errors.As(err, &unknown), !create && errors.As(err, &unavail):
		return journal.Result{Outcome: journal.OutcomeUnknown}
	}
	return journal.Result{Outcome: journal.OutcomeRefused, ErrorCode: katapult.Outcome(err)}
}

// errOf is the error a refused row stands for, to explain it again.
func errOf(code string) error {
	if c := katapult.Code(code); katapult.Known(c) {
		return &katapult.Error{Status: katapult.Lookup(c).Status, Code: c}
	}
	return &katapult.UnavailableError{Op: katapult.OpCreateIPAddress, Err: errors.New("the first post of this form got no answer: " + code)}
}

// await waits for a row still pending to be completed (by the request that
// claimed it, in this process or another), reading it every awaitPoll, as
// long as the request may wait. A row that stays pending past the journal's
// pending timeout reads unknown.
func (s *server) await(ctx context.Context, e journal.Entry) (journal.Entry, error) {
	wait := awaitMost
	if dl, ok := ctx.Deadline(); ok {
		// Leave the answer time to be written.
		wait = min(wait, time.Until(dl)-2*time.Second)
	}
	ctx, cancel := context.WithTimeout(ctx, max(wait, 0))
	defer cancel()
	t := time.NewTicker(awaitPoll)
	defer t.Stop()
	for e.Outcome == journal.OutcomePending {
		select {
		case <-ctx.Done():
			return e, nil
		case <-t.C:
		}
		now, err := s.journal.Get(ctx, e.ID)
		if err != nil {
			if ctx.Err() != nil {
				return e, nil
			}
			return e, err
		}
		e = now
	}
	return e, nil
}

// claimChange writes the row of an edit or a release of address id before
// it is sent; fill sets what was asked. It returns the row's id, 0 without
// a journal.
func (s *server) claimChange(c echo.Context, action journal.Action, id, ip, reference string, fill func(*journal.Request)) (int64, error) {
	if s.journal == nil {
		return 0, nil
	}
	sc, err := s.loadOrg(c)
	if err != nil {
		return 0, err
	}
	e := entryOf(c, sessionOf(c), sc.org, action)
	e.Address, e.Reference = journal.Address{ID: id, IP: ip}, reference
	fill(&e.Request)
	e, err = s.claim(c, e)
	return e.ID, err
}
