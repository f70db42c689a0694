package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"ipdesk/app"
	"ipdesk/katapult"
)

// A client that declares a body and sends it a byte at a time holds a
// connection and a handler. The server gives each body Budget.Body to
// arrive, then cuts the client off; a handler that is slow after reading
// its body in time is not limited by that deadline.

// slowBodyInterval is how long the slow client waits between bytes: a
// 100-byte body would take it about 200 s.
const slowBodyInterval = 2 * time.Second

func TestABodySentAByteAtATimeIsCutOffAfterTheBodyDeadline(t *testing.T) {
	t.Parallel()
	budget := app.NewBudget(katapult.DefaultReadTimeout, katapult.DefaultCreateTimeout)
	// The margin covers a noisy machine; a server without the deadline
	// would hold the client for about 200 s.
	limit := budget.Body + 10*time.Second
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	host := strings.TrimPrefix(s.url, "http://")
	before := len(apiAddresses(t, s.url, s.token, "acme"))

	tests := []struct {
		name string
		head string
		body string
	}{
		{
			name: "the sign-in form",
			head: "POST /login HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/x-www-form-urlencoded\r\n",
			body: "token=" + strings.Repeat("x", 94),
		},
		{
			name: "the embedded API's create",
			head: "POST /core/v1/organizations/_/ip_addresses?organization%5Bsub_domain%5D=acme HTTP/1.1\r\nHost: " + host +
				"\r\nAuthorization: Bearer " + s.token + "\r\nContent-Type: application/json\r\n",
			body: fmt.Sprintf("%-100s", createBody("acme", "uk-lon-01-public", "ipv4")),
		},
	}
	started := make(chan struct{}, len(tests))
	results := make([]chan slowResult, len(tests))
	for i, tt := range tests {
		results[i] = make(chan slowResult, 1)
		go func() { results[i] <- slowPost(host, tt.head, tt.body, limit, started) }()
	}
	for range tests {
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("the slow clients did not start sending their bodies within 10 s")
		}
	}

	// While they hang, requests on fresh connections are served.
	controlStart := time.Now()
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	res, err := fresh.Get(s.url + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz while slow bodies hang: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz while slow bodies hang: status %d", res.StatusCode)
	}
	if _, _, err := apiCreateErr(fresh, s.url, s.token, "acme", "uk-lon-01-public", "ipv4"); err != nil {
		t.Errorf("a create with its body sent at once, while slow bodies hang: %v", err)
	}
	control := time.Since(controlStart)

	for i, tt := range tests {
		r := <-results[i]
		if r.err != nil {
			t.Errorf("%s: %v", tt.name, r.err)
			continue
		}
		t.Logf("%s: cut off after %s, %d bytes of 100 sent, answered %q", tt.name, r.took.Round(time.Millisecond), r.sent, r.status)
		switch {
		case r.took < budget.Body-time.Second:
			t.Errorf("%s: cut off after %s, before the body's deadline %s", tt.name, r.took, budget.Body)
		case r.took <= control:
			t.Errorf("%s: cut off after %s, before the requests on fresh connections were served (%s)", tt.name, r.took, control)
		}
		// Only a success would be wrong. (The sign-in form answers 500
		// today: the read that timed out ended the request's context, and
		// the error page renders with it.)
		if strings.HasPrefix(r.status, "HTTP/1.1 2") || strings.HasPrefix(r.status, "HTTP/1.1 3") {
			t.Errorf("%s: a body that never arrived was answered %q", tt.name, r.status)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", s.logs.String())
	}
	if after := len(apiAddresses(t, s.url, s.token, "acme")); after != before+1 {
		t.Errorf("acme has %d addresses, want %d: only the prompt create makes one", after, before+1)
	}
}

// slowResult is how a slow client's request ended.
type slowResult struct {
	status string        // the answer's status line, "" if none came
	took   time.Duration // from the end of the header to the connection's end
	sent   int           // bytes of the body sent
	err    error
}

// slowPost sends a request whose header declares body's length, then the
// body a byte every slowBodyInterval, and reads until the server closes
// the connection or limit passes. It signals started once the first byte
// of the body is sent.
func slowPost(host, head, body string, limit time.Duration, started chan<- struct{}) slowResult {
	conn, err := net.Dial("tcp", host)
	if err != nil {
		return slowResult{err: err}
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "%sContent-Length: %d\r\n\r\n", head, len(body)); err != nil {
		return slowResult{err: err}
	}
	start := time.Now()
	sent := make(chan int, 1)
	stop := make(chan struct{})
	go func() {
		n := 0
		defer func() { sent <- n }()
		tick := time.NewTicker(slowBodyInterval)
		defer tick.Stop()
		for i := range len(body) {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return // cut off
			}
			n++
			if i == 0 {
				started <- struct{}{}
			}
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	_ = conn.SetReadDeadline(start.Add(limit))
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err == nil {
		_, err = io.Copy(io.Discard, br) // until the server closes
	}
	r := slowResult{status: strings.TrimSpace(status), took: time.Since(start)}
	close(stop)
	r.sent = <-sent
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		r.err = fmt.Errorf("still connected after %s (%d bytes sent): the slow body was not cut off", limit, r.sent)
	}
	return r
}

func TestPagesSlowerThanTheBodyDeadlineAreAnsweredInFull(t *testing.T) {
	t.Parallel()
	// Two pages take longer than the body's deadline, side by side: a
	// create (body sent at once) that hangs for 11 s and then reads the
	// newest addresses for its "outcome unknown" page, and a list (no
	// body) that Katapult answers after 11 s. Each still reads Katapult
	// with its request's context after the deadline has passed, which the
	// deadline would have ended had it been left on the connection, set on
	// a request without a body, or put on the request's context.
	const (
		read   = 13 * time.Second
		create = 11 * time.Second
		slow   = 11 * time.Second
	)
	budget := app.NewBudget(read, create)
	if create <= budget.Body || slow <= budget.Body || slow >= read {
		t.Fatalf("the create (%s) and the list (%s) must outlast the body's deadline (%s), the list within the read timeout (%s)", create, slow, budget.Body, read)
	}
	kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	newest := apiCreate(t, kat.url, kat.token, "acme", "uk-lon-01-public", "ipv4")
	proxy := newKatapultProxy(t, kat.url)
	proxy.holdCreates()
	// The unknown page reads page 1 only: acme has one address.
	proxy.slowListPage(2, slow)
	dash := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-katapult-url", proxy.url,
		"-katapult-timeout", read.String(), "-create-timeout", create.String()}, nil)
	c := newWebClient(t)
	c.signIn(dash.url, kat.token)
	form := c.createForm(dash.url, "acme")

	type answer struct {
		p   *webPage
		err error
	}
	created, listed := make(chan answer, 1), make(chan answer, 1)
	go func() {
		p, err := c.post(dash.url+"/orgs/acme/ip-addresses", form)
		created <- answer{p, err}
	}()
	go func() {
		p, err := c.do(http.MethodGet, dash.url+"/orgs/acme/ip-addresses?page=2", nil)
		listed <- answer{p, err}
	}()

	a := <-created
	if a.err != nil {
		t.Fatalf("the slow create got no complete answer: %v", a.err)
	}
	t.Logf("the slow create was answered in %s (Body %s)", a.p.took.Round(time.Millisecond), budget.Body)
	if a.p.took <= budget.Body {
		t.Errorf("the create was answered in %s, not longer than the body's deadline %s: this proves nothing", a.p.took, budget.Body)
	}
	a.p.wantStatus(t, http.StatusGatewayTimeout)
	a.p.wantUnknownWithNewest(t, newest)

	l := <-listed
	if l.err != nil {
		t.Fatalf("the slow list got no complete answer: %v", l.err)
	}
	t.Logf("the slow list was answered in %s", l.p.took.Round(time.Millisecond))
	if l.p.took <= budget.Body {
		t.Errorf("the list was answered in %s, not longer than the body's deadline %s: this proves nothing", l.p.took, budget.Body)
	}
	l.p.wantStatus(t, http.StatusOK)
	if l.p.testid("list-page").Length() != 1 || l.p.testid("error-panel").Length() != 0 {
		t.Errorf("the slow list is not the list page: %.400s", strings.Join(strings.Fields(l.p.doc.Text()), " "))
	}
}
