package katapult

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/krystal/go-katapult/next/core"
)

// maxAnswer bounds what ipdesk reads of one answer. The largest expected is
// a page of addresses, far below it; a bigger answer is not Katapult's.
const maxAnswer = 4 << 20

// Names of the operations, as errors and logs show them.
const (
	opListOrganizations     = "list organizations"
	opGetOrganization       = "get organization"
	opListAvailableNetworks = "list available networks"
	opListDataCenters       = "list data centers"
	opCreateIPAddress       = "create IP address"
	opGetIPAddress          = "get IP address"
	opListIPAddresses       = "list IP addresses"
)

// operation is one kind of call: its name for errors and logs, whether it
// creates something (which changes what a lost answer means), and the
// shape of its success answer.
type operation struct {
	name   string
	create bool
	// answer lists the top-level members a 2xx answer must have. next/core
	// decodes any JSON object into its type, leaving absent members empty,
	// so without this check {"unexpected":true} would read as an empty
	// list: "no organizations", "no networks". An operation whose answer
	// has no member to insist on leaves it empty.
	answer []member
}

// The operations of the port, each with the members of its success answer
// that ipdesk reads; Katapult's OpenAPI description requires every one of
// them. The members it also requires that ipdesk does not read (available
// networks' virtual_networks, the allocation beside a fetched address) are
// not insisted on: their absence changes nothing ipdesk shows.
var (
	listOrganizations     = operation{name: opListOrganizations, answer: []member{{"organizations", jsonArray}}}
	getOrganization       = operation{name: opGetOrganization, answer: []member{{"organization", jsonObject}}}
	listAvailableNetworks = operation{name: opListAvailableNetworks, answer: []member{{"networks", jsonArray}}}
	listDataCenters       = operation{name: opListDataCenters, answer: []member{{"data_centers", jsonArray}}}
	createIPAddress       = operation{name: opCreateIPAddress, create: true, answer: []member{{"ip_address", jsonObject}}}
	getIPAddress          = operation{name: opGetIPAddress, answer: []member{{"ip_address", jsonObject}}}
	listIPAddresses       = operation{name: opListIPAddresses, answer: []member{{"ip_addresses", jsonArray}, {"pagination", jsonObject}}}
)

// sendFunc sends one request through next/core.
type sendFunc func(ctx context.Context, api *core.Client) (*http.Response, error)

// parseFunc turns a 2xx answer, its body in memory, into the port's type; ok
// is false when the body is not what the operation answers.
type parseFunc[T any] func(rsp *http.Response) (v T, ok bool)

// call runs one operation from request to typed result. Every answer and
// every failure of every operation passes here, so that errors are made in
// one way: non-2xx answers by decodeError, the rest by the transport rules.
func call[T any](ctx context.Context, c *Client, tok Token, op operation, send sendFunc, parse parseFunc[T]) (T, error) {
	start := time.Now()
	v, rsp, err := exchange(ctx, c, tok, op, send, parse)
	c.logCall(ctx, op, start, rsp, err)
	if c.observe != nil {
		c.observe(ctx, op.name, Outcome(err), time.Since(start))
	}
	return v, err
}

// exchange sends the request and makes the typed result or error; the
// answer, when one came, is returned for the log.
func exchange[T any](ctx context.Context, c *Client, tok Token, op operation, send sendFunc, parse parseFunc[T]) (v T, rsp *http.Response, err error) {
	if err := ctx.Err(); err != nil {
		// Checked here because only now is it certain that nothing was sent.
		return v, nil, &UnavailableError{Op: op.name, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout(op))
	defer cancel()

	// A next/core client per call carries this user's token and no one
	// else's; it is a few small allocations.
	api, err := core.NewClient(c.base, string(tok),
		core.WithHTTPClient(c.doer),
		core.WithRequestEditorFn(setUserAgent))
	if err != nil {
		return v, nil, &UnavailableError{Op: op.name, Err: err}
	}
	rsp, err = send(ctx, api)
	if err != nil {
		return v, nil, transportError(op, err)
	}
	body, err := readAnswer(rsp)
	if errors.Is(err, errTooLarge) {
		return v, rsp, answerError(op, unexpectedAnswer(rsp.StatusCode, rsp.Header))
	}
	if err != nil {
		// The request was sent and an answer began: a create may have
		// happened.
		return v, rsp, lostAnswer(op, err)
	}
	if rsp.StatusCode < 200 || rsp.StatusCode > 299 {
		return v, rsp, answerError(op, decodeError(rsp.StatusCode, rsp.Header, body))
	}
	if !hasMembers(body, op.answer) {
		return v, rsp, answerError(op, unexpectedAnswer(rsp.StatusCode, rsp.Header))
	}
	rsp.Body = io.NopCloser(bytes.NewReader(body))
	v, ok := parse(rsp)
	if !ok {
		return v, rsp, answerError(op, unexpectedAnswer(rsp.StatusCode, rsp.Header))
	}
	return v, rsp, nil
}

func (c *Client) timeout(op operation) time.Duration {
	if op.create {
		return c.createTimeout
	}
	return c.readTimeout
}

func setUserAgent(_ context.Context, req *http.Request) error {
	req.Header.Set("User-Agent", userAgent)
	return nil
}

var errTooLarge = errors.New("answer too large")

// readAnswer reads the whole body, up to maxAnswer, and closes it.
func readAnswer(rsp *http.Response) ([]byte, error) {
	defer rsp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(rsp.Body, maxAnswer+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxAnswer {
		return nil, errTooLarge
	}
	return body, nil
}

// answerError is the error of an operation that got an answer, e. A create
// whose answer leaves open whether the address was made says so.
func answerError(op operation, e *Error) error {
	if op.create && outcomeInDoubt(e) {
		return &OutcomeUnknownError{Err: e}
	}
	return e
}

func (c *Client) logCall(ctx context.Context, op operation, start time.Time, rsp *http.Response, err error) {
	attrs := []slog.Attr{
		slog.String("op", op.name),
		slog.Duration("took", time.Since(start)),
	}
	if rsp != nil {
		attrs = append(attrs,
			slog.Int("status", rsp.StatusCode),
			slog.String("request_id", rsp.Header.Get("X-Request-Id")))
	}
	if err != nil {
		// The errors of this package never hold a token (see errors.go).
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "katapult call", attrs...)
}

// Outcomes of a call that are not Katapult error codes, as Outcome names
// them.
const (
	OutcomeOK          = "ok"
	OutcomeTimeout     = "timeout"
	OutcomeUnavailable = "unavailable"
	OutcomeUnknown     = "outcome_unknown"
)

// Outcome names how a call ended, in a small fixed vocabulary fit for a
// metric label: "ok", Katapult's error code when it answered with one,
// "outcome_unknown" for a create whose outcome is unknown, "timeout" when
// no answer came in time, "unavailable" for any other missing answer.
func Outcome(err error) string {
	var (
		kerr    *Error
		unknown *OutcomeUnknownError
	)
	switch {
	case err == nil:
		return OutcomeOK
	case errors.As(err, &unknown):
		return OutcomeUnknown
	case errors.As(err, &kerr):
		if Known(kerr.Code) {
			return string(kerr.Code)
		}
		return string(CodeUnexpectedResponse)
	case errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimeout
	}
	return OutcomeUnavailable
}
