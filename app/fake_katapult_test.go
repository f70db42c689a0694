package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ipdesk/app"
)

// faultToken is the token the faults suite signs in with. The fake accepts
// any bearer token; this one is distinctive, to look for in pages.
const faultToken = "kt-faults-7c1e9b2d4a6f8e0c"

// upstreamMarker is in every body the fake answers with instead of
// Katapult's: a page of ipdesk's that shows it echoed the upstream body.
const upstreamMarker = "UPSTREAM-BODY-b41f"

// kop is an operation of Katapult's API, as the fake tells them apart.
type kop string

// The operations the dashboard's pages call.
const (
	kOrganizations kop = "list organizations"
	kNetworks      kop = "list available networks"
	kDataCenters   kop = "list data centers"
	kCreate        kop = "create IP address"
	kList          kop = "list IP addresses"
	kAddress       kop = "get IP address"
	kCurrentUser   kop = "get current user"
)

// opOf names the operation of a request below /core/v1, or "" for any
// request ipdesk has no reason to send.
func opOf(r *http.Request) kop {
	p, ok := strings.CutPrefix(r.URL.Path, "/core/v1/")
	if !ok {
		return ""
	}
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	orgAddresses := strings.HasPrefix(p, "organizations/") && strings.HasSuffix(p, "/ip_addresses")
	switch {
	case get && p == "organizations":
		return kOrganizations
	case get && strings.HasPrefix(p, "organizations/") && strings.HasSuffix(p, "/available_networks"):
		return kNetworks
	case get && p == "data_centers":
		return kDataCenters
	case post && orgAddresses:
		return kCreate
	case get && orgAddresses:
		return kList
	case get && strings.HasPrefix(p, "ip_addresses/"):
		return kAddress
	case get && p == "users/current":
		return kCurrentUser
	}
	return ""
}

// The fake's small world: one organization, one data center, one network
// and one address to begin with.
const (
	fakeOrg     = `{"id":"org_FaultAcme0000001","name":"ACME","sub_domain":"acme","infrastructure_domain":"acme.example","created_at":1700000000,"activated_at":1700003600,"suspended":false,"managed":false}`
	fakeDCShort = `{"id":"loc_FaultLondon00001","name":"London","permalink":"uk-lon-01"}`
	fakeDC      = `{"id":"loc_FaultLondon00001","name":"London","permalink":"uk-lon-01","country":{"id":"ctry_FaultUK00000001","name":"United Kingdom"}}`
	fakeDCFull  = `{"id":"loc_FaultLondon00001","name":"London","permalink":"uk-lon-01","country":{"id":"ctry_FaultUK00000001","name":"United Kingdom","iso_code2":"GB","iso_code3":"GBR","time_zone":"Europe/London","eu":false}}`
	fakeNetwork = `{"id":"netw_FaultPublic00001","name":"Public Network","permalink":"uk-lon-01-public","default":true,"data_center":` + fakeDCShort + `}`
	// fakeSeedID is the address that exists from the start.
	fakeSeedID = "ip_FaultSeed00000001"
)

// fakeAddress is an address of the fake world.
type fakeAddress struct{ id, address string }

func (a fakeAddress) full() string {
	return fmt.Sprintf(`{"id":%q,"address":%q,"address_with_mask":"%s/24","reverse_dns":"%s.rdns.example","vip":false,"label":null,`+
		`"network":{"id":"netw_FaultPublic00001","name":"Public Network","permalink":"uk-lon-01-public","default":true,"data_center":%s},`+
		`"allocation_id":null,"allocation_type":null}`,
		a.id, a.address, a.address, strings.ReplaceAll(a.address, ".", "-"), fakeDCFull)
}

func (a fakeAddress) short() string {
	return fmt.Sprintf(`{"id":%q,"address":%q,"reverse_dns":"%s.rdns.example","vip":false,"allocation_id":null,"allocation_type":null}`,
		a.id, a.address, strings.ReplaceAll(a.address, ".", "-"))
}

// faultFunc answers a request that the test broke. normal is what a
// healthy Katapult would have answered.
type faultFunc func(f *fakeKatapult, w http.ResponseWriter, r *http.Request, normal []byte)

// fakeKatapult is a minimal Katapult that answers every operation as the
// real one does, except the one a test breaks. It fails the test on any
// request ipdesk has no reason to send (a redirect followed, say).
type fakeKatapult struct {
	t   *testing.T
	url string
	// creates counts the creates that reached it, faulted or not; faulted
	// the requests it broke.
	creates, faulted atomic.Int64
	stop             chan struct{}

	mu        sync.Mutex
	op        kop       // the broken operation; "" when healthy
	fault     faultFunc // how it breaks; nil: the doer refuses the connection
	answers   map[kop]string
	addresses []fakeAddress
}

func newFakeKatapult(t *testing.T) *fakeKatapult {
	t.Helper()
	f := &fakeKatapult{t: t, stop: make(chan struct{}), answers: map[kop]string{},
		addresses: []fakeAddress{{id: fakeSeedID, address: "192.0.2.10"}}}
	srv := httptest.NewServer(f)
	f.url = srv.URL
	t.Cleanup(srv.Close)
	// Cleanups run last first: stop ends the hangs and trickles before
	// Close waits for them.
	t.Cleanup(func() { close(f.stop) })
	return f
}

// breakOp makes every call of op fail with fault until heal; a nil fault
// is a refused connection, which the doer of startRemote makes.
func (f *fakeKatapult) breakOp(op kop, fault faultFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.op, f.fault = op, fault
}

// heal makes every operation answer normally again.
func (f *fakeKatapult) heal() { f.breakOp("", nil) }

// answer makes op answer with body, as a 200, instead of the world's.
func (f *fakeKatapult) answer(op kop, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[op] = body
}

// refuses reports whether a request must meet a refused connection.
func (f *fakeKatapult) refuses(r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.op != "" && f.fault == nil && opOf(r) == f.op
}

func (f *fakeKatapult) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := opOf(r)
	if op == "" {
		f.t.Errorf("fake Katapult: unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+faultToken {
		f.t.Errorf("fake Katapult: %s without the user's bearer token", op)
	}
	// Katapult has the whole request before it answers, or fails to.
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		return
	}
	if op == kCreate {
		f.creates.Add(1)
	}
	f.mu.Lock()
	broken, fault, override := f.op == op, f.fault, f.answers[op]
	f.mu.Unlock()
	if broken && fault == nil {
		f.t.Errorf("fake Katapult: %s reached it, but its connection was to be refused", op)
	}
	normal := f.normal(op, !broken)
	if override != "" {
		normal = []byte(override)
	}
	if broken {
		f.faulted.Add(1)
		fault(f, w, r, normal)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req_fake")
	_, _ = w.Write(normal)
}

// normal is a healthy Katapult's answer to op; commit makes a create
// keep its address.
func (f *fakeKatapult) normal(op kop, commit bool) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch op {
	case kOrganizations:
		return []byte(`{"organizations":[` + fakeOrg + `]}`)
	case kCurrentUser:
		return []byte(`{"user":{"id":"user_FaultStaff000001","first_name":"Fay","last_name":"Ult"},"organizations":[` + fakeOrg + `],"api_token_id":null}`)
	case kNetworks:
		return []byte(`{"networks":[` + fakeNetwork + `],"virtual_networks":[]}`)
	case kDataCenters:
		return []byte(`{"data_centers":[` + fakeDC + `]}`)
	case kCreate:
		n := len(f.addresses)
		a := fakeAddress{id: fmt.Sprintf("ip_FaultNew%09d", n), address: fmt.Sprintf("192.0.2.%d", 10+n)}
		if commit {
			f.addresses = append(f.addresses, a)
		}
		return []byte(`{"ip_address":` + a.full() + `}`)
	case kList:
		rows := make([]string, 0, len(f.addresses))
		for _, a := range f.addresses {
			rows = append(rows, a.short())
		}
		return fmt.Appendf(nil, `{"pagination":{"current_page":1,"total_pages":1,"total":%d,"per_page":30,"large_set":false},"ip_addresses":[%s]}`,
			len(rows), strings.Join(rows, ","))
	case kAddress:
		return []byte(`{"ip_address":` + f.addresses[0].full() + `,"allocation":null}`)
	}
	return nil
}

// wait blocks until the client hangs up or the test ends.
func (f *fakeKatapult) wait(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.stop:
	}
}

// hijack takes the connection over, for answers net/http would not send.
func hijack(f *fakeKatapult, w http.ResponseWriter) net.Conn {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		f.t.Errorf("fake Katapult: hijack: %v", err)
		return nil
	}
	return conn
}

// answerWith writes a whole answer of its own.
func answerWith(status int, header map[string]string, body string) faultFunc {
	return func(_ *fakeKatapult, w http.ResponseWriter, _ *http.Request, _ []byte) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// htmlPage is a proxy's error page.
func htmlPage(status int) string {
	return fmt.Sprintf("<!DOCTYPE html><html><head><title>%d %s</title></head><body><h1>%s</h1><p>%s nginx</p></body></html>",
		status, http.StatusText(status), http.StatusText(status), upstreamMarker)
}

var htmlType = map[string]string{"Content-Type": "text/html"}

// The faults, one function each.
var (
	hang faultFunc = func(f *fakeKatapult, _ http.ResponseWriter, r *http.Request, _ []byte) { f.wait(r) }

	resetConn faultFunc = func(f *fakeKatapult, w http.ResponseWriter, _ *http.Request, _ []byte) {
		conn := hijack(f, w)
		if conn == nil {
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0) // close sends RST, not FIN
		}
		conn.Close()
	}

	closeEarly faultFunc = func(f *fakeKatapult, w http.ResponseWriter, _ *http.Request, normal []byte) {
		conn := hijack(f, w)
		if conn == nil {
			return
		}
		defer conn.Close()
		_, _ = fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(normal))
		_, _ = conn.Write(normal[:len(normal)/2])
	}

	truncated faultFunc = func(_ *fakeKatapult, w http.ResponseWriter, _ *http.Request, normal []byte) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(normal[:len(normal)/2]) // a complete answer of half a document
	}

	malformed faultFunc = func(_ *fakeKatapult, w http.ResponseWriter, _ *http.Request, normal []byte) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bytes.Replace(normal, []byte(":"), []byte(";"), 1))
	}

	slowBody faultFunc = func(f *fakeKatapult, w http.ResponseWriter, r *http.Request, normal []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for _, b := range normal {
			if _, err := w.Write([]byte{b}); err != nil || rc.Flush() != nil {
				return
			}
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			case <-f.stop:
				return
			}
		}
	}

	// huge is the healthy answer after 6 MB of leading white space: valid
	// JSON of the right shape, refused for its size alone.
	huge faultFunc = func(_ *fakeKatapult, w http.ResponseWriter, _ *http.Request, normal []byte) {
		w.Header().Set("Content-Type", "application/json")
		chunk := bytes.Repeat([]byte(" "), 64<<10)
		for range (6 << 20) / len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return // ipdesk stopped reading
			}
		}
		_, _ = w.Write(normal)
	}

	redirect faultFunc = func(f *fakeKatapult, w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Location", f.url+"/elsewhere"+r.URL.Path)
		w.WriteHeader(http.StatusFound)
	}
)

// rateLimitHeaders are Katapult's headers of a refusal by its limit.
func rateLimitHeaders(contentType string) map[string]string {
	return map[string]string{"Content-Type": contentType, "Retry-After": "30",
		"X-RateLimit-Permitted": "1000", "X-RateLimit-Remaining": "0", "X-Request-Id": "req_limited"}
}

// rateLimitedByDate is a 429 with an empty body whose Retry-After is a
// date 30 s after the answer's own Date, and the common limit header.
var rateLimitedByDate faultFunc = func(_ *fakeKatapult, w http.ResponseWriter, _ *http.Request, _ []byte) {
	now := time.Now().UTC().Truncate(time.Second)
	w.Header().Set("Date", now.Format(http.TimeFormat))
	w.Header().Set("Retry-After", now.Add(30*time.Second).Format(http.TimeFormat))
	w.Header().Set("X-RateLimit-Limit", "1000")
	w.WriteHeader(http.StatusTooManyRequests)
}

// closedAddr is a local address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// refusingDoer sends requests as ipdesk's default client does (no
// redirects followed), except those the fake refuses, which it sends to
// an address where nothing listens: a real refused connection.
type refusingDoer struct {
	fake   *fakeKatapult
	closed string
	client *http.Client
}

func (d refusingDoer) Do(r *http.Request) (*http.Response, error) {
	if d.fake.refuses(r) {
		r = r.Clone(r.Context())
		r.URL.Host, r.Host = d.closed, ""
	}
	return d.client.Do(r)
}

// startRemote serves ipdesk in remote mode in front of the fake, with
// its own default client unless refuse asks for refusingDoer.
func startRemote(t *testing.T, f *fakeKatapult, budget app.Budget, refuse bool) *ipdesk {
	t.Helper()
	d := &ipdesk{logs: &logSink{}}
	cfg := app.Config{
		KatapultURL: f.url,
		DataDir:     t.TempDir(),
		SessionKeys: [][]byte{[]byte("a session key of at least 32 bytes, for tests")},
		Budget:      budget,
		Logger:      slog.New(slog.NewJSONHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if refuse {
		cfg.Doer = refusingDoer{fake: f, closed: closedAddr(t), client: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
	}
	a, err := app.New(context.Background(), cfg)
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
