package katapult

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"

	"github.com/krystal/go-katapult/next/core"
)

// HandlerDoer sends requests to h in memory, with no socket: in embedded mode
// the dashboard reaches the engine through the very same client code as it
// reaches Katapult. It behaves as a transport does: the handler runs in its
// own goroutine on its own copy of the request; when the request's context
// ends first, Do returns ctx.Err() at once while the handler may still finish
// (for a create, exactly an unknown outcome); a handler that panics gives an
// error, not a crash. The answer is delivered when the handler returns, with
// status, headers and the whole body.
func HandlerDoer(h http.Handler) core.HttpRequestDoer {
	return handlerDoer{h: h}
}

type handlerDoer struct {
	h http.Handler
}

// HandlerPanicError is what HandlerDoer returns when the handler panics. Its
// message leaves out the panic value, which might hold anything of the
// request (a token included); Value and Stack are there for a deliberate log.
type HandlerPanicError struct {
	// Value is what the handler panicked with.
	Value any
	// Stack is the handler's goroutine's stack at the panic.
	Stack []byte
}

// Error says that the embedded handler panicked, without the value.
func (e *HandlerPanicError) Error() string {
	return "katapult: the embedded API handler panicked"
}

// Do runs one request through the handler.
func (d handlerDoer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// The body is read before the handler starts, as a transport sends it,
	// so that the handler never shares the caller's reader.
	body, err := readRequestBody(req)
	if err != nil {
		return nil, err
	}
	in := serverRequest(req, body)
	rec := &recorder{header: http.Header{}}
	done := make(chan *HandlerPanicError, 1)
	go func() {
		var p *HandlerPanicError
		defer func() {
			if v := recover(); v != nil {
				p = &HandlerPanicError{Value: v, Stack: debug.Stack()}
			}
			done <- p
		}()
		d.h.ServeHTTP(rec, in)
	}()
	select {
	case p := <-done:
		if p != nil {
			return nil, p
		}
		return rec.response(req), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func readRequestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("katapult: reading the request body: %w", err)
	}
	return body, nil
}

// serverRequest makes the request as a server would see it: a path-only URL,
// RequestURI and RemoteAddr set, a fresh body. In-process calls appear to
// come from the loopback address.
func serverRequest(req *http.Request, body []byte) *http.Request {
	in := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host, u.User = "", "", nil
	in.URL = &u
	in.RequestURI = u.RequestURI()
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RemoteAddr = "127.0.0.1:0"
	in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	in.GetBody = nil
	return in
}

// recorder is the handler's ResponseWriter. It is only touched by the
// handler's goroutine until the handler returns.
type recorder struct {
	header  http.Header
	sent    http.Header // the header as it was when the status was written
	status  int
	body    bytes.Buffer
	written bool
}

// Header returns the header to be sent.
func (r *recorder) Header() http.Header { return r.header }

// WriteHeader sets the status once, as a server does; 1xx are interim and
// dropped.
func (r *recorder) WriteHeader(status int) {
	if r.written || status < 200 {
		return
	}
	r.written = true
	r.status = status
	r.sent = r.header.Clone()
}

// Write adds to the body, sending a 200 first if no status was written.
func (r *recorder) Write(p []byte) (int, error) {
	if !r.written {
		r.WriteHeader(http.StatusOK)
	}
	return r.body.Write(p)
}

// Flush does nothing: the answer goes out whole when the handler returns.
func (r *recorder) Flush() {}

func (r *recorder) response(req *http.Request) *http.Response {
	r.WriteHeader(http.StatusOK) // no-op unless the handler wrote nothing
	h := r.sent
	if _, ok := h["Content-Type"]; !ok && r.body.Len() > 0 {
		h.Set("Content-Type", http.DetectContentType(r.body.Bytes()))
	}
	body := r.body.Bytes()
	if req.Method == http.MethodHead {
		body = nil
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", r.status, http.StatusText(r.status)),
		StatusCode:    r.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}
