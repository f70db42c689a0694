package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/katapult"
)

// These tests run ipdesk as main does and guess tokens the way a hostile
// tester did: hundreds in a burst, at the sign-in form and at /core/v1.

// forwarded is a browser whose requests reach ipdesk through a proxy that
// says it forwards them for xff (empty: no X-Forwarded-For).
type forwarded struct {
	t    *testing.T
	base string
	xff  string
	http *http.Client
	csrf string
}

func newForwarded(t *testing.T, base, xff string) *forwarded {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarded{t: t, base: base, xff: xff, http: &http.Client{
		Transport:     ownTransport(t),
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	p := f.do(http.MethodGet, "/login", nil)
	p.wantStatus(t, http.StatusOK)
	f.csrf = p.doc.Find(`[data-testid="login-form"] input[name="_csrf"]`).AttrOr("value", "")
	return f
}

func (f *forwarded) do(method, path string, form url.Values) *webPage {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.base+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if f.xff != "" {
		req.Header.Set("X-Forwarded-For", f.xff)
	}
	res, err := f.http.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	p := &webPage{status: res.StatusCode, header: res.Header}
	if p.doc, err = goquery.NewDocumentFromReader(res.Body); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// signIn posts the sign-in form with a token.
func (f *forwarded) signIn(token string) *webPage {
	f.t.Helper()
	return f.do(http.MethodPost, "/login", url.Values{"token": {token}, "_csrf": {f.csrf}})
}

var waitNSeconds = regexp.MustCompile(`Too many sign-in attempts from your address\. Wait (\d+) seconds?, then try again\.`)

// wantSignInLimited checks the page of a refused sign-in: 429, a
// Retry-After of whole seconds, and the panel that says as much.
func wantSignInLimited(t *testing.T, p *webPage) {
	t.Helper()
	p.wantStatus(t, http.StatusTooManyRequests)
	secs, err := strconv.Atoi(p.header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Errorf("Retry-After %q, want whole seconds", p.header.Get("Retry-After"))
	}
	panel := p.doc.Find(`[data-testid="error-panel"][data-problem="too-many-sign-ins"]`)
	m := waitNSeconds.FindStringSubmatch(panel.Find(`[data-testid="error-message"]`).Text())
	if m == nil || m[1] != strconv.Itoa(secs) {
		t.Errorf("the panel says %q, want the wait of Retry-After %d", panel.Text(), secs)
	}
}

// guessAll sends n wrong tokens and checks that the first burst of them
// is refused by Katapult and the next by ipdesk. The limiter gives one more
// attempt every 6 s, so on a slow machine a later guess may reach Katapult
// again: it returns how many did, and fails if more did than the time taken
// allows.
func guessAll(t *testing.T, f *forwarded, n, burst int) (refilled int) {
	t.Helper()
	start := time.Now()
	for i := range n {
		p := f.signIn(fmt.Sprintf("guess-%04d", i))
		switch {
		case i < burst:
			p.wantStatus(t, http.StatusUnprocessableEntity)
		case i > burst && p.status == http.StatusUnprocessableEntity:
			refilled++
		default:
			wantSignInLimited(t, p)
		}
	}
	if allowed := int(time.Since(start) / (6 * time.Second)); refilled > allowed {
		t.Errorf("%d guesses past the burst reached Katapult in %v, want at most %d", refilled, time.Since(start), allowed)
	}
	return refilled
}

// countingKatapult forwards to a Katapult and counts the token checks a
// sign-in makes.
func countingKatapult(t *testing.T, upstream string) (string, *atomic.Int32) {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	var lists atomic.Int32
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/core/v1/organizations" {
			lists.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &lists
}

func TestRunInRemoteModePassesOnlyTheBurstOfGuessesToKatapult(t *testing.T) {
	t.Parallel()
	kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	proxy, lists := countingKatapult(t, kat.url)
	dash := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-katapult-url", proxy},
		map[string]string{"IPDESK_TRUSTED_PROXIES": "127.0.0.1/32"})

	refilled := guessAll(t, newForwarded(t, dash.url, "198.51.100.7"), 300, 10)
	if n := lists.Load(); n != 10+int32(refilled) {
		t.Errorf("Katapult was asked about %d tokens, want the burst of 10 and %d refilled", n, refilled)
	}
	// Another client behind the same proxy signs in as usual.
	other := newForwarded(t, dash.url, "203.0.113.9")
	other.signIn(kat.token).wantStatus(t, http.StatusSeeOther)
	other.do(http.MethodGet, "/", nil).wantStatus(t, http.StatusOK)
	// The guesser cannot escape by forging an address to the left of the
	// one the trusted proxy appended.
	forger := newForwarded(t, dash.url, "192.0.2.77, 198.51.100.7")
	wantSignInLimited(t, forger.signIn("guess-forged"))
	if n := lists.Load(); n > 12+int32(refilled) {
		t.Errorf("Katapult was asked about %d tokens, want the burst and the other client's only", n)
	}
}

func TestRunIgnoresXForwardedForFromAPeerItDoesNotTrust(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"no trusted proxies", nil},
		{"trusted proxies that do not include the peer", []string{"-trusted-proxies", "10.0.0.0/8, 2001:db8::/32"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startRun(t, append([]string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, tt.args...), nil)
			f := newForwarded(t, s.url, "")
			// Every guess claims another address.
			for i := range 25 {
				f.xff = fmt.Sprintf("192.0.2.%d", i+1)
				p := f.signIn(fmt.Sprintf("guess-%04d", i))
				if i < 10 {
					p.wantStatus(t, http.StatusUnprocessableEntity)
					continue
				}
				wantSignInLimited(t, p)
			}
			// In embedded mode the engine saw the burst only.
			if n := metricCount(t, s.url, `katapult_request_duration_seconds_count{code="invalid_api_token",operation="list organizations"}`); n != 10 {
				t.Errorf("the engine was asked about %v wrong tokens, want 10", n)
			}
		})
	}
}

// metricCount reads one sample of /metrics.
func metricCount(t *testing.T, base, series string) float64 {
	t.Helper()
	res, body := getBody(t, base+"/metrics")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", res.StatusCode)
	}
	for line := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return n
		}
	}
	return 0
}

// apiGet asks the embedded API for the organizations, as from xff.
func apiGet(t *testing.T, base, token, xff string) (int, http.Header, katapult.Code) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/core/v1/organizations", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var env struct {
		Error struct {
			Code katapult.Code `json:"code"`
		} `json:"error"`
	}
	_ = json.NewDecoder(res.Body).Decode(&env)
	return res.StatusCode, res.Header, env.Error.Code
}

func TestRunLimitsUnknownTokensAtTheEmbeddedAPIPerClient(t *testing.T) {
	t.Parallel()
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-trusted-proxies", "127.0.0.1"}, nil)
	const guesser = "198.51.100.7"
	if status, _, _ := apiGet(t, s.url, s.token, guesser); status != http.StatusOK {
		t.Fatalf("the demo token: %d, want 200", status)
	}
	for i := range 300 {
		status, h, code := apiGet(t, s.url, fmt.Sprintf("guess-%04d", i), guesser)
		want := katapult.CodeInvalidAPIToken
		if i >= 30 {
			want = katapult.CodeRateLimitReached
		}
		if code != want || status != katapult.Lookup(want).Status {
			t.Fatalf("guess %d: %d %s, want %d %s", i+1, status, code, katapult.Lookup(want).Status, want)
		}
		if want == katapult.CodeRateLimitReached && h.Get("Retry-After") == "" {
			t.Fatalf("guess %d: rate_limit_reached without Retry-After", i+1)
		}
	}
	tests := []struct {
		name, token, xff string
		status           int
	}{
		{"the token the guesser's address used before still works", s.token, guesser, http.StatusOK},
		{"another client's wrong token is answered as wrong", "guess-other", "203.0.113.9", http.StatusForbidden},
		{"another client's token works", s.token, "203.0.113.9", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, _, code := apiGet(t, s.url, tt.token, tt.xff); status != tt.status {
				t.Errorf("%d %s, want %d", status, code, tt.status)
			}
		})
	}
	// The dashboard's own calls to the engine all come from one place, and
	// are not counted: forty wrong sign-ins from four clients, each within
	// its own burst, are all answered as wrong tokens, and staff, even
	// behind the guesser's address, still sign in.
	for c := range 4 {
		f := newForwarded(t, s.url, fmt.Sprintf("192.0.2.%d", c+1))
		for i := range 10 {
			f.signIn(fmt.Sprintf("guess-dashboard-%d-%d", c, i)).wantStatus(t, http.StatusUnprocessableEntity)
		}
	}
	newForwarded(t, s.url, guesser).signIn(s.token).wantStatus(t, http.StatusSeeOther)
}
