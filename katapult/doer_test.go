package katapult

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestHandlerDoerRoundTripsLikeATransport(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		checks := map[string][2]string{
			"path":        {r.URL.Path, "/core/v1/things"},
			"request URI": {r.RequestURI, "/core/v1/things?a%5Bb%5D=c"},
			"query":       {r.URL.Query().Get("a[b]"), "c"},
			"host":        {r.Host, "ipdesk.internal"},
			"remote":      {r.RemoteAddr, "127.0.0.1:0"},
			"body":        {string(body), `{"x":1}`},
			"header":      {r.Header.Get("X-Test"), "yes"},
			"URL host":    {r.URL.Host, ""},
		}
		for name, c := range checks {
			if c[0] != c[1] {
				t.Errorf("handler sees %s %q, want %q", name, c[0], c[1])
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req_1")
		w.WriteHeader(http.StatusCreated)
		w.Header().Set("X-Too-Late", "ignored, as a server ignores it")
		io.WriteString(w, `{"ok":true}`)
	})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost,
		"http://ipdesk.internal/core/v1/things?a%5Bb%5D=c", strings.NewReader(`{"x":1}`))
	req.Header.Set("X-Test", "yes")
	rsp, err := HandlerDoer(h).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	body, _ := io.ReadAll(rsp.Body)
	if rsp.StatusCode != http.StatusCreated || rsp.Status != "201 Created" {
		t.Errorf("status = %d %q", rsp.StatusCode, rsp.Status)
	}
	if string(body) != `{"ok":true}` || rsp.ContentLength != int64(len(body)) {
		t.Errorf("body = %q, length %d", body, rsp.ContentLength)
	}
	if rsp.Header.Get("X-Request-Id") != "req_1" || rsp.Header.Get("X-Too-Late") != "" {
		t.Errorf("header = %v", rsp.Header)
	}
}

func TestHandlerDoerAnswers200AndSniffsTheTypeWhenTheHandlerSaysNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		h     http.HandlerFunc
		ctype string
		body  string
	}{
		{name: "a handler that writes nothing", h: func(http.ResponseWriter, *http.Request) {}},
		{name: "a handler that writes only a body", h: func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "<html>hi</html>")
		}, ctype: "text/html; charset=utf-8", body: "<html>hi</html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://ipdesk.internal/", nil)
			rsp, err := HandlerDoer(tt.h).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(rsp.Body)
			if rsp.StatusCode != http.StatusOK || rsp.Header.Get("Content-Type") != tt.ctype || string(body) != tt.body {
				t.Errorf("got %d %q %q", rsp.StatusCode, rsp.Header.Get("Content-Type"), body)
			}
		})
	}
}

func TestHandlerDoerReturnsAsSoonAsTheContextEndsWhileTheHandlerMayFinish(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(context.CancelFunc)
		want error
	}{
		{name: "a deadline", end: func(context.CancelFunc) {}, want: context.DeadlineExceeded},
		{name: "a cancellation", end: func(cancel context.CancelFunc) { cancel() }, want: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				finished := make(chan struct{})
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					defer close(finished)
					<-release // ignores the request's context, as a slow handler may
					w.WriteHeader(http.StatusOK)
				})
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				go func() {
					synctest.Wait() // the handler is blocked
					tt.end(cancel)
				}()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://ipdesk.internal/x", strings.NewReader("{}"))
				start := time.Now()
				rsp, err := HandlerDoer(h).Do(req)
				if rsp != nil || !errors.Is(err, tt.want) {
					t.Errorf("Do = %v, %v; want %v", rsp, err, tt.want)
				}
				if took := time.Since(start); took > time.Second {
					t.Errorf("Do took %v", took)
				}
				select {
				case <-finished:
					t.Fatal("the handler finished before it was released")
				default:
				}
				close(release)
				<-finished // the handler still completes: the outcome of a create is unknown
			})
		})
	}
}

func TestHandlerDoerTurnsAPanicIntoAnError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value any
	}{
		{name: "a panic with a value that holds the token", value: "bad token " + string(testToken)},
		{name: "an aborted handler", value: http.ErrAbortHandler},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				panic(tt.value)
			})
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://ipdesk.internal/x", nil)
			rsp, err := HandlerDoer(h).Do(req)
			var pe *HandlerPanicError
			if rsp != nil || !errors.As(err, &pe) {
				t.Fatalf("Do = %v, %v; want a HandlerPanicError", rsp, err)
			}
			if pe.Value != tt.value || len(pe.Stack) == 0 {
				t.Errorf("value = %v, stack %d bytes", pe.Value, len(pe.Stack))
			}
			if strings.Contains(err.Error(), string(testToken)) {
				t.Error("the error message holds the panic value")
			}
		})
	}
}

// embeddedAPI is a tiny stand-in for the engine.
func embeddedAPI(t *testing.T, release <-chan struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /core/v1/organizations/organization/ip_addresses", func(w http.ResponseWriter, r *http.Request) {
		if release != nil {
			<-release
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(fixture(t, "ip_address_create.json"))
	})
	mux.HandleFunc("GET /core/v1/organizations/organization", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req_embedded")
		w.WriteHeader(http.StatusNotFound)
		w.Write(fixture(t, "organization_not_found_error.json"))
	})
	return mux
}

func TestTheClientReachesAnEmbeddedHandlerWithNoSocket(t *testing.T) {
	t.Parallel()
	c, err := NewClient("http://ipdesk.internal/core/v1", WithDoer(HandlerDoer(embeddedAPI(t, nil))))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.CreateIPAddress(t.Context(), testToken, plainCreate)
	if err != nil || got.ID != "ip_VOnKeWEKAYHz2X9v" || got.Network.DataCenter.Country.Name != "United Kingdom" {
		t.Errorf("create = %+v, %v", got, err)
	}
	_, err = c.Organization(t.Context(), testToken, "nope")
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusNotFound || e.Code != CodeOrganizationNotFound || e.RequestID != "req_embedded" {
		t.Errorf("err = %v", err)
	}
}

func TestAnEmbeddedCreateThatTimesOutIsUnknownAndStillCompletes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		c, err := NewClient("http://ipdesk.internal/core/v1",
			WithDoer(HandlerDoer(embeddedAPI(t, release))), WithTimeouts(time.Second, 2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = c.CreateIPAddress(t.Context(), testToken, plainCreate)
		if took := time.Since(start); took != 2*time.Second {
			t.Errorf("took %v, want the create timeout", took)
		}
		assertNoAnswer(t, err, true)
		close(release)
		synctest.Wait() // the handler finishes in the background
	})
}
