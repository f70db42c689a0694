package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"ipdesk/app"
)

// staffToken is the built-in demo seed's token that manages acme and may
// only view hooli.
const staffToken = "demo-staff-token"

// wrongToken is a token no one has, distinctive enough to search the logs
// for.
const wrongToken = "secret-wrong-token-123456"

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// logSink collects the JSON log while the server writes it.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logSink) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.buf.Bytes())
}

// ipdesk is one App served over real HTTP, logging JSON at debug level.
type ipdesk struct {
	app  *app.App
	srv  *httptest.Server
	logs *logSink
}

// start builds ipdesk as main does, in embedded mode unless katapultURL is
// set, and serves it until the test ends.
func start(t *testing.T, katapultURL string) *ipdesk {
	t.Helper()
	d := &ipdesk{logs: &logSink{}}
	a, err := app.New(context.Background(), app.Config{
		KatapultURL:   katapultURL,
		DataDir:       t.TempDir(),
		SessionKeys:   [][]byte{[]byte("a session key of at least 32 bytes, for tests")},
		Budget:        app.NewBudget(time.Second, 2*time.Second),
		MetricsOnMain: true,
		Logger:        slog.New(slog.NewJSONHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	d.app = a
	d.srv = httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		d.srv.Close()
		_ = a.Close()
	})
	return d
}

// answer is one request made and what came back.
type answer struct {
	method, path string
	status       int
	header       http.Header
	body         string
}

// browser is a client without JavaScript: a cookie jar, no redirects
// followed, the CSRF token scraped from pages; it remembers every answer,
// so that each can be matched with its log line.
type browser struct {
	t       *testing.T
	base    string
	http    *http.Client
	csrf    string
	answers []answer
}

func (d *ipdesk) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A transport of its own: httptest's Close drops the idle connections
	// of the default one, which would break a parallel test's request.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &browser{t: t, base: d.srv.URL, http: &http.Client{
		Transport:     tr,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(method, path string, form url.Values, header http.Header) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		if form.Get("_csrf") == "" {
			form.Set("_csrf", b.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	a := answer{method: method, path: path, status: res.StatusCode, header: res.Header, body: string(raw)}
	b.answers = append(b.answers, a)
	if doc, err := goquery.NewDocumentFromReader(strings.NewReader(a.body)); err == nil {
		if tok, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok && tok != "" {
			b.csrf = tok
		}
	}
	return a
}

func (b *browser) get(path string) answer {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil, nil)
}

func (b *browser) post(path string, form url.Values) answer {
	b.t.Helper()
	return b.do(http.MethodPost, path, form, nil)
}

func (a answer) want(t *testing.T, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", a.method, a.path, a.status, status, a.body)
	}
	return a
}

func (a answer) doc(t *testing.T) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(a.body))
	if err != nil {
		t.Fatalf("%s %s: %v", a.method, a.path, err)
	}
	return doc
}

// signIn tries a wrong token, then signs in with the staff token.
func (b *browser) signIn() {
	b.t.Helper()
	b.get("/login").want(b.t, http.StatusOK)
	b.post("/login", url.Values{"token": {wrongToken}}).want(b.t, http.StatusUnprocessableEntity)
	b.post("/login", url.Values{"token": {staffToken}}).want(b.t, http.StatusSeeOther)
}

// createForm is the create form of org, as a browser would post it, for
// the network with this permalink and this version.
func (b *browser) createForm(org, network, version string) url.Values {
	b.t.Helper()
	doc := b.get("/orgs/"+org+"/ip-addresses/new").want(b.t, http.StatusOK).doc(b.t)
	form := doc.Find(`form[data-testid="create-form"]`)
	once, _ := form.Find(`input[name="once"]`).Attr("value")
	csrf, _ := form.Find(`input[name="_csrf"]`).Attr("value")
	id, ok := form.Find(`select[name="network"] option[data-permalink="` + network + `"]`).Attr("value")
	if once == "" || csrf == "" || !ok {
		b.t.Fatalf("the form of %s lacks its one-time token (%q), its CSRF token (%q) or network %s", org, once, csrf, network)
	}
	return url.Values{"once": {once}, "_csrf": {csrf}, "network": {id}, "version": {version}}
}

// create creates an address in org and returns the result page's path.
func (b *browser) create(org, network, version string) string {
	b.t.Helper()
	res := b.post("/orgs/"+org+"/ip-addresses", b.createForm(org, network, version)).want(b.t, http.StatusSeeOther)
	loc := res.header.Get("Location")
	if !strings.HasPrefix(loc, "/orgs/"+org+"/ip-addresses/ip_") {
		b.t.Fatalf("create in %s redirected to %q, want the new address's page", org, loc)
	}
	return loc
}

func TestHealthzAnswersOKUncachedToGETAndHEAD(t *testing.T) {
	t.Parallel()
	d := start(t, "")
	tests := []struct {
		name, method, body string
	}{
		{name: "GET", method: http.MethodGet, body: "ok\n"},
		{name: "HEAD", method: http.MethodHead, body: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := d.browser(t).do(tt.method, "/healthz", nil, nil).want(t, http.StatusOK)
			if res.body != tt.body {
				t.Errorf("%s /healthz: body %q, want %q", tt.method, res.body, tt.body)
			}
			if got := res.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s /healthz: Cache-Control %q, want no-store", tt.method, got)
			}
		})
	}
}

func TestReadyzInEmbeddedModeFollowsTheStore(t *testing.T) {
	t.Parallel()
	d := start(t, "")
	b := d.browser(t)
	res := b.get("/readyz").want(t, http.StatusOK)
	if res.body != "ready\n" || res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("/readyz: body %q, Cache-Control %q; want ready, no-store", res.body, res.header.Get("Cache-Control"))
	}
	if err := d.app.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	res = b.get("/readyz").want(t, http.StatusServiceUnavailable)
	if !strings.HasPrefix(res.body, "not ready: ") || !strings.Contains(res.body, "store") {
		t.Errorf("/readyz with the store closed: body %q, want the reason, naming the store", res.body)
	}
}

func TestReadyzInRemoteModeFollowsKatapult(t *testing.T) {
	t.Parallel()
	// closedPort is an address where nothing listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := "http://" + ln.Addr().String()
	ln.Close()

	tests := []struct {
		name     string
		upstream http.HandlerFunc // nil: closedPort
		status   int
		reason   string // in the body of a 503
	}{
		{
			name: "Katapult refuses the missing token",
			upstream: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"error":{"code":"missing_api_token","description":"No API token was provided","detail":{}}}`)
			},
			status: http.StatusOK,
		},
		{
			name: "Katapult is unavailable",
			upstream: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
			},
			status: http.StatusServiceUnavailable, reason: "503",
		},
		{
			name:   "nothing listens",
			status: http.StatusServiceUnavailable, reason: "connection refused",
		},
		{
			name: "Katapult hangs",
			upstream: func(_ http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			},
			status: http.StatusServiceUnavailable, reason: "deadline exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := closedPort
			var mu sync.Mutex
			var asked []string
			if tt.upstream != nil {
				up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					asked = append(asked, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
					mu.Unlock()
					tt.upstream(w, r)
				}))
				t.Cleanup(up.Close)
				target = up.URL
			}
			d := start(t, target)
			began := time.Now()
			res := d.browser(t).get("/readyz").want(t, tt.status)
			if took := time.Since(began); took > 4*time.Second {
				t.Errorf("/readyz took %s, beyond its 2 s bound", took)
			}
			if res.status == http.StatusOK && res.body != "ready\n" {
				t.Errorf("/readyz: body %q, want ready", res.body)
			}
			if res.status != http.StatusOK && (!strings.HasPrefix(res.body, "not ready: katapult") || !strings.Contains(res.body, tt.reason)) {
				t.Errorf("/readyz: body %q, want the reason, naming Katapult, with %q", res.body, tt.reason)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.upstream != nil && (len(asked) != 1 || asked[0] != "GET /core/v1/data_centers auth=") {
				t.Errorf("Katapult was asked %q, want one GET /core/v1/data_centers without a token", asked)
			}
		})
	}
}

func TestReadyzInRemoteModeIsNotSpoiledByAProbeThatGivesUp(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(up.Close)
	d := start(t, up.URL)
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	if res, err := impatient.Get(d.srv.URL + "/readyz"); err == nil {
		res.Body.Close()
		t.Fatalf("the impatient probe got an answer (%d) before Katapult gave one", res.StatusCode)
	}
	// The check it started goes on: the next probe gets its outcome, not
	// the first probe's giving up.
	res := d.browser(t).get("/readyz")
	if res.status != http.StatusOK {
		t.Errorf("/readyz after a probe gave up: status %d, body %q; want 200", res.status, res.body)
	}
}

// logLine is one request's line of the JSON log.
type logLine struct {
	Msg          string          `json:"msg"`
	Level        string          `json:"level"`
	RequestID    string          `json:"request_id"`
	Method       string          `json:"method"`
	Route        string          `json:"route"`
	Status       int             `json:"status"`
	Latency      json.RawMessage `json:"latency"`
	Org          string          `json:"org"`
	KatapultCode string          `json:"katapult_code"`
}

func TestEveryAnswerHasOneLogLineThatNamesItsRouteAndNeverAToken(t *testing.T) {
	t.Parallel()
	d := start(t, "")
	b := d.browser(t)
	b.signIn()
	result := b.create("acme", "uk-lon-01-public", "ipv4")
	b.get(result).want(t, http.StatusOK)
	suspended := b.get("/orgs/initech/ip-addresses/new").want(t, http.StatusOK)
	if suspended.doc(t).Find(`[data-problem="organization_suspended"]`).Length() != 1 {
		t.Fatalf("initech's form does not explain that it is suspended:\n%s", suspended.body)
	}
	// A form of acme's posted to initech, as a stale or crafted post
	// would: Katapult refuses it.
	b.post("/orgs/initech/ip-addresses", b.createForm("acme", "uk-lon-01-public", "ipv4")).want(t, http.StatusForbidden)
	b.post("/orgs/hooli/ip-addresses", b.createForm("hooli", "uk-lon-01-public", "ipv4")).want(t, http.StatusForbidden)
	b.get("/orgs/acme/ip-addresses/ip_nothing?page=2").want(t, http.StatusNotFound)
	b.get("/nowhere").want(t, http.StatusNotFound)
	b.do(http.MethodGet, "/core/v1/organizations", nil, http.Header{"Authorization": {"Bearer " + staffToken}}).want(t, http.StatusOK)
	b.do(http.MethodGet, "/core/v1/organizations", nil, http.Header{"Authorization": {"Bearer " + wrongToken}}).want(t, http.StatusForbidden)
	b.get("/healthz").want(t, http.StatusOK)
	b.get("/metrics").want(t, http.StatusOK)
	d.srv.Close() // waits for every handler, and so for every log line

	raw := d.logs.Bytes()
	for _, tok := range []string{staffToken, wrongToken} {
		if bytes.Contains(raw, []byte(tok)) {
			t.Errorf("the token %q is in the log", tok)
		}
	}
	lines := map[string][]logLine{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Errorf("a log line is not JSON (%v): %s", err, sc.Bytes())
			continue
		}
		if l.Msg == "request" {
			lines[l.RequestID] = append(lines[l.RequestID], l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(b.answers); len(lines) != n {
		t.Errorf("%d request ids have request lines, want one for each of the %d requests", len(lines), n)
	}

	// want is what the line of each answer says, in the order they were made.
	want := []struct{ route, org, code string }{
		{route: "/login"},
		{route: "/login", code: "invalid_api_token"},
		{route: "/login"},
		{route: "/orgs/:org/ip-addresses/new", org: "acme"},
		{route: "/orgs/:org/ip-addresses", org: "acme"},
		{route: "/orgs/:org/ip-addresses/:id", org: "acme"},
		// The form knows the state from the organization list: Katapult
		// was not asked, and answered no error.
		{route: "/orgs/:org/ip-addresses/new", org: "initech"},
		{route: "/orgs/:org/ip-addresses/new", org: "acme"},
		{route: "/orgs/:org/ip-addresses", org: "initech", code: "organization_suspended"},
		{route: "/orgs/:org/ip-addresses/new", org: "hooli"},
		{route: "/orgs/:org/ip-addresses", org: "hooli", code: "permission_denied"},
		{route: "/orgs/:org/ip-addresses/:id", org: "acme", code: "ip_address_not_found"},
		{route: "unmatched"},
		{route: "GET /core/v1/organizations"},
		{route: "GET /core/v1/organizations"},
		{route: "/healthz"},
		{route: "/metrics"},
	}
	if len(want) != len(b.answers) {
		t.Fatalf("the test expects %d answers, made %d", len(want), len(b.answers))
	}
	for i, a := range b.answers {
		id := a.header.Get("X-Request-Id")
		got := lines[id]
		if len(got) != 1 {
			t.Errorf("%s %s (X-Request-Id %q): %d request lines, want 1", a.method, a.path, id, len(got))
			continue
		}
		l, w := got[0], want[i]
		if l.Method != a.method || l.Status != a.status || l.Route != w.route || l.Org != w.org || l.KatapultCode != w.code {
			t.Errorf("%s %s answered %d; its line has method %q, status %d, route %q, org %q, katapult_code %q; want route %q, org %q, katapult_code %q",
				a.method, a.path, a.status, l.Method, l.Status, l.Route, l.Org, l.KatapultCode, w.route, w.org, w.code)
		}
		if len(l.Latency) == 0 {
			t.Errorf("%s %s: its line has no latency", a.method, a.path)
		}
		if strings.Contains(l.Route, "ip_") || strings.Contains(l.Route, "?") {
			t.Errorf("%s %s: route %q holds a raw path", a.method, a.path, l.Route)
		}
	}
}

func TestEveryAnswerHasItsOwnRequestID(t *testing.T) {
	t.Parallel()
	d := start(t, "")
	b := d.browser(t)
	const sent = "chosen-by-the-client"
	for _, path := range []string{"/login", "/", "/nowhere", "/static/nothing.js", "/healthz", "/readyz", "/metrics", "/core/v1/organizations"} {
		t.Run(path, func(t *testing.T) {
			res := b.do(http.MethodGet, path, nil, http.Header{"X-Request-Id": {sent}})
			id := res.header.Get("X-Request-Id")
			if id == "" || id == sent || len(res.header.Values("X-Request-Id")) != 1 {
				t.Errorf("GET %s: X-Request-Id %q, want one id of ipdesk's own", path, res.header.Values("X-Request-Id"))
			}
			if !uuidPattern.MatchString(id) {
				t.Errorf("GET %s: X-Request-Id %q is not a UUID", path, id)
			}
		})
	}
}

func TestRedirectsToACleanPathCarryTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	d := start(t, "")
	for _, tt := range []struct{ path, location string }{
		{path: "/static/../orgs", location: "/orgs"},
		{path: "//x", location: "/x"},
		{path: "/orgs/./acme/ip-addresses/new", location: "/orgs/acme/ip-addresses/new"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			res := rawGet(t, d.srv.Listener.Addr().String(), tt.path)
			defer res.Body.Close()
			switch res.StatusCode {
			case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			default:
				t.Fatalf("GET %s: status %d, want a redirect to the clean path", tt.path, res.StatusCode)
			}
			if loc := res.Header.Get("Location"); loc != tt.location {
				t.Errorf("GET %s: Location %q, want %q", tt.path, loc, tt.location)
			}
			for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "X-Request-Id"} {
				if res.Header.Get(h) == "" {
					t.Errorf("GET %s: the redirect has no %s", tt.path, h)
				}
			}
		})
	}
}

// rawGet sends path exactly as given, which Go's client would clean.
func rawGet(t *testing.T, addr, path string) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: ipdesk.test\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return res
}

// sample is one series of a scrape: a counter's or gauge's value, or a
// histogram's count.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape reads /metrics with Prometheus' own parser.
func scrape(t *testing.T, b *browser) []sample {
	t.Helper()
	res := b.get("/metrics").want(t, http.StatusOK)
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(res.body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	var out []sample
	for name, f := range families {
		for _, m := range f.GetMetric() {
			s := sample{name: name, labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.GetHistogram() != nil:
				s.value = float64(m.GetHistogram().GetSampleCount())
			case m.GetCounter() != nil:
				s.value = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				s.value = m.GetGauge().GetValue()
			}
			out = append(out, s)
		}
	}
	return out
}

// find is the series of name whose labels include these, and whether
// there is exactly one.
func find(all []sample, name string, labels map[string]string) (sample, bool) {
	var found []sample
	for _, s := range all {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range labels {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		return sample{}, false
	}
	return found[0], true
}

func labelNames(s sample) string {
	var names []string
	for k := range s.labels {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

func TestMetricsCountRequestsKatapultCallsCreatesAndPools(t *testing.T) {
	t.Parallel()
	d := start(t, "")
	b := d.browser(t)
	b.signIn()
	pool := func(state string) map[string]string {
		return map[string]string{"network": "uk-lon-01-public", "version": "ipv4", "state": state}
	}
	before := scrape(t, b)
	for _, o := range []string{"created", "refused", "unknown", "unavailable", "invalid", "replayed"} {
		if s, ok := find(before, "ipdesk_creates_total", map[string]string{"outcome": o}); !ok || s.value != 0 {
			t.Errorf("before any create: ipdesk_creates_total{outcome=%q} = %v (present: %v), want 0", o, s.value, ok)
		}
	}
	freeBefore, okFree := find(before, "katapult_engine_pool_addresses", pool("free"))
	usedBefore, okUsed := find(before, "katapult_engine_pool_addresses", pool("used"))
	if !okFree || !okUsed || freeBefore.value <= 0 {
		t.Fatalf("before the create: London's IPv4 pool is %+v free, %+v used", freeBefore, usedBefore)
	}

	result := b.create("acme", "uk-lon-01-public", "ipv4")
	b.get(result).want(t, http.StatusOK)
	b.post("/orgs/hooli/ip-addresses", b.createForm("hooli", "uk-lon-01-public", "ipv4")).want(t, http.StatusForbidden)
	b.get("/login?next=%2Forgs%2Facme").want(t, http.StatusSeeOther)
	after := scrape(t, b)

	for outcome, want := range map[string]float64{"created": 1, "refused": 1, "unknown": 0, "unavailable": 0, "invalid": 0, "replayed": 0} {
		if s, ok := find(after, "ipdesk_creates_total", map[string]string{"outcome": outcome}); !ok || s.value != want {
			t.Errorf("ipdesk_creates_total{outcome=%q} = %v (present: %v), want %v", outcome, s.value, ok, want)
		}
	}
	if s, _ := find(after, "katapult_engine_pool_addresses", pool("used")); s.value != usedBefore.value+1 {
		t.Errorf("London's used IPv4 addresses: %v after one create, want %v", s.value, usedBefore.value+1)
	}
	if s, _ := find(after, "katapult_engine_pool_addresses", pool("free")); s.value != freeBefore.value-1 {
		t.Errorf("London's free IPv4 addresses: %v after one create, want %v", s.value, freeBefore.value-1)
	}

	var routes []string
	for _, s := range after {
		switch s.name {
		case "http_request_duration_seconds":
			if got := labelNames(s); got != "method,route,status" {
				t.Errorf("http_request_duration_seconds has labels %s, want method, route, status", got)
			}
			if r := s.labels["route"]; strings.Contains(r, "ip_") || strings.Contains(r, "?") || strings.Contains(r, "acme") {
				t.Errorf("http_request_duration_seconds has the raw path %q as a route", r)
			}
			routes = append(routes, s.labels["method"]+" "+s.labels["route"]+" "+s.labels["status"])
		case "katapult_request_duration_seconds":
			if got := labelNames(s); got != "code,operation" {
				t.Errorf("katapult_request_duration_seconds has labels %s, want code, operation", got)
			}
		}
	}
	for _, want := range []string{
		"POST /login 422", "POST /login 303", "GET /metrics 200",
		"GET /orgs/:org/ip-addresses/new 200", "POST /orgs/:org/ip-addresses 303",
		"GET /orgs/:org/ip-addresses/:id 200", "POST /orgs/:org/ip-addresses 403",
	} {
		if !strings.Contains("\n"+strings.Join(routes, "\n")+"\n", "\n"+want+"\n") {
			t.Errorf("http_request_duration_seconds has no series %q; it has %q", want, routes)
		}
	}
	for _, code := range []string{"ok", "permission_denied"} {
		s, ok := find(after, "katapult_request_duration_seconds", map[string]string{"operation": "create IP address", "code": code})
		if !ok || s.value != 1 {
			t.Errorf("katapult_request_duration_seconds{operation=\"create IP address\",code=%q}: count %v (present: %v), want 1", code, s.value, ok)
		}
	}
	if s, ok := find(after, "katapult_request_duration_seconds", map[string]string{"operation": "list organizations", "code": "invalid_api_token"}); !ok || s.value != 1 {
		t.Errorf("the wrong token's sign-in: katapult_request_duration_seconds{code=\"invalid_api_token\"} count %v (present: %v), want 1", s.value, ok)
	}
}

func TestMetricsStayOffTheMainListenerWhenTheyHaveTheirOwn(t *testing.T) {
	t.Parallel()
	a, err := app.New(context.Background(), app.Config{
		DataDir:     t.TempDir(),
		SessionKeys: [][]byte{[]byte("a session key of at least 32 bytes, for tests")},
		Budget:      app.NewBudget(time.Second, 2*time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	main := httptest.NewRecorder()
	a.Handler().ServeHTTP(main, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if main.Code != http.StatusNotFound || strings.Contains(main.Body.String(), "http_request_duration_seconds") {
		t.Errorf("GET /metrics on the main handler: status %d; want the 404 page", main.Code)
	}
	own := httptest.NewRecorder()
	a.MetricsHandler().ServeHTTP(own, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if own.Code != http.StatusOK || !strings.Contains(own.Body.String(), `http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1`) {
		t.Errorf("GET /metrics on the metrics handler: status %d, body lacks the 404 that was just answered:\n%s", own.Code, own.Body.String())
	}
}
