package handlers_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/handlers"
)

// testKey is a session secret for tests.
var testKey = sha256.Sum256([]byte("ipdesk handlers test key"))

// logBuffer collects the dashboard's log output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a dashboard over a fake API, served over real HTTP.
type env struct {
	t     *testing.T
	api   *fakeAPI
	srv   *httptest.Server
	logs  *logBuffer
	clock *clock
}

// options tweak the dashboard's configuration.
type options func(*handlers.Config)

func newEnv(t *testing.T, api *fakeAPI, opts ...options) *env {
	t.Helper()
	e := &env{t: t, api: api, logs: &logBuffer{}, clock: &clock{t: time.Date(2025, 6, 2, 13, 5, 0, 0, time.UTC)}}
	cfg := handlers.Config{
		API:         api,
		SessionKeys: [][]byte{testKey[:]},
		Logger:      slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:         e.clock.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := handlers.New(cfg)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed (tests assert them), and the CSRF token scraped from pages.
type client struct {
	t    *testing.T
	env  *env
	http *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	// A transport of its own: httptest's Close drops the idle connections
	// of the default one, which would break a parallel test's request.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	e.t.Cleanup(tr.CloseIdleConnections)
	return &client{t: e.t, env: e, http: &http.Client{
		Transport: tr,
		Jar:       jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// page is an answer: its status, headers, body and document.
type page struct {
	t      *testing.T
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

// header names for requests.
type hdr map[string]string

// cookie is the value of the cookie name in c's jar; the test stops if
// there is none.
func (c *client) cookie(name string) string {
	c.t.Helper()
	u, err := url.Parse(c.env.srv.URL)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	c.t.Fatalf("no %s cookie", name)
	return ""
}

// sendRaw sends one request with exactly the Cookie header given (no jar),
// follows no redirect, and returns the answer with its body read.
func (e *env) sendRaw(t *testing.T, method, path, cookie string, h hdr, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", cookie)
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// htmx are the headers htmx sends from a page.
func htmx(current string) hdr {
	return hdr{"HX-Request": "true", "HX-Current-URL": current}
}

func (c *client) do(method, path string, form url.Values, h hdr) *page {
	c.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, c.env.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	p := &page{t: c.t, status: res.StatusCode, header: res.Header, body: buf.String()}
	p.doc, err = goquery.NewDocumentFromReader(strings.NewReader(p.body))
	if err != nil {
		c.t.Fatalf("parse %s: %v", path, err)
	}
	if tok, ok := p.doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok && tok != "" {
		c.csrf = tok
	}
	return p
}

func (c *client) get(path string, h ...hdr) *page {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, merge(h))
}

// post posts a form with the scraped CSRF token, as a browser would.
func (c *client) post(path string, form url.Values, h ...hdr) *page {
	c.t.Helper()
	if form.Get("_csrf") == "" && c.csrf != "" {
		form.Set("_csrf", c.csrf)
	}
	return c.do(http.MethodPost, path, form, merge(h))
}

func merge(hs []hdr) hdr {
	out := hdr{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = v
		}
	}
	return out
}

// signIn signs the client in with the user's token and checks it worked.
func (c *client) signIn() {
	c.t.Helper()
	c.get("/login")
	p := c.post("/login", url.Values{"token": {userToken}})
	p.wantStatus(http.StatusSeeOther)
}

// signedIn is a signed-in client of a fresh dashboard over api.
func signedIn(t *testing.T, api *fakeAPI, opts ...options) (*env, *client) {
	t.Helper()
	e := newEnv(t, api, opts...)
	c := e.client()
	c.signIn()
	api.reset()
	return e, c
}

func (p *page) wantStatus(want int) *page {
	p.t.Helper()
	if p.status != want {
		p.t.Fatalf("status %d, want %d; body:\n%s", p.status, want, p.body)
	}
	return p
}

// location is the redirect target.
func (p *page) location() string { return p.header.Get("Location") }

// find is the selection of a CSS selector; testid is one of data-testid.
func (p *page) find(sel string) *goquery.Selection { return p.doc.Find(sel) }
func (p *page) testid(id string) *goquery.Selection {
	return p.doc.Find(`[data-testid="` + id + `"]`)
}

// text is the trimmed, space-normalised text of a selection.
func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

// one is the only element of a selection, or a failed test.
func (p *page) one(sel string) *goquery.Selection {
	p.t.Helper()
	s := p.doc.Find(sel)
	if s.Length() != 1 {
		p.t.Fatalf("%d elements match %q, want 1; body:\n%s", s.Length(), sel, p.body)
	}
	return s
}

// formValues are the fields of the create form as the page rendered them,
// as a browser would submit it.
func (p *page) formValues() url.Values {
	p.t.Helper()
	return p.valuesOf(`form[data-testid="create-form"]`)
}

// valuesOf are the fields of the one form sel finds, as a browser would
// submit it.
func (p *page) valuesOf(sel string) url.Values {
	p.t.Helper()
	f := p.one(sel)
	v := url.Values{}
	f.Find("input").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		val, _ := in.Attr("value")
		typ, _ := in.Attr("type")
		switch typ {
		case "radio", "checkbox":
			if _, on := in.Attr("checked"); on {
				v.Set(name, val)
			}
		default:
			v.Set(name, val)
		}
	})
	if sel, ok := f.Find(`select[name="network"] option[selected]`).Attr("value"); ok {
		v.Set("network", sel)
	}
	return v
}
