package katapult

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"

	"github.com/krystal/go-katapult/next/core"
)

// markedDoer marks the errors of the doer, so that a failure to send can be
// told from a failure to build the request, which next/core returns through
// the same error result.
type markedDoer struct {
	next core.HttpRequestDoer
}

// sendError is an error of the doer: the request may have left.
type sendError struct {
	err error
}

func (e *sendError) Error() string { return e.err.Error() }

// Do sends the request through the wrapped doer.
func (d markedDoer) Do(req *http.Request) (*http.Response, error) {
	rsp, err := d.next.Do(req)
	if err != nil {
		if rsp != nil && rsp.Body != nil {
			rsp.Body.Close()
		}
		return nil, &sendError{err: err}
	}
	return rsp, nil
}

// transportError is the error of an operation that got no answer.
func transportError(op operation, err error) error {
	var se *sendError
	if !errors.As(err, &se) {
		// next/core could not build the request: nothing was sent.
		return &UnavailableError{Op: op.name, Err: err}
	}
	if op.create && !neverSent(se.err) {
		return &OutcomeUnknownError{Err: se.err}
	}
	return &UnavailableError{Op: op.name, Err: se.err}
}

// lostAnswer is the error of an operation whose answer broke off.
func lostAnswer(op operation, err error) error {
	if op.create {
		return &OutcomeUnknownError{Err: err}
	}
	return &UnavailableError{Op: op.name, Err: err}
}

// neverSent reports whether a transport error proves that no byte of the
// request reached the server: the connection was never made (name lookup,
// dial, or a certificate refused during the handshake, which comes before
// the request is written). Anything else (a timeout after sending, a reset,
// an EOF, the context ending) may have come after Katapult acted.
func neverSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var certErr *tls.CertificateVerificationError
	return errors.As(err, &certErr)
}

// outcomeInDoubt reports whether an answer to a create leaves open whether
// the address was made. A 2xx that could not be read means it was, but not
// which one. A 4xx is a refusal (by Katapult, or by a proxy before it). Of
// the 5xx, Katapult's own service_unavailable and no_available_addresses are
// refusals; any other (a proxy's 502/504, a crash) may come after the
// allocation.
func outcomeInDoubt(e *Error) bool {
	switch {
	case e.Status < 300:
		return true
	case e.Status < 500:
		return false
	}
	return e.Code != CodeServiceUnavailable && e.Code != CodeNoAvailableAddresses
}
