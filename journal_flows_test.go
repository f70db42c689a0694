package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/journal"
	"ipdesk/journal/journaltest"
)

// The journal's promise on the dashboard (issue 10): one form, one
// address, whichever replica each post of it reaches and however late it
// comes; a create cut short (the browser lost its answer, the process was
// killed) is never sent again, and its outcome is said.

// demoAcmeID is the demo seed's ACME, whose journal rows the tests read.
const demoAcmeID = "org_sjMt88FToKYKC4TY"

// postedAddress is the address a post of the create form was redirected
// to, and whether it was the first post of the form (created=1) or a
// later one (created=again).
var postedAddress = regexp.MustCompile(`^/orgs/acme/ip-addresses/(ip_[A-Za-z0-9]{16})\?created=(1|again)$`)

// acmeRows are the journal's rows of ACME, newest first, read as another
// process would (dsn "" is the SQLite journal in data).
func acmeRows(t *testing.T, dsn, data string) []journal.Entry {
	t.Helper()
	db, err := journal.Open(context.Background(), dsn, data, journal.Options{FingerprintKey: []byte(strings.Repeat("r", 32))})
	if err != nil {
		t.Fatalf("open the journal: %v", err)
	}
	defer db.Close()
	p, err := db.List(context.Background(), journal.Filter{OrgIDs: []string{demoAcmeID}}, journal.PageRequest{Limit: journal.MaxPageSize})
	if err != nil {
		t.Fatalf("list the journal: %v", err)
	}
	return p.Entries
}

// postForm posts a create form and returns the address it was sent to
// and how (1 or again); the error says what came instead.
func postForm(c *webClient, base string, form url.Values) (id, how string, err error) {
	p, err := c.post(base+"/orgs/acme/ip-addresses", form)
	if err != nil {
		return "", "", err
	}
	m := postedAddress.FindStringSubmatch(p.header.Get("Location"))
	if p.status != http.StatusSeeOther || m == nil {
		return "", "", &unexpectedAnswer{p}
	}
	return m[1], m[2], nil
}

type unexpectedAnswer struct{ p *webPage }

func (e *unexpectedAnswer) Error() string {
	return "status " + http.StatusText(e.p.status) + ", Location " + e.p.header.Get("Location") + ": " + pageText(e.p)
}

func TestOneFormPostedToTwoReplicasAtOnceCreatesOneAddress(t *testing.T) {
	t.Parallel()
	dsn := journaltest.Postgres(t)
	kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	proxy := newKatapultProxy(t, kat.url)
	keys := strings.Repeat("6a", 32)
	replica := func() started {
		return startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-database", dsn,
			"-katapult-url", proxy.url, "-session-keys", keys}, nil)
	}
	a, b := replica(), replica()
	c := newWebClient(t)
	c.signIn(a.url, kat.token)
	form := c.createForm(b.url, "acme")
	form.Set("reference", "TCK-4711")

	// The create is held at Katapult until both posts are in: one of them
	// waits for the other's outcome.
	proxy.holdCreates()
	type answer struct {
		replica, id, how string
		err              error
	}
	answers := make(chan answer, 2)
	start := make(chan struct{})
	for name, base := range map[string]string{"A": a.url, "B": b.url} {
		go func() {
			<-start
			id, how, err := postForm(c, base, form)
			answers <- answer{name, id, how, err}
		}()
	}
	close(start)
	proxy.waitCreate(t, 10*time.Second)
	time.Sleep(300 * time.Millisecond) // the other post reaches the journal
	proxy.releaseCreates()
	var ids, hows []string
	for range 2 {
		got := <-answers
		if got.err != nil {
			t.Fatalf("%s answered the form with %v", got.replica, got.err)
		}
		ids, hows = append(ids, got.id), append(hows, got.how)
	}
	slices.Sort(hows)
	if ids[0] != ids[1] || !slices.Equal(hows, []string{"1", "again"}) {
		t.Fatalf("the two replicas showed %v (%v), want one address, created once and shown again", ids, hows)
	}

	// The same form again, once the first answers came, to each replica.
	for name, base := range map[string]string{"A": a.url, "B": b.url} {
		id, how, err := postForm(c, base, form)
		if err != nil || id != ids[0] || how != "again" {
			t.Errorf("%s answered the form posted again with %s %s %v, want %s shown again", name, id, how, err, ids[0])
		}
	}
	if n := proxy.creates.Load(); n != 1 {
		t.Errorf("%d creates reached Katapult for one form, want 1", n)
	}
	rows := acmeRows(t, dsn, "")
	if len(rows) != 1 {
		t.Fatalf("the journal has %d rows of ACME, want 1: %+v", len(rows), rows)
	}
	r := rows[0]
	if r.Action != journal.ActionCreate || r.Outcome != journal.OutcomeSucceeded || r.Address.ID != ids[0] ||
		r.Reference != "TCK-4711" || r.Who.UserName != "Alex Morgan" || r.RequestID == "" {
		t.Errorf("the journal's row is %+v, want Alex Morgan's create of %s for TCK-4711", r, ids[0])
	}
}

func TestACreateWhoseAnswerWasLostIsShownWhenTheFormIsSentAgain(t *testing.T) {
	t.Parallel()
	kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	proxy := newKatapultProxy(t, kat.url)
	data := t.TempDir()
	dash := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", data, "-katapult-url", proxy.url}, nil)
	c := newWebClient(t)
	c.signIn(dash.url, kat.token)
	form := c.createForm(dash.url, "acme")
	before := apiAddresses(t, kat.url, kat.token, "acme")

	// The browser gives up on the post while Katapult still holds the
	// create: the connection is dropped, its answer never arrives.
	proxy.holdCreates()
	impatient := &http.Client{Jar: c.http.Jar, Transport: ownTransport(t), Timeout: 2 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, _ = (&webClient{t: t, http: impatient}).post(dash.url+"/orgs/acme/ip-addresses", form) // it times out
	proxy.waitCreate(t, 10*time.Second)
	proxy.releaseCreates()

	id, how, err := postForm(c, dash.url, form)
	if err != nil {
		t.Fatalf("the form sent again: %v", err)
	}
	after := apiAddresses(t, kat.url, kat.token, "acme")
	if len(after) != len(before)+1 || !slices.Contains(after, id) || how != "again" {
		t.Errorf("the form sent again shows %s (created=%s); ACME went from %d to %d addresses, %v", id, how, len(before), len(after), after)
	}
	if n := proxy.creates.Load(); n != 1 {
		t.Errorf("%d creates reached Katapult, want 1", n)
	}
	page := c.get(dash.url + "/orgs/acme/ip-addresses/" + id + "?created=again")
	page.wantStatus(t, http.StatusOK)
	if got := page.testid("result-card").AttrOr("data-id", ""); got != id {
		t.Errorf("the address's page shows %q, want %s", got, id)
	}
}

func TestACreateCutShortByKill9ReadsOutcomeUnknownAfterTheRestart(t *testing.T) {
	t.Parallel()
	bin := buildIpdesk(t)
	kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	proxy := newKatapultProxy(t, kat.url)
	data := t.TempDir()
	args := []string{"-addr", "127.0.0.1:0", "-data", data, "-katapult-url", proxy.url, "-session-keys", strings.Repeat("7b", 32)}
	dash := startChild(t, bin, args...)
	c := newWebClient(t)
	c.signIn(dash.url, kat.token)
	form := c.createForm(dash.url, "acme")

	proxy.holdCreates()
	posted := make(chan error, 1)
	go func() {
		_, err := c.post(dash.url+"/orgs/acme/ip-addresses", form)
		posted <- err
	}()
	proxy.waitCreate(t, 10*time.Second)
	if err := dash.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	<-dash.exited
	if err := <-posted; err == nil {
		t.Errorf("the post was answered by a killed process")
	}
	proxy.releaseCreates()

	// Restarted on the same data folder (and port: the cookie jar is per
	// host, the session stays signed in).
	dash = startChild(t, bin, args...)
	rows := acmeRows(t, "", data)
	if len(rows) != 1 || rows[0].Outcome != journal.OutcomeUnknown {
		t.Fatalf("after the restart the journal has %+v, want one create whose outcome is unknown", rows)
	}
	p, err := c.post(dash.url+"/orgs/acme/ip-addresses", form)
	if err != nil {
		t.Fatal(err)
	}
	p.wantStatus(t, http.StatusConflict)
	if p.doc.Find(`[data-testid="unknown-page"] [data-testid="error-panel"][data-problem="outcome-unknown"]`).Length() != 1 {
		t.Errorf("the form sent again after the restart does not say its outcome is unknown: %s", pageText(p))
	}
	if n := proxy.creates.Load(); n != 1 {
		t.Errorf("%d creates reached Katapult, want 1", n)
	}
}

// formOf is the values of the form matched by sel on a page, as a browser
// submits them (text inputs, hidden inputs, checked boxes).
func formOf(p *webPage, sel string) url.Values {
	v := url.Values{}
	p.doc.Find(sel + " input").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		typ := in.AttrOr("type", "text")
		if name == "" || (typ == "checkbox" || typ == "radio") && in.AttrOr("checked", "-") == "-" {
			return
		}
		v.Add(name, in.AttrOr("value", ""))
	})
	return v
}

func TestEveryCreateEditAndReleaseIsARowWithItsReference(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", data}, nil)
	c := newWebClient(t)
	c.signIn(s.url, s.token)
	form := c.createForm(s.url, "acme")
	form.Set("reference", " TCK-1 ")
	id, _, err := postForm(c, s.url, form)
	if err != nil {
		t.Fatal(err)
	}
	base := s.url + "/orgs/acme/ip-addresses/" + id

	edit := c.get(base + "/edit")
	edit.wantStatus(t, http.StatusOK)
	v := formOf(edit, `form[data-testid="edit-form"]`)
	v.Set("reverse_dns", "mail.acme.example")
	v.Set("reference", "TCK-2")
	p, err := c.post(base, v)
	if err != nil {
		t.Fatal(err)
	}
	p.wantStatus(t, http.StatusSeeOther)

	rel := c.get(base + "/release")
	rel.wantStatus(t, http.StatusOK)
	v = formOf(rel, `form[data-testid="release-form"]`)
	v.Set("confirm", rel.doc.Find(`[data-testid="release-form"] code`).First().Text())
	v.Set("reference", "TCK-3")
	if p, err = c.post(base+"/release", v); err != nil {
		t.Fatal(err)
	}
	p.wantStatus(t, http.StatusSeeOther)

	rows := acmeRows(t, "", data)
	want := []struct {
		action journal.Action
		ref    string
	}{{journal.ActionRelease, "TCK-3"}, {journal.ActionEdit, "TCK-2"}, {journal.ActionCreate, "TCK-1"}}
	if len(rows) != len(want) {
		t.Fatalf("the journal has %d rows of ACME, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Action != w.action || r.Reference != w.ref || r.Outcome != journal.OutcomeSucceeded ||
			r.Address.ID != id || r.Address.IP == "" || r.Who.UserName != "Alex Morgan" || r.Org.SubDomain != "acme" {
			t.Errorf("row %d is %+v, want Alex Morgan's %s of %s for %s, succeeded", i, r, w.action, id, w.ref)
		}
	}
	if rows[2].Request.NetworkName != "Public Network" || !strings.HasPrefix(rows[2].Request.NetworkID, "netw_") {
		t.Errorf("the create's row asked for network %q (%s), want its name beside its id", rows[2].Request.NetworkName, rows[2].Request.NetworkID)
	}
	if rows[1].Request.ReverseDNS != "mail.acme.example" {
		t.Errorf("the edit's row asked for reverse DNS %q", rows[1].Request.ReverseDNS)
	}
}
