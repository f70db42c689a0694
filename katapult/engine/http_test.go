package engine

import (
	"bytes"
	"encoding/json"
	"io"
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
	e := openEngine(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
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
			if !requestIDPattern.MatchString(id) || seen[id] {
				t.Errorf("X-Request-Id = %q, want a UUID (seen before: %v)", id, seen[id])
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

func TestOddButWellFormedBodiesGetKatapultsAnswerAndNeverAnAddressByMistake(t *testing.T) {
	t.Parallel()
	const (
		org = `"organization":{"sub_domain":"acme"}`
		net = `"network":{"permalink":"uk-lon-01-public"}`
	)
	tests := []struct {
		name        string
		contentType string
		body        string
		code        katapult.Code   // "" for a created address
		detail      katapult.Detail // compared only where set
		check       func(t *testing.T, ip map[string]any)
	}{
		{name: "a body sent as text/plain is not read, as Katapult does not read it", contentType: "text/plain",
			body: `{` + org + `,` + net + `,"version":"ipv4"}`,
			code: katapult.CodeInvalidArgument, detail: katapult.Detail{Argument: "organization", Issue: "missing_required_argument"}},
		{name: "a body sent as a form is not read", contentType: "application/x-www-form-urlencoded",
			body: `{` + org + `,` + net + `,"version":"ipv4"}`,
			code: katapult.CodeInvalidArgument, detail: katapult.Detail{Argument: "organization", Issue: "missing_required_argument"}},
		{name: "a body without a Content-Type is not read", contentType: "",
			body: `{` + org + `,` + net + `,"version":"ipv4"}`,
			code: katapult.CodeInvalidArgument, detail: katapult.Detail{Argument: "organization", Issue: "missing_required_argument"}},
		{name: "JSON with a charset parameter is read", contentType: "application/json; charset=utf-8",
			body: `{` + org + `,` + net + `,"version":"ipv4"}`},
		{name: "a JSON array is not an object", contentType: "application/json",
			body: `[{` + org + `,` + net + `,"version":"ipv4"}]`, code: katapult.CodeInvalidJSONBody},
		{name: "null lookups are missing arguments", contentType: "application/json",
			body: `{"organization":null,"network":null,"version":"ipv4"}`,
			code: katapult.CodeInvalidArgument, detail: katapult.Detail{Argument: "organization", Issue: "missing_required_argument"}},
		{name: "a lookup whose only key is null finds nothing", contentType: "application/json",
			body: `{"organization":{"sub_domain":null},` + net + `,"version":"ipv4"}`, code: katapult.CodeOrganizationNotFound},
		{name: "a lookup that is an array is not an object", contentType: "application/json",
			body: `{` + org + `,"network":["uk-lon-01-public"],"version":"ipv4"}`,
			code: katapult.CodeInvalidArgument, detail: katapult.Detail{Argument: "network", Issue: "object_expected"}},
		{name: "a huge number for a boolean is the wrong type", contentType: "application/json",
			body: `{` + org + `,` + net + `,"version":"ipv4","vip":1e999999}`,
			code: katapult.CodeInvalidArgument, detail: katapult.Detail{Argument: "vip", Issue: "invalid_scalar"}},
		{name: "a huge number as a lookup key is the wrong type", contentType: "application/json",
			body: `{` + org + `,"network":{"id":123456789012345678901234567890},"version":"ipv4"}`,
			code: katapult.CodeInvalidArgument, detail: katapult.Detail{Argument: "network.id", Issue: "invalid_scalar"}},
		{name: "a number for the version is the wrong type", contentType: "application/json",
			body: `{` + org + `,` + net + `,"version":6e300}`,
			code: katapult.CodeInvalidArgument, detail: katapult.Detail{Argument: "version", Issue: "invalid_scalar"}},
		{name: "keys match exactly: a capitalised key is another argument", contentType: "application/json",
			body: `{"ORGANIZATION":{"sub_domain":"acme"},` + net + `,"version":"ipv4"}`,
			code: katapult.CodeInvalidArgument, detail: katapult.Detail{Argument: "organization", Issue: "missing_required_argument"}},
		{name: "keys match exactly: a capitalised key does not override the real one", contentType: "application/json",
			body: `{` + org + `,` + net + `,"version":"ipv4","Version":"ipv6"}`,
			check: func(t *testing.T, ip map[string]any) {
				if a := ip["address"].(string); strings.Contains(a, ":") {
					t.Errorf("address = %s, want IPv4: \"Version\" is not an argument", a)
				}
			}},
		{name: "a duplicate key counts once, the last one as in Katapult's parser", contentType: "application/json",
			body: `{` + org + `,` + net + `,"version":"ipv6","version":"ipv4"}`,
			check: func(t *testing.T, ip map[string]any) {
				if a := ip["address"].(string); strings.Contains(a, ":") {
					t.Errorf("address = %s, want IPv4", a)
				}
			}},
		{name: "a unicode label comes back as it was sent", contentType: "application/json",
			body: `{` + org + `,` + net + `,"version":"ipv4","vip":true,"label":"caf\u00e9 \u2615 \ud834\udd1e e\u0301"}`,
			check: func(t *testing.T, ip map[string]any) {
				if got := ip["label"]; got != "caf\u00e9 \u2615 \U0001D11E e\u0301" {
					t.Errorf("label = %q", got)
				}
			}},
		{name: "a label of 255 multi-byte characters is accepted", contentType: "application/json",
			body: `{` + org + `,` + net + `,"version":"ipv4","vip":true,"label":"` + strings.Repeat("é", 255) + `"}`},
		{name: "a label of 256 characters is too long", contentType: "application/json",
			body: `{` + org + `,` + net + `,"version":"ipv4","vip":true,"label":"` + strings.Repeat("é", 256) + `"}`,
			code: katapult.CodeValidationError, detail: katapult.Detail{Errors: []string{"Label is too long (maximum is 255 characters)"}}},
	}
	e := openEngine(t, Config{})
	srv := serve(t, e)
	held := func() (n int) {
		if err := e.store.db.QueryRow(`SELECT count(*) FROM ip_addresses`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tt := range tests { // one at a time: each counts the addresses held
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/core/v1/organizations/_/ip_addresses", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+staffToken)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			before := held()
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if tt.code != "" {
				got := wantError(t, res, body, tt.code)
				if !detailMatches(got.Detail, tt.detail) {
					t.Errorf("detail = %+v, want %+v", got.Detail, tt.detail)
				}
				if after := held(); after != before {
					t.Errorf("a refused create changed the addresses held from %d to %d", before, after)
				}
				return
			}
			wantStatus(t, res, body, http.StatusOK)
			var out struct {
				IPAddress map[string]any `json:"ip_address"`
			}
			if err := json.Unmarshal(body, &out); err != nil || out.IPAddress == nil {
				t.Fatalf("body = %s (%v)", body, err)
			}
			if tt.check != nil {
				tt.check(t, out.IPAddress)
			}
		})
	}
}

func TestAnUncleanPathIsNoRouteInTheEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, method, path string }{
		{"a double slash", http.MethodGet, "/core/v1//organizations"},
		{"a dot segment", http.MethodGet, "/core/v1/./data_centers"},
		{"a dot-dot segment", http.MethodGet, "/core/v1/organizations/../data_centers"},
		{"a trailing slash", http.MethodGet, "/core/v1/data_centers/"},
		{"a create by a double slash", http.MethodPost, "/core/v1//organizations/_/ip_addresses"},
	}
	srv := demoServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := rawRequest(t, srv, tt.method, tt.path, staffToken, nil)
			wantError(t, res, body, katapult.CodeRouteNotFound) // also asserts X-Request-Id
			if loc := res.Header.Get("Location"); loc != "" {
				t.Errorf("Location = %q: the API redirects nothing", loc)
			}
		})
	}
}
