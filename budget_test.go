package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/app"
)

// The tests of the time budget, graceful shutdown, the body's read
// deadline and replicas (budget_test.go, shutdown_test.go,
// slowbody_test.go, replicas_test.go) share the helpers at the end of this
// file: a browser without JavaScript, a proxy in front of a Katapult that
// can hang creates and slow lists down, and a few calls of the embedded
// API.

func TestNewBudgetGivesEveryRequestItsSlowestPageAndTheServerMore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		read, create time.Duration
	}{
		{name: "the defaults", read: 10 * time.Second, create: 30 * time.Second},
		{name: "short timeouts, as the tests use", read: 1500 * time.Millisecond, create: 2 * time.Second},
		{name: "a read longer than the create", read: 40 * time.Second, create: 5 * time.Second},
		{name: "the largest the flags accept", read: maxKatapultTimeout, create: maxKatapultTimeout},
		{name: "the smallest", read: time.Millisecond, create: time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := app.NewBudget(tt.read, tt.create)
			// The slowest page: a create that times out, then two reads of
			// the organization's newest addresses.
			slowest := tt.create + 2*tt.read
			if b.Read != tt.read || b.Create != tt.create {
				t.Errorf("Read, Create = %s, %s; want the flags' %s, %s", b.Read, b.Create, tt.read, tt.create)
			}
			if b.Request < slowest {
				t.Errorf("Request %s is shorter than the slowest page, create + 2×read = %s", b.Request, slowest)
			}
			if b.Write <= b.Request {
				t.Errorf("Write %s leaves no time to send an answer after Request %s", b.Write, b.Request)
			}
			if b.Shutdown <= b.Write {
				t.Errorf("Shutdown %s is not longer than Write %s: SIGTERM could cut off an answer being written", b.Shutdown, b.Write)
			}
			if b.Body <= 0 || b.ReadHeader <= 0 || b.Idle <= 0 {
				t.Errorf("Body %s, ReadHeader %s, Idle %s: each must be set", b.Body, b.ReadHeader, b.Idle)
			}
		})
	}
}

func TestTheSlowestCreateIsAnsweredInFullWithinTheWriteTimeoutAndNeverSentTwice(t *testing.T) {
	t.Parallel()
	// Katapult's reads may take 2.5 s, a create 2 s. The create hangs until
	// it times out, and each list answer takes 1.2 s: the "outcome unknown"
	// page takes about 4.4 s of its 7 s Request. (A list delay closer to the
	// read timeout made the test fail on a loaded machine, by a read timing
	// out rather than by the budget.)
	const (
		read      = 2500 * time.Millisecond
		create    = 2 * time.Second
		listDelay = 1200 * time.Millisecond
	)
	budget := app.NewBudget(read, create)
	kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	// 31 addresses: the newest is alone on the list's second page, so the
	// unknown page needs both of its reads.
	var newest string
	for range 31 {
		newest = apiCreate(t, kat.url, kat.token, "acme", "uk-lon-01-public", "ipv6")
	}
	proxy := newKatapultProxy(t, kat.url)
	proxy.holdCreates()
	dash := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-katapult-url", proxy.url,
		"-katapult-timeout", read.String(), "-create-timeout", create.String()}, nil)
	checkServingLog(t, dash.logs.String(), budget)

	c := newWebClient(t)
	c.signIn(dash.url, kat.token)
	form := c.createForm(dash.url, "acme")
	proxy.slowLists(listDelay)
	listsBefore := proxy.lists.Load()

	p, err := c.post(dash.url+"/orgs/acme/ip-addresses", form)
	if err != nil {
		t.Fatalf("the slowest create got no complete answer: %v (the server gave up on it)", err)
	}
	t.Logf("the slowest create was answered in %s (Request %s, Write %s)", p.took.Round(time.Millisecond), budget.Request, budget.Write)
	if p.took >= budget.Write {
		t.Errorf("the answer took %s, not within Write %s", p.took, budget.Write)
	}
	if p.took < create {
		t.Errorf("the answer came after %s, before the create's timeout %s: the create was not waited for", p.took, create)
	}
	p.wantStatus(t, http.StatusGatewayTimeout)
	p.wantUnknownWithNewest(t, newest)
	if !p.setsCookie("ipdesk_session") {
		t.Errorf("the unknown page does not update the session cookie (Set-Cookie: %q): a resubmit would create again", p.header.Values("Set-Cookie"))
	}
	if n := proxy.lists.Load() - listsBefore; n != 2 {
		t.Errorf("the unknown page read the address list %d times, want 2 (the slowest page)", n)
	}

	// The same form again, as a refresh would send it: the unknown page
	// once more, and no second create.
	again, err := c.post(dash.url+"/orgs/acme/ip-addresses", form)
	if err != nil {
		t.Fatalf("resubmitting: %v", err)
	}
	again.wantStatus(t, http.StatusConflict)
	again.wantUnknownWithNewest(t, newest)
	if n := proxy.creates.Load(); n != 1 {
		t.Errorf("Katapult was sent %d creates for one form, want exactly 1", n)
	}
}

// checkServingLog finds the "serving" line and checks that the server
// announces the budget derived from its flags.
func checkServingLog(t *testing.T, logs string, want app.Budget) {
	t.Helper()
	for line := range strings.Lines(logs) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["msg"] != "serving" {
			continue
		}
		for key, d := range map[string]time.Duration{
			"katapult_timeout": want.Read, "create_timeout": want.Create, "request_deadline": want.Request,
			"write_timeout": want.Write, "shutdown_grace": want.Shutdown,
		} {
			raw, _ := m[key].(string)
			if got, err := time.ParseDuration(raw); err != nil || got != d {
				t.Errorf("the serving log line has %s = %v, want %s", key, m[key], d)
			}
		}
		return
	}
	t.Errorf("no JSON log line with msg \"serving\" in:\n%s", logs)
}

// webClient is a browser without JavaScript: one cookie jar (cookies are
// per host, not per port, so it shares them between replicas on
// 127.0.0.1), redirects not followed (tests assert them), pages read with
// goquery. It sends no Sec-Fetch-Site header, so the CSRF middleware checks
// the double-submit cookie against the scraped _csrf field.
type webClient struct {
	t    *testing.T
	http *http.Client
}

// webPage is one answer, read in full.
type webPage struct {
	status int
	header http.Header
	doc    *goquery.Document
	// took is from sending the request to the end of the answer's body.
	took time.Duration
}

// ownTransport is a transport for one test's client: httptest's Close drops
// the idle connections of the default one, which would break a request of
// a parallel test.
func ownTransport(t *testing.T) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func newWebClient(t *testing.T) *webClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webClient{t: t, http: &http.Client{
		Transport:     ownTransport(t),
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request and reads the whole answer. It reports failures as
// errors, never through t, so that it may run in any goroutine.
func (c *webClient) do(method, target string, form url.Values) (*webPage, error) {
	return c.doHeader(method, target, form, nil)
}

// doHeader is do with extra request headers (htmx's).
func (c *webClient) doHeader(method, target string, form url.Values, h http.Header) (*webPage, error) {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		return nil, fmt.Errorf("%s %s: status %d, then the answer broke off: %w", method, target, res.StatusCode, err)
	}
	p := &webPage{status: res.StatusCode, header: res.Header, took: time.Since(start)}
	if p.doc, err = goquery.NewDocumentFromReader(&buf); err != nil {
		return nil, err
	}
	return p, nil
}

func (c *webClient) get(target string) *webPage {
	c.t.Helper()
	p, err := c.do(http.MethodGet, target, nil)
	if err != nil {
		c.t.Fatalf("GET %s: %v", target, err)
	}
	return p
}

func (c *webClient) post(target string, form url.Values) (*webPage, error) {
	return c.do(http.MethodPost, target, form)
}

// signIn signs in on the dashboard at base with a Katapult token.
func (c *webClient) signIn(base, token string) {
	c.t.Helper()
	login := c.get(base + "/login")
	login.wantStatus(c.t, http.StatusOK)
	csrf := login.doc.Find(`[data-testid="login-form"] input[name="_csrf"]`).AttrOr("value", "")
	p, err := c.post(base+"/login", url.Values{"token": {token}, "_csrf": {csrf}})
	if err != nil {
		c.t.Fatalf("POST /login: %v", err)
	}
	p.wantStatus(c.t, http.StatusSeeOther)
}

// createForm opens an organization's create form and fills it in as a
// staff member would: London's public network, IPv4.
func (c *webClient) createForm(base, org string) url.Values {
	c.t.Helper()
	p := c.get(base + "/orgs/" + org + "/ip-addresses/new")
	p.wantStatus(c.t, http.StatusOK)
	form := p.doc.Find(`[data-testid="create-form"]`)
	v := url.Values{
		"_csrf":   {form.Find(`input[name="_csrf"]`).AttrOr("value", "")},
		"once":    {form.Find(`input[name="once"]`).AttrOr("value", "")},
		"network": {form.Find(`option[data-permalink="uk-lon-01-public"]`).AttrOr("value", "")},
		"version": {"ipv4"},
	}
	for k := range v {
		if v.Get(k) == "" {
			c.t.Fatalf("the create form at %s has no %s", base, k)
		}
	}
	return v
}

func (p *webPage) wantStatus(t *testing.T, want int) {
	t.Helper()
	if p.status != want {
		t.Fatalf("status %d (Location %q), want %d; page: %.400s", p.status, p.header.Get("Location"), want, strings.Join(strings.Fields(p.doc.Text()), " "))
	}
}

// testid finds the elements with a data-testid.
func (p *webPage) testid(id string) *goquery.Selection {
	return p.doc.Find(`[data-testid="` + id + `"]`)
}

// setsCookie reports whether the answer sets the named cookie.
func (p *webPage) setsCookie(name string) bool {
	for _, c := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, name+"=") {
			return true
		}
	}
	return false
}

// wantUnknownWithNewest checks the "outcome unknown" page: its panel, and
// the organization's newest addresses read in full (newest first), not a
// problem in their place.
func (p *webPage) wantUnknownWithNewest(t *testing.T, newest string) {
	t.Helper()
	if p.testid("unknown-page").Length() != 1 || p.doc.Find(`[data-testid="error-panel"][data-problem="outcome-unknown"]`).Length() != 1 {
		t.Fatalf("not the outcome-unknown page: %.400s", strings.Join(strings.Fields(p.doc.Text()), " "))
	}
	var others []string
	p.testid("error-panel").Each(func(_ int, s *goquery.Selection) {
		if k := s.AttrOr("data-problem", ""); k != "outcome-unknown" {
			others = append(others, k+": "+strings.Join(strings.Fields(s.Text()), " "))
		}
	})
	if len(others) > 0 {
		t.Errorf("the unknown page shows a problem instead of the newest addresses: %q", others)
	}
	if first := p.testid("address-row").First().AttrOr("data-id", ""); first != newest {
		t.Errorf("the unknown page's newest address is %q, want %q", first, newest)
	}
}

// katapultProxy stands between a remote-mode dashboard and the Katapult it
// calls (an embedded ipdesk). It counts creates and address lists, can hang
// creates and slow lists down.
type katapultProxy struct {
	url string
	// creates counts the creates that reached the proxy, forwarded those
	// it let through to Katapult, lists the address lists it forwarded.
	creates, forwarded, lists atomic.Int64
	// arrived gets a value for each create that reaches the proxy.
	arrived chan struct{}

	hold        atomic.Bool
	release     chan struct{}
	releaseOnce sync.Once
	listDelay   atomic.Int64
	listPage    atomic.Int64 // the page listDelay slows down; 0: all
	stop        chan struct{}
}

func newKatapultProxy(t *testing.T, upstream string) *katapultProxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &katapultProxy{arrived: make(chan struct{}, 64), release: make(chan struct{}), stop: make(chan struct{})}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			// The dashboard gave up on the request (its timeout); nobody
			// reads this answer.
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addresses := strings.HasSuffix(r.URL.Path, "/ip_addresses")
		switch {
		case r.Method == http.MethodPost && addresses:
			// Katapult has the whole create before it hangs; and only once
			// the body is read does net/http end r's context when the
			// dashboard hangs up.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			p.creates.Add(1)
			select {
			case p.arrived <- struct{}{}:
			default:
			}
			if p.hold.Load() {
				select {
				case <-p.release:
				case <-r.Context().Done(): // the dashboard's create timed out
					return
				case <-p.stop:
					return
				}
			}
			p.forwarded.Add(1)
		case r.Method == http.MethodGet && addresses:
			p.lists.Add(1)
			page := p.listPage.Load()
			if d := time.Duration(p.listDelay.Load()); d > 0 && (page == 0 || r.URL.Query().Get("page") == fmt.Sprint(page)) {
				// A slow Katapult, not a synchronisation.
				timer := time.NewTimer(d)
				defer timer.Stop()
				select {
				case <-timer.C:
				case <-r.Context().Done():
					return
				case <-p.stop:
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	p.url = srv.URL
	t.Cleanup(func() {
		close(p.stop)
		srv.Close()
	})
	return p
}

// holdCreates makes every create wait until releaseCreates, or until the
// dashboard gives up on it.
func (p *katapultProxy) holdCreates() { p.hold.Store(true) }

// releaseCreates lets held creates and all later ones through.
func (p *katapultProxy) releaseCreates() {
	p.releaseOnce.Do(func() { close(p.release) })
}

// slowLists makes every address list answer d late.
func (p *katapultProxy) slowLists(d time.Duration) { p.listDelay.Store(int64(d)) }

// slowListPage makes only this page of address lists answer d late.
func (p *katapultProxy) slowListPage(page int, d time.Duration) {
	p.listPage.Store(int64(page))
	p.listDelay.Store(int64(d))
}

// waitCreate waits until a create reaches the proxy.
func (p *katapultProxy) waitCreate(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-p.arrived:
	case <-time.After(within):
		t.Fatalf("no create reached Katapult within %s", within)
	}
}

// createBody is the body of an API create.
func createBody(org, network, version string) string {
	return fmt.Sprintf(`{"organization":{"sub_domain":%q},"network":{"permalink":%q},"version":%q}`, org, network, version)
}

// apiCreateErr creates an address through the embedded API at base and
// returns its id. It reports failures as errors, so that it may run in any
// goroutine; status is 0 when no answer came.
func apiCreateErr(client *http.Client, base, token, org, network, version string) (id string, status int, err error) {
	req, err := http.NewRequest(http.MethodPost, base+"/core/v1/organizations/_/ip_addresses", strings.NewReader(createBody(org, network, version)))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer res.Body.Close()
	var out struct {
		IPAddress struct {
			ID string `json:"id"`
		} `json:"ip_address"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return "", res.StatusCode, fmt.Errorf("create: status %d, body: %w", res.StatusCode, err)
	}
	if res.StatusCode != http.StatusOK || !apiIDPattern.MatchString(out.IPAddress.ID) {
		return "", res.StatusCode, fmt.Errorf("create: status %d, id %q", res.StatusCode, out.IPAddress.ID)
	}
	return out.IPAddress.ID, res.StatusCode, nil
}

var apiIDPattern = regexp.MustCompile(`^ip_[A-Za-z0-9]{16}$`)

func apiCreate(t *testing.T, base, token, org, network, version string) string {
	t.Helper()
	id, _, err := apiCreateErr(http.DefaultClient, base, token, org, network, version)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// apiAddresses lists the ids of all of an organization's addresses through
// the embedded API at base.
func apiAddresses(t *testing.T, base, token, org string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ids []string
	for page := 1; ; page++ {
		target := fmt.Sprintf("%s/core/v1/organizations/_/ip_addresses?organization[sub_domain]=%s&page=%d&per_page=200", base, url.QueryEscape(org), page)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("listing %s's addresses: %v", org, err)
		}
		var out struct {
			Pagination struct {
				TotalPages int `json:"total_pages"`
			} `json:"pagination"`
			IPAddresses []struct {
				ID string `json:"id"`
			} `json:"ip_addresses"`
		}
		err = json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("listing %s's addresses: status %d, %v", org, res.StatusCode, err)
		}
		for _, a := range out.IPAddresses {
			ids = append(ids, a.ID)
		}
		if page >= out.Pagination.TotalPages {
			return ids
		}
	}
}
