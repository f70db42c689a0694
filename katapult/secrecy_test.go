package katapult

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log destination safe for the handler's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestTheTokenAppearsInNoErrorAndNoLogLine(t *testing.T) {
	t.Parallel()
	echo := func(status int, ctype string) http.HandlerFunc {
		// A hostile or broken server that echoes the token back.
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("X-Request-Id", "req_echo")
			w.WriteHeader(status)
			auth := r.Header.Get("Authorization")
			if ctype == "application/json" {
				fmt.Fprintf(w, `{"error":{"code":"invalid_api_token","description":"bad %s","detail":{"details":"%s"}}}`, auth, auth)
				return
			}
			fmt.Fprintf(w, "<pre>%s</pre>", auth)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/core/v1"
	l.Close()
	tests := []struct {
		name string
		base string
		doer http.Handler
	}{
		{name: "an envelope that echoes the token", doer: echo(http.StatusForbidden, "application/json")},
		{name: "a page that echoes the token", doer: echo(http.StatusBadGateway, "text/html")},
		{name: "a success that echoes the token", doer: echo(http.StatusOK, "text/html")},
		{name: "a handler that panics with the token", doer: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			panic(r.Header.Get("Authorization"))
		})},
		{name: "a handler that never answers", doer: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		})},
		{name: "a refused connection", base: refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			opts := []Option{
				WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
				WithTimeouts(50*time.Millisecond, 50*time.Millisecond),
			}
			base := "http://ipdesk.internal/core/v1"
			if tt.base != "" {
				base = tt.base
			} else {
				opts = append(opts, WithDoer(HandlerDoer(tt.doer)))
			}
			c, err := NewClient(base, opts...)
			if err != nil {
				t.Fatal(err)
			}
			api := NewCache(c, time.Minute, nil)
			var errs []error
			_, err = api.CreateIPAddress(t.Context(), testToken, plainCreate)
			errs = append(errs, err)
			_, err = api.Organizations(t.Context(), testToken)
			errs = append(errs, err)
			_, err = api.IPAddress(t.Context(), testToken, "ip_1")
			errs = append(errs, err)
			_, err = api.UpdateIPAddress(t.Context(), testToken, UpdateIPAddress{ID: "ip_1", Label: ptr("x")})
			errs = append(errs, err)
			errs = append(errs, api.ReleaseIPAddress(t.Context(), testToken, "ip_1"))
			_, err = api.PolicyLimits(t.Context(), testToken, "acme")
			errs = append(errs, err)
			_, err = api.UnallocatedIPAddresses(t.Context(), testToken, "acme")
			errs = append(errs, err)
			for _, err := range errs {
				if err == nil {
					t.Fatal("no error")
				}
				for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %s %q", err, err, err, err)} {
					if strings.Contains(s, string(testToken)) {
						t.Errorf("an error shows the token: %s", s)
					}
				}
			}
			out := logs.String()
			if !strings.Contains(out, "katapult call") {
				t.Errorf("nothing was logged")
			}
			if strings.Contains(out, string(testToken)) {
				t.Errorf("the log shows the token:\n%s", out)
			}
		})
	}
}

func TestATokenPrintsAsAPlaceholder(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "token", testToken)
	tests := []struct {
		name string
		s    string
	}{
		{name: "fmt verbs", s: fmt.Sprintf("%v %s %q %+v %#v %x", testToken, testToken, testToken, testToken, testToken, testToken)},
		{name: "inside a struct", s: fmt.Sprintf("%+v %#v", struct{ T Token }{testToken}, struct{ T Token }{testToken})},
		{name: "slog", s: logs.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if strings.Contains(tt.s, string(testToken)) {
				t.Errorf("shows the token: %s", tt.s)
			}
		})
	}
}
