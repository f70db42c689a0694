package engine

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"ipdesk/katapult"
)

func TestABodyThatIsNotOneSmallJSONObjectIsInvalid(t *testing.T) {
	t.Parallel()
	valid := `{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":"ipv4"}`
	tests := []struct {
		name string
		body string
	}{
		{"a truncated object", `{"organization":`},
		{"not JSON at all", `organization=acme`},
		{"an array", `[1, 2]`},
		{"a string", `"acme"`},
		{"null", `null`},
		{"two objects", valid + valid},
		{"an object and garbage", valid + `x`},
		{"a body over 64 KiB", `{"label":"` + strings.Repeat("a", 70<<10) + `"}`},
		{"a deeply nested array", `{"label":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`},
		{"a moderately nested object", `{"organization":` + strings.Repeat(`{"a":`, 20) + `1` + strings.Repeat("}", 20) + `}`},
	}
	srv := demoServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := rawRequest(t, srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses", staffToken, []byte(tt.body))
			wantError(t, res, body, katapult.CodeInvalidJSONBody)
		})
	}
}

func TestBracketsInsideStringsDoNotCountAsNesting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		deep bool
	}{
		{"brackets in a string", `{"label":"` + strings.Repeat("[{", 100) + `"}`, false},
		{"an escaped quote does not end the string", `{"label":"\"` + strings.Repeat("[", 100) + `"}`, false},
		{"an escaped backslash ends before the quote", `{"label":"\\"}` + strings.Repeat("[", 20), true},
		{"nesting at the limit", strings.Repeat("[", maxBodyDepth) + strings.Repeat("]", maxBodyDepth), false},
		{"nesting one past the limit", strings.Repeat("[", maxBodyDepth+1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := nestedDeeper([]byte(tt.json), maxBodyDepth); got != tt.deep {
				t.Errorf("nestedDeeper = %v, want %v", got, tt.deep)
			}
		})
	}
}

func TestAnEmptyBodyMeansEveryArgumentIsMissing(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	res, body := rawRequest(t, srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses", staffToken, nil)
	got := wantError(t, res, body, katapult.CodeInvalidArgument)
	if got.Detail.Argument != "organization" {
		t.Errorf("argument = %q, want organization", got.Detail.Argument)
	}
}

func TestAPanicBecomesAnUnhandledExceptionEnvelopeAndALogLine(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := openEngine(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	h := e.serve(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/organizations", staffToken, nil)
	wantError(t, res, body, katapult.CodeUnhandledException)
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
}

func TestAStoreFailureIsAServiceUnavailableEnvelope(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	srv := serve(t, e)
	e.Close()
	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/organizations/_/ip_addresses?organization[sub_domain]=acme", staffToken, nil)
	wantError(t, res, body, katapult.CodeServiceUnavailable)
}

func TestEveryAnswerHasARequestIDAndTheLogNeverHasTheToken(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := openEngine(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv := serve(t, e)
	tests := []struct {
		name, method, path, token string
		status                    int
	}{
		{"a success", http.MethodGet, "/core/v1/data_centers", staffToken, http.StatusOK},
		{"an unauthenticated request", http.MethodGet, "/core/v1/data_centers", "", http.StatusBadRequest},
		{"an unknown token", http.MethodGet, "/core/v1/data_centers", "secret-that-must-not-be-logged", http.StatusForbidden},
		{"an unknown route", http.MethodGet, "/core/v1/nothing", staffToken, http.StatusNotFound},
		{"a wrong method", http.MethodPatch, "/core/v1/data_centers", staffToken, http.StatusMethodNotAllowed},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := rawRequest(t, srv, tt.method, tt.path, tt.token, nil)
			wantStatus(t, res, body, tt.status)
			id := res.Header.Get("X-Request-Id")
			if id == "" || seen[id] {
				t.Errorf("X-Request-Id = %q (seen before: %v)", id, seen[id])
			}
			seen[id] = true
			if !strings.Contains(logs.String(), id) {
				t.Errorf("no log line has request id %s", id)
			}
		})
	}
	for _, secret := range []string{staffToken, "secret-that-must-not-be-logged"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds a token: %s", logs.String())
		}
	}
}

// syncBuffer is a bytes.Buffer that handlers on several goroutines can log to.
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
