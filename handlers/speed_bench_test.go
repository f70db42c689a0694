package handlers_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"ipdesk/app"
	"ipdesk/katapult"
)

// The speed of the dashboard's two busiest answers, the form page and the
// create, each beside its yardstick measured the same way: /healthz for
// the form (the whole stack's floor), the same create sent straight to the
// embedded engine's API for the dashboard's create (what the dashboard
// adds). The benchmarks run ipdesk as main builds it (app.New, embedded
// mode, logging JSON at info as in production, only into io.Discard) over
// loopback HTTP with one keep-alive client; BenchmarkServe hands requests
// to the handler in process, for the server's own cost alone. Each also
// reports cpu-ns/op, the process's CPU time per request, which a busy
// shared machine disturbs far less than ns/op:
//
//	go test -run '^$' -bench 'Healthz|FormPage|Serve|Create' -benchmem ./handlers/
//
// TestSpeedRatios (speed_ratio_test.go) measures the ratios themselves.

// speedEnv is one ipdesk served over loopback, with the demo staff token
// and the id of ACME's London public network.
type speedEnv struct {
	handler http.Handler
	srv     *httptest.Server
	token   string
	network string
}

// newSpeedEnv starts ipdesk in a fresh data folder. The engine's rate
// limit is off: a benchmark sends far more than 1000 requests a minute.
func newSpeedEnv(tb testing.TB) *speedEnv {
	tb.Helper()
	a, err := app.New(context.Background(), app.Config{
		DataDir:       tb.TempDir(),
		SessionKeys:   [][]byte{testKey[:]},
		Budget:        app.NewBudget(katapult.DefaultReadTimeout, katapult.DefaultCreateTimeout),
		MetricsOnMain: true,
		Logger:        slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		tb.Fatalf("app: %v", err)
	}
	tb.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler())
	tb.Cleanup(srv.Close)
	e := &speedEnv{handler: a.Handler(), srv: srv}
	for _, d := range a.DemoTokens() {
		if strings.Join(d.Scopes, " ") == "organizations:read ip_addresses" {
			e.token = d.Token
		}
	}
	if e.token == "" {
		tb.Fatal("no demo staff token")
	}
	return e
}

// speedBrowser is a signed-in browser: its cookie jar and the CSRF token
// its pages carry.
type speedBrowser struct {
	tb   testing.TB
	env  *speedEnv
	http *http.Client
	csrf string
}

var (
	csrfField   = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	londonNetID = regexp.MustCompile(`value="([^"]+)"[^>]*data-permalink="uk-lon-01-public"`)
)

// browser signs a new browser in and opens ACME's form once, which warms
// the per-token cache as a user's first visit does.
func (e *speedEnv) browser(tb testing.TB) *speedBrowser {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	br := &speedBrowser{tb: tb, env: e, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64},
	}}
	tb.Cleanup(br.http.CloseIdleConnections)
	br.csrf = br.scrape(br.get("/login", http.StatusOK), csrfField)
	br.post("/login", url.Values{"token": {e.token}}, nil, http.StatusSeeOther)
	form := br.get(formPath, http.StatusOK)
	br.csrf = br.scrape(form, csrfField)
	if e.network == "" {
		e.network = br.scrape(form, londonNetID)
	}
	return br
}

// in is the browser reporting to another test or benchmark (a subtest).
func (br *speedBrowser) in(tb testing.TB) *speedBrowser {
	cp := *br
	cp.tb = tb
	return &cp
}

// formPath is the bookmarked form the figures are about.
const formPath = "/orgs/acme/ip-addresses/new"

func (br *speedBrowser) scrape(body string, re *regexp.Regexp) string {
	br.tb.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		br.tb.Fatalf("%s not found in:\n%s", re, body)
	}
	return m[1]
}

// do sends a request and checks its status; the body is read in full, as
// a browser would. A failure is reported with Errorf, which, unlike
// Fatalf, concurrent clients may call.
func (br *speedBrowser) do(req *http.Request, want int) (string, http.Header) {
	res, err := br.http.Do(req)
	if err != nil {
		br.tb.Errorf("%s %s: %v", req.Method, req.URL.Path, err)
		return "", http.Header{}
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		br.tb.Errorf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	if res.StatusCode != want {
		br.tb.Errorf("%s %s: status %d, want %d:\n%s", req.Method, req.URL.Path, res.StatusCode, want, body)
	}
	return string(body), res.Header
}

func (br *speedBrowser) get(path string, want int) string {
	req, _ := http.NewRequest(http.MethodGet, br.env.srv.URL+path, nil)
	body, _ := br.do(req, want)
	return body
}

func (br *speedBrowser) post(path string, form url.Values, h map[string]string, want int) (string, http.Header) {
	form.Set("_csrf", br.csrf)
	req, _ := http.NewRequest(http.MethodPost, br.env.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	return br.do(req, want)
}

// newOnce is a fresh one-time form token, as a rendered form carries.
func newOnce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// createForm is an IPv6 address in London: the /48 never runs dry.
func (br *speedBrowser) createForm() url.Values {
	return url.Values{"once": {newOnce()}, "network": {br.env.network}, "version": {"ipv6"}}
}

// createHTMX posts the form as htmx does: the result card comes back.
func (br *speedBrowser) createHTMX() {
	body, _ := br.post("/orgs/acme/ip-addresses", br.createForm(),
		map[string]string{"HX-Request": "true", "HX-Current-URL": br.env.srv.URL + formPath}, http.StatusOK)
	if !strings.Contains(body, `data-testid="result-card"`) {
		br.tb.Errorf("no result card:\n%s", body)
	}
}

// createPlain posts the form without JavaScript: 303, then the result
// page.
func (br *speedBrowser) createPlain() {
	_, h := br.post("/orgs/acme/ip-addresses", br.createForm(), nil, http.StatusSeeOther)
	if body := br.get(h.Get("Location"), http.StatusOK); !strings.Contains(body, `data-testid="result-card"`) {
		br.tb.Errorf("no result card:\n%s", body)
	}
}

// createDirect sends the same create straight to the engine's API with
// the same client.
func (br *speedBrowser) createDirect() {
	body := fmt.Sprintf(`{"organization":{"sub_domain":"acme"},"network":{"id":%q},"version":"ipv6"}`, br.env.network)
	req, _ := http.NewRequest(http.MethodPost, br.env.srv.URL+"/core/v1/organizations/_/ip_addresses", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+br.env.token)
	if out, _ := br.do(req, http.StatusOK); !strings.Contains(out, `"ip_address"`) {
		br.tb.Errorf("no address:\n%s", out)
	}
}

// healthz is the liveness probe: the cheapest answer of the whole stack.
func (br *speedBrowser) healthz() { br.get("/healthz", http.StatusOK) }

// formPage is the signed-in, warm form page.
func (br *speedBrowser) formPage() { br.get(formPath, http.StatusOK) }

func BenchmarkHealthz(b *testing.B) {
	br := newSpeedEnv(b).browser(b)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		br.healthz()
	}
	reportCPU(b, cpu)
}

// BenchmarkFormPage is the bookmarked form, signed in, its lists cached.
func BenchmarkFormPage(b *testing.B) {
	br := newSpeedEnv(b).browser(b)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		br.formPage()
	}
	reportCPU(b, cpu)
}

// BenchmarkServe is the server's side alone: each request is handed to
// the handler in process, with the browser's cookies, so that ns/op and
// allocs/op are ipdesk's own, without the client or the network.
func BenchmarkServe(b *testing.B) {
	for _, tc := range []struct {
		name, path string
		creates    int
	}{
		{name: "healthz", path: "/healthz"},
		{name: "form-page", path: formPath},
		// A user who has created addresses carries a full ring of used
		// form tokens in the session cookie, read on every request.
		{name: "form-page-after-creates", path: formPath, creates: 8},
	} {
		b.Run(tc.name, func(b *testing.B) {
			env := newSpeedEnv(b)
			br := env.browser(b)
			for range tc.creates {
				br.createHTMX()
			}
			u, _ := url.Parse(env.srv.URL + tc.path)
			var cookies []string
			for _, ck := range br.http.Jar.Cookies(u) {
				cookies = append(cookies, ck.Name+"="+ck.Value)
			}
			cookie := strings.Join(cookies, "; ")
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, tc.path, nil)
				req.Header.Set("Cookie", cookie)
				rec := httptest.NewRecorder()
				env.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d", tc.path, rec.Code)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkCreate is one create each way; each reports its median too,
// since a create's time has a long tail (SQLite's commit).
func BenchmarkCreate(b *testing.B) {
	for _, tc := range []struct {
		name string
		do   func(*speedBrowser)
	}{
		{"htmx", (*speedBrowser).createHTMX},
		{"no-js", (*speedBrowser).createPlain},
		{"engine-direct", (*speedBrowser).createDirect},
	} {
		b.Run(tc.name, func(b *testing.B) {
			br := newSpeedEnv(b).browser(b)
			var took []time.Duration
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				start := time.Now()
				tc.do(br)
				took = append(took, time.Since(start))
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(median(took).Nanoseconds()), "p50-ns")
		})
	}
}

// reportCPU adds the process's CPU time per iteration since start (all
// threads: the garbage collector's too), the steadier figure on a busy
// machine.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((processCPU()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
