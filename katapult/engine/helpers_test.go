package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

// The demo seed's tokens.
const (
	staffToken    = "demo-staff-token"
	readOnlyToken = "demo-readonly-token"
	noOrgsToken   = "demo-no-org-read-token"
)

// openEngine opens an engine on a fresh data folder; cfg.DataDir is filled
// in when empty. The engine is closed when the test ends.
func openEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	e, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// serve runs the engine's handler on a real HTTP server.
func serve(t testing.TB, e *Engine) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// demoServer is a fresh engine on the demo seed, over HTTP.
func demoServer(t testing.TB) *httptest.Server {
	t.Helper()
	return serve(t, openEngine(t, Config{}))
}

// client is Krystal's generated next/core client, as the dashboard uses it.
func client(t testing.TB, srv *httptest.Server, token string) *core.ClientWithResponses {
	t.Helper()
	c, err := core.NewClientWithResponses(srv.URL+"/core/v1", token)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// errorOf decodes the error envelope of an answer's body.
func errorOf(t testing.TB, body []byte) errorBody {
	t.Helper()
	var env struct {
		Error *errorBody `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		t.Fatalf("body is not an error envelope: %v: %s", err, body)
	}
	return *env.Error
}

// wantError checks that an answer is the error of code, with the
// catalogue's status and description, and returns its envelope.
func wantError(t testing.TB, res *http.Response, body []byte, code katapult.Code) errorBody {
	t.Helper()
	entry := katapult.Lookup(code)
	if res.StatusCode != entry.Status {
		t.Errorf("status = %d, want %d (%s); body %s", res.StatusCode, entry.Status, code, body)
	}
	got := errorOf(t, body)
	if got.Code != code {
		t.Errorf("code = %q, want %q; body %s", got.Code, code, body)
	}
	if got.Description != entry.Description {
		t.Errorf("description = %q, want the catalogue's %q", got.Description, entry.Description)
	}
	if id := res.Header.Get("X-Request-Id"); !requestIDPattern.MatchString(id) {
		t.Errorf("X-Request-Id = %q, want a UUID", id)
	}
	return got
}

// requestIDPattern is Katapult's X-Request-Id: a UUID, in lower case.
var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// wantStatus fails the test unless the answer has the status.
func wantStatus(t testing.TB, res *http.Response, body []byte, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", res.StatusCode, status, body)
	}
}

// rawRequest sends a request the generated client cannot make.
func rawRequest(t testing.TB, srv *httptest.Server, method, path, token string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, data
}

// createBodyOf is a create request for the client.
func createBodyOf(org, network string, version core.IPAddressVersionEnum) core.PostOrganizationIpAddressesJSONRequestBody {
	return core.PostOrganizationIpAddressesJSONRequestBody{
		Organization: core.OrganizationLookup{SubDomain: ptr(org)},
		Network:      core.NetworkLookup{Permalink: ptr(network)},
		Version:      version,
	}
}

// create makes an address and fails the test unless it is created.
func create(t testing.TB, c *core.ClientWithResponses, body core.PostOrganizationIpAddressesJSONRequestBody) core.IPAddress {
	t.Helper()
	res, err := c.PostOrganizationIpAddressesWithResponse(context.Background(), body)
	if err != nil {
		var raw []byte
		if res != nil {
			raw = res.Body
		}
		t.Fatalf("create: %v: %s", err, raw)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
	return res.JSON200.IpAddress
}

// createRaw creates an address over raw HTTP, with a lookup by sub_domain
// and permalink, and returns the answer's body, the new address's id and
// the address itself. The test fails unless the address is created.
func createRaw(t testing.TB, srv *httptest.Server, token, org, network, version string) (body []byte, id, address string) {
	t.Helper()
	req := `{"organization":{"sub_domain":"` + org + `"},"network":{"permalink":"` + network + `"},"version":"` + version + `"}`
	res, body := rawRequest(t, srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses", token, []byte(req))
	wantStatus(t, res, body, http.StatusOK)
	var ip struct {
		IPAddress struct{ ID, Address string } `json:"ip_address"`
	}
	if err := json.Unmarshal(body, &ip); err != nil {
		t.Fatal(err)
	}
	return body, ip.IPAddress.ID, ip.IPAddress.Address
}
