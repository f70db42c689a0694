package engine

import (
	"encoding/json"
	"errors"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/google/uuid"

	"ipdesk/katapult"
)

const headerRequestID = "X-Request-Id"

// errorEnvelope is the one shape of every error the API answers.
type errorEnvelope struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code        katapult.Code   `json:"code"`
	Description string          `json:"description"`
	Detail      katapult.Detail `json:"detail"`
}

// apiError is the error of a code that defines no detail fields.
func apiError(code katapult.Code) *katapult.Error {
	return katapult.NewError(code, katapult.Detail{})
}

// The reasons of invalid_argument, in the vocabulary of Katapult's API
// framework (Apia). A missing argument is reported as invalid_argument with
// the name of the code Apia itself would answer.
const (
	issueMissing    = "missing_required_argument"
	issueWrongType  = "invalid_scalar"
	issueNotInEnum  = "invalid_enum_value"
	issueNotObject  = "object_expected"
	issueValidation = "validation_error"
)

// invalidArgument names the argument at fault, by its path from the
// request's root ("version", "network.id"), and the reason.
func invalidArgument(arg, issue string) *katapult.Error {
	return katapult.NewError(katapult.CodeInvalidArgument, katapult.Detail{Argument: arg, Issue: issue})
}

// writeJSON encodes v before writing anything, so that a failure still
// leaves room for an error envelope.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client is gone; nothing left to tell it
	return nil
}

// writeError answers with err's envelope. An error that is not the API's
// own is a fault of the store (its transaction was rolled back): it is
// logged and the client gets service_unavailable, never the error's text.
func (e *Engine) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var kerr *katapult.Error
	if !errors.As(err, &kerr) {
		e.log.ErrorContext(r.Context(), "engine: request failed",
			"request_id", w.Header().Get(headerRequestID), "path", r.URL.Path, "err", err)
		kerr = apiError(katapult.CodeServiceUnavailable)
	}
	env := errorEnvelope{errorBody{Code: kerr.Code, Description: kerr.Description, Detail: kerr.Detail}}
	_ = writeJSON(w, kerr.Status, env) // an envelope of strings always encodes
}

// serve wraps the routes with what every answer gets: an X-Request-Id (a
// UUID, as Katapult's), the rate limit headers, one log line (never the
// token), and a panic turned into an envelope. The rate limit headers start
// as the whole allowance, which is what an answer that counts against no
// token (no token, an unknown one, no route) reports: it tells nothing of
// any token. An authenticated request's count replaces them (limit). A panic
// answers unhandled_exception, as Katapult does when it crashes, and not
// service_unavailable: a create may panic after its commit, and clients read
// service_unavailable as "nothing was done".
func (e *Engine) serve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.open.RLock()
		defer e.open.RUnlock()
		start := time.Now()
		id := uuid.NewString()
		w.Header().Set(headerRequestID, id)
		if e.limiter != nil {
			e.limiter.setHeaders(w.Header(), e.limiter.perMinute)
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				e.log.ErrorContext(r.Context(), "engine: panic", "request_id", id, "panic", p, "stack", string(debug.Stack()))
				if !rec.wrote {
					e.writeError(rec, r, apiError(katapult.CodeUnhandledException))
				}
			}
			// Debug: the server in front logs each request it serves once;
			// the dashboard's own calls are logged as its Katapult calls.
			e.log.DebugContext(r.Context(), "engine request", "request_id", id, "method", r.Method,
				"path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
		}()
		if e.closed.Load() {
			e.writeError(rec, r, apiError(katapult.CodeServiceUnavailable))
			return
		}
		next.ServeHTTP(rec, r)
	})
}

// recorder remembers the status of an answer, and whether one was started.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter {
	return r.ResponseWriter
}
