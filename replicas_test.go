package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Replicas behind a load balancer share -session-keys and the journal's
// database: the cookie carries the signed-in user, the journal the
// session's id (which sign-out revokes) and the used one-time tokens. Two
// dashboards on two ports of 127.0.0.1 and one cookie jar are such a
// pair: the jar sends the same cookies to both, as a browser sends them to
// one host name whatever replica answers. Here they share one data folder,
// and so one SQLite journal; replicas on several hosts share a PostgreSQL
// (journal_replicas_test.go).

func TestReplicasWithTheSameSessionKeysServeOneUserAsOne(t *testing.T) {
	t.Parallel()
	kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	keys, data := strings.Repeat("5e", 32), t.TempDir()
	replica := func() started {
		return startRun(t, []string{"-addr", "127.0.0.1:0", "-data", data,
			"-katapult-url", kat.url, "-session-keys", keys}, nil)
	}
	a, b := replica(), replica()
	c := newWebClient(t)
	c.signIn(a.url, kat.token)

	// Signed in on A, the form opens on B, and B creates.
	form := c.createForm(b.url, "acme")
	p, err := c.post(b.url+"/orgs/acme/ip-addresses", form)
	if err != nil {
		t.Fatal(err)
	}
	p.wantStatus(t, http.StatusSeeOther)
	m := createdLocation.FindStringSubmatch(p.header.Get("Location"))
	if m == nil {
		t.Fatalf("B answered the create with a redirect to %q, want the new address's page", p.header.Get("Location"))
	}
	id := m[1]
	for name, base := range map[string]string{"A": a.url, "B": b.url} {
		page := c.get(base + "/orgs/acme/ip-addresses/" + id)
		page.wantStatus(t, http.StatusOK)
		if got := page.testid("result-card").AttrOr("data-id", ""); got != id {
			t.Errorf("%s's page of %s shows the address %q", name, id, got)
		}
		list := c.get(base + "/orgs/acme/ip-addresses")
		list.wantStatus(t, http.StatusOK)
		if !slices.Contains(rowIDs(list), id) {
			t.Errorf("%s's address list %q lacks %s", name, rowIDs(list), id)
		}
	}

	// One form posted to A, then again to B once A's answer (and its
	// cookie) came back: B shows what A created and creates nothing.
	before := len(apiAddresses(t, kat.url, kat.token, "acme"))
	form = c.createForm(a.url, "acme")
	first, err := c.post(a.url+"/orgs/acme/ip-addresses", form)
	if err != nil {
		t.Fatal(err)
	}
	first.wantStatus(t, http.StatusSeeOther)
	m = createdLocation.FindStringSubmatch(first.header.Get("Location"))
	if m == nil {
		t.Fatalf("A answered the create with a redirect to %q", first.header.Get("Location"))
	}
	second, err := c.post(b.url+"/orgs/acme/ip-addresses", form)
	if err != nil {
		t.Fatal(err)
	}
	second.wantStatus(t, http.StatusSeeOther)
	if want := "/orgs/acme/ip-addresses/" + m[1] + "?created=again"; second.header.Get("Location") != want {
		t.Errorf("B answered the same form with a redirect to %q, want A's address %q", second.header.Get("Location"), want)
	}
	if after := len(apiAddresses(t, kat.url, kat.token, "acme")); after != before+1 {
		t.Errorf("Katapult has %d addresses more after one form was posted to two replicas, want 1", after-before)
	}
}

// rowIDs are the ids of the rows of an address list.
func rowIDs(p *webPage) []string {
	var ids []string
	for _, r := range p.testid("address-row").EachIter() {
		ids = append(ids, r.AttrOr("data-id", ""))
	}
	return ids
}
