package handlers_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"ipdesk/app"
	"ipdesk/katapult"
)

// serveApp builds ipdesk as main does and serves it until the test ends,
// logging JSON at debug level (every Katapult call included) into logs.
func serveApp(t *testing.T, cfg app.Config, logs *logBuffer) *httptest.Server {
	t.Helper()
	cfg.DataDir = t.TempDir()
	if cfg.SessionKeys == nil {
		cfg.SessionKeys = [][]byte{testKey[:]}
	}
	cfg.Budget = app.NewBudget(katapult.DefaultReadTimeout, katapult.DefaultCreateTimeout)
	cfg.MetricsOnMain = true
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close()
	})
	return srv
}

// Modes of the Katapult stand-in in front of the engine.
const (
	katapultServes int32 = iota
	katapultRejectsTheToken
	katapultIsDown
)

// TestTheTokenIsInNoAnswerURLOrLogLineOfTheRealServer runs ipdesk as it is
// deployed: a dashboard in remote mode (no demo tokens on its pages) in
// front of a Katapult, here another ipdesk's engine behind a stand-in that
// can reject the token or fail. It walks every page, its errors, the
// sign-in refusals, the 401 with HX-Redirect of a rejected token and of a
// signed-out htmx request, and sign-out, and finds the token, plain or
// base64, in no body, header, redirect or log line of either process.
func TestTheTokenIsInNoAnswerURLOrLogLineOfTheRealServer(t *testing.T) {
	t.Parallel()
	const token = "demo-staff-token"
	engineLogs, dashLogs := &logBuffer{}, &logBuffer{}
	kat := serveApp(t, app.Config{}, engineLogs)
	katURL, _ := url.Parse(kat.URL)
	pass := httputil.NewSingleHostReverseProxy(katURL)
	var mode atomic.Int32
	standIn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case katapultRejectsTheToken:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"error":{"code":"invalid_api_token","description":"The API token provided was not valid","detail":{"details":"The API token has expired"}}}`)
		case katapultIsDown:
			http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
		default:
			pass.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(standIn.Close)
	e := &env{t: t, logs: dashLogs, srv: serveApp(t, app.Config{KatapultURL: standIn.URL}, dashLogs)}
	c := e.client()
	var seen []*page
	visit := func(p *page) *page { seen = append(seen, p); return p }
	hx := htmx(e.srv.URL + "/orgs/acme/ip-addresses/new")
	signIn := func() {
		visit(c.get("/login"))
		visit(c.post("/login", url.Values{"token": {token}, "next": {"/orgs/acme/ip-addresses/new"}})).wantStatus(http.StatusSeeOther)
	}

	// Signed out.
	visit(c.get("/orgs/acme/ip-addresses/new")).wantStatus(http.StatusSeeOther)
	visit(c.get("/orgs/acme/networks", hx)).wantStatus(http.StatusUnauthorized)
	login := visit(c.get("/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew")).wantStatus(http.StatusOK)
	if login.testid("demo-panel").Length() != 0 {
		t.Fatal("the remote dashboard shows demo tokens")
	}
	visit(c.post("/login", url.Values{"token": {token + "-wrong"}})).wantStatus(http.StatusUnprocessableEntity)
	visit(c.post("/login", url.Values{"token": {token + " with space"}})).wantStatus(http.StatusUnprocessableEntity)
	signIn()

	// Signed in: every page and its errors.
	visit(c.get("/login")).wantStatus(http.StatusSeeOther)
	visit(c.get("/")).wantStatus(http.StatusOK)
	visit(c.get("/?q=ac")).wantStatus(http.StatusOK)
	for _, org := range []string{"initech", "umbrella", "hooli"} {
		visit(c.get("/orgs/" + org + "/ip-addresses/new")).wantStatus(http.StatusOK)
	}
	visit(c.get("/orgs/wayne/ip-addresses/new")).wantStatus(http.StatusNotFound)
	visit(c.get("/orgs/acme/networks")).wantStatus(http.StatusOK)
	visit(c.get("/orgs/acme/networks", hx)).wantStatus(http.StatusOK)
	form := visit(c.get("/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK).formValues()
	created := visit(c.post("/orgs/acme/ip-addresses", form)).wantStatus(http.StatusSeeOther)
	visit(c.get(created.location())).wantStatus(http.StatusOK)
	visit(c.post("/orgs/acme/ip-addresses", form)).wantStatus(http.StatusSeeOther)
	visit(c.post("/orgs/acme/ip-addresses", form, hx)).wantStatus(http.StatusOK)
	visit(c.post("/orgs/acme/ip-addresses", formOf(c, "acme"), hx)).wantStatus(http.StatusOK)
	vip := formOf(c, "acme")
	vip.Set("vip", "on")
	visit(c.post("/orgs/acme/ip-addresses", vip)).wantStatus(http.StatusUnprocessableEntity)
	visit(c.post("/orgs/hooli/ip-addresses", formOf(c, "hooli"))).wantStatus(http.StatusForbidden)
	visit(c.post("/orgs/wayne/ip-addresses", formOf(c, "acme"))).wantStatus(http.StatusNotFound)
	visit(c.do(http.MethodPost, "/orgs/acme/ip-addresses", formOf(c, "acme"), hdr{"Sec-Fetch-Site": "cross-site"})).wantStatus(http.StatusForbidden)
	visit(c.get("/orgs/acme/ip-addresses")).wantStatus(http.StatusOK)
	visit(c.get("/orgs/acme/ip-addresses?page=x")).wantStatus(http.StatusBadRequest)
	visit(c.get("/orgs/acme/ip-addresses?page=99")).wantStatus(http.StatusOK)
	visit(c.get(strings.Replace(created.location(), "/acme/", "/globex/", 1))).wantStatus(http.StatusNotFound)
	visit(c.get(strings.Replace(created.location(), "/acme/", "/nonexistent/", 1))).wantStatus(http.StatusNotFound)
	visit(c.get("/nope")).wantStatus(http.StatusNotFound)
	visit(c.do(http.MethodDelete, "/orgs/acme/ip-addresses/ip_x", nil, hdr{"X-CSRF-Token": c.csrf})).wantStatus(http.StatusMethodNotAllowed)
	visit(c.post("/orgs/acme/ip-addresses", url.Values{"label": {strings.Repeat("x", 100<<10)}})).wantStatus(http.StatusRequestEntityTooLarge)
	css, _ := login.find(`link[rel="stylesheet"]`).Attr("href")
	visit(c.get(css)).wantStatus(http.StatusOK)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		visit(c.get(path)).wantStatus(http.StatusOK)
	}

	// Katapult fails: the pages that explain it.
	mode.Store(katapultIsDown)
	visit(c.get("/orgs/acme/ip-addresses")).wantStatus(http.StatusBadGateway)
	visit(c.get("/orgs/globex/networks", hx)).wantStatus(http.StatusBadGateway)
	// Katapult rejects the token: the session ends, a page is redirected
	// and htmx gets 401 with HX-Redirect.
	mode.Store(katapultRejectsTheToken)
	if p := visit(c.get("/orgs/acme/ip-addresses")).wantStatus(http.StatusSeeOther); !strings.Contains(p.location(), "why=invalid_api_token") {
		t.Fatalf("a rejected token sent the page to %q", p.location())
	}
	mode.Store(katapultServes)
	signIn()
	mode.Store(katapultRejectsTheToken)
	if p := visit(c.get("/orgs/acme/ip-addresses", hx)).wantStatus(http.StatusUnauthorized); !strings.Contains(p.header.Get("HX-Redirect"), "why=invalid_api_token") {
		t.Fatalf("a rejected token sent htmx to %q", p.header.Get("HX-Redirect"))
	}
	mode.Store(katapultServes)
	signIn()
	visit(c.post("/logout", url.Values{})).wantStatus(http.StatusSeeOther)
	visit(c.get("/login?why=signedout")).wantStatus(http.StatusOK)
	kat.Close() // waits for the engine's handlers, and so for its log lines
	e.srv.Close()

	secrets := []string{token, base64.StdEncoding.EncodeToString([]byte(token)), base64.RawURLEncoding.EncodeToString([]byte(token))}
	leaks := func(where, s string) {
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("%s holds the token (as %q)", where, sec)
			}
		}
	}
	for i, p := range seen {
		leaks("answer "+strconv.Itoa(i)+"'s body", p.body)
		for k, vs := range p.header {
			leaks("answer "+strconv.Itoa(i)+"'s "+k, strings.Join(vs, "\n"))
		}
	}
	if !strings.Contains(dashLogs.String(), `"msg":"request"`) || !strings.Contains(engineLogs.String(), `"msg":"request"`) {
		t.Fatal("a process logged no request")
	}
	leaks("the dashboard's log", dashLogs.String())
	leaks("the engine's log", engineLogs.String())
	if n := len(seen); n < 45 {
		t.Errorf("visited %d answers", n)
	}
}
