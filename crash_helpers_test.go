package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The clients of the crash-safety suite and the ledger of what they were
// told was created.

// The kinds of client: Krystal's API shape over HTTP, and staff on the
// dashboard without JavaScript (a post, a redirect, the result page) and
// with htmx (a post answered by the result card).
const (
	crashAPI   = "api"
	crashPlain = "plain"
	crashHTMX  = "htmx"
)

// crashKinds is the order the clients are started and reported in.
var crashKinds = []string{crashAPI, crashPlain, crashHTMX}

// crashOrgs and crashNetworks are the crash seed's organizations and
// networks; each create picks one of each.
var (
	crashOrgs     = []string{"acme", "globex"}
	crashNetworks = []string{"uk-lon-01-public", "uk-lon-01-edge"}
)

// crashClient is one client of a round: it creates addresses one after the
// other.
type crashClient struct {
	kind string
	api  *http.Client // for crashAPI
	web  *webClient   // for crashPlain and crashHTMX: its own cookie jar
	rng  *rand.Rand   // set for each round
}

// newCrashClients makes three API clients and two staff members of each
// dashboard kind, each signed in with their own session.
func newCrashClients(t *testing.T, base string, rng *rand.Rand) []*crashClient {
	t.Helper()
	var out []*crashClient
	api := crashHTTP()
	t.Cleanup(api.CloseIdleConnections)
	for range 3 {
		out = append(out, &crashClient{kind: crashAPI, api: api, rng: rng})
	}
	for _, kind := range []string{crashPlain, crashPlain, crashHTMX, crashHTMX} {
		w := newWebClient(t)
		w.signIn(base, crashStaffToken)
		out = append(out, &crashClient{kind: kind, web: w, rng: rng})
	}
	return out
}

// crashAck is a create that was answered as done, with what the answer
// showed. address is empty when a plain post's redirect came but the
// result page it leads to did not (the server was killed in between).
type crashAck struct {
	id, address string
	kind        string
	round       int
}

// errResultLost is a plain post answered by its redirect to the new
// address, whose result page then did not come.
var errResultLost = errors.New("the result page did not come")

// create makes one address: mostly IPv6, sometimes IPv4, in a random
// organization and network. answered tells a refusal (the server answered
// something other than a success) from a lost connection. a.id is set
// whenever the create was answered as done, even when an error follows
// (errResultLost).
func (c *crashClient) create(base string) (a crashAck, answered bool, err error) {
	org := crashOrgs[c.rng.IntN(len(crashOrgs))]
	network := crashNetworks[c.rng.IntN(len(crashNetworks))]
	version := "ipv6"
	if c.rng.IntN(4) == 0 {
		version = "ipv4"
	}
	a.kind = c.kind
	switch c.kind {
	case crashAPI:
		a.id, a.address, answered, err = crashAPICreate(c.api, base, org, network, version)
	default:
		a.id, a.address, answered, err = c.dashboardCreate(base, org, network, version, c.kind == crashHTMX)
	}
	if err != nil {
		err = fmt.Errorf("%s %s on %s in %s: %w", version, c.kind, network, org, err)
	}
	return a, answered, err
}

// crashAPICreate creates through the embedded API and returns the id and
// address of its answer.
func crashAPICreate(client *http.Client, base, org, network, version string) (id, address string, answered bool, err error) {
	req, err := http.NewRequest(http.MethodPost, base+"/core/v1/organizations/_/ip_addresses", strings.NewReader(createBody(org, network, version)))
	if err != nil {
		return "", "", false, err
	}
	req.Header.Set("Authorization", "Bearer "+crashAPIToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return "", "", false, err
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		// The answer broke off: it was never read as a success.
		return "", "", false, fmt.Errorf("status %d, then the answer broke off: %w", res.StatusCode, err)
	}
	var out struct {
		IPAddress struct {
			ID      string `json:"id"`
			Address string `json:"address"`
		} `json:"ip_address"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(buf.Bytes(), &out) != nil ||
		!apiIDPattern.MatchString(out.IPAddress.ID) || out.IPAddress.Address == "" {
		return "", "", true, fmt.Errorf("API create answered %d: %.300s", res.StatusCode, buf.String())
	}
	return out.IPAddress.ID, out.IPAddress.Address, true, nil
}

// crashCreated is where a plain post of a successful create is sent.
var crashCreated = regexp.MustCompile(`^/orgs/([a-z0-9-]+)/ip-addresses/(ip_[A-Za-z0-9]{16})\?created=1$`)

// dashboardCreate opens the organization's form, fills it in and posts
// it, as a browser without JavaScript would (then follows the redirect to
// the result page) or as htmx would (the result card comes back).
func (c *crashClient) dashboardCreate(base, org, network, version string, htmx bool) (id, address string, answered bool, err error) {
	formURL := base + "/orgs/" + org + "/ip-addresses/new"
	p, err := c.web.do(http.MethodGet, formURL, nil)
	if err != nil {
		return "", "", false, err
	}
	if p.status != http.StatusOK {
		return "", "", true, fmt.Errorf("the form answered %d: %.300s", p.status, pageText(p))
	}
	f := p.testid("create-form")
	form := url.Values{
		"_csrf":   {f.Find(`input[name="_csrf"]`).AttrOr("value", "")},
		"once":    {f.Find(`input[name="once"]`).AttrOr("value", "")},
		"network": {f.Find(`option[data-permalink="`+network+`"]`).AttrOr("value", "")},
		"version": {version},
	}
	for k := range form {
		if form.Get(k) == "" {
			return "", "", true, fmt.Errorf("the form has no %s", k)
		}
	}
	target := base + "/orgs/" + org + "/ip-addresses"
	if !htmx {
		p, err = c.web.post(target, form)
		if err != nil {
			return "", "", false, err
		}
		m := crashCreated.FindStringSubmatch(p.header.Get("Location"))
		if p.status != http.StatusSeeOther || m == nil || m[1] != org {
			return "", "", true, fmt.Errorf("the post answered %d, Location %q: %.300s", p.status, p.header.Get("Location"), pageText(p))
		}
		id = m[2]
		res, err := c.web.do(http.MethodGet, base+p.header.Get("Location"), nil)
		if err != nil {
			// Answered as created: the address is still owed. The
			// ledger learns it after the restart.
			return id, "", false, fmt.Errorf("redirected to %s, then %w: %v", id, errResultLost, err)
		}
		p = res
	} else {
		p, err = c.web.doHeader(http.MethodPost, target, form, http.Header{
			"Hx-Request": {"true"}, "Hx-Current-Url": {formURL}, "X-Csrf-Token": {form.Get("_csrf")},
		})
		if err != nil {
			return "", "", false, err
		}
	}
	card := p.testid("result-card")
	address = strings.TrimSpace(p.testid("result-address").Text())
	if p.status != http.StatusOK || card.Length() != 1 || address == "" || (id != "" && card.AttrOr("data-id", "") != id) {
		return "", "", true, fmt.Errorf("the result answered %d with card %q: %.300s", p.status, card.AttrOr("data-id", ""), pageText(p))
	}
	return card.AttrOr("data-id", ""), address, true, nil
}

// pageText is a page's text on one line, for messages.
func pageText(p *webPage) string {
	return strings.Join(strings.Fields(p.doc.Text()), " ")
}

// crashLedger is every create answered as done, by id and by address.
type crashLedger struct {
	mu     sync.Mutex
	byID   map[string]*crashAck
	byAddr map[string]*crashAck
}

func newCrashLedger() *crashLedger {
	return &crashLedger{byID: map[string]*crashAck{}, byAddr: map[string]*crashAck{}}
}

func (l *crashLedger) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byID)
}

// add records an answered create; the message says what is wrong when its
// id or its address was handed out before.
func (l *crashLedger) add(a crashAck) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.byID[a.id]; ok {
		return fmt.Sprintf("id %s was answered twice: round %d (%s) and round %d (%s)", a.id, old.round, old.kind, a.round, a.kind)
	}
	if a.address != "" {
		if old, ok := l.byAddr[a.address]; ok {
			return fmt.Sprintf("address %s was handed out twice: %s in round %d (%s) and %s in round %d (%s)",
				a.address, old.id, old.round, old.kind, a.id, a.round, a.kind)
		}
		l.byAddr[a.address] = &a
	}
	l.byID[a.id] = &a
	return ""
}

// verify lists every address of every organization through the API and
// checks the ledger against it: every answered create is there with the
// same address, and no address is held twice. It learns the addresses the
// ledger did not see, and returns how many addresses the store holds.
func (l *crashLedger) verify(t *testing.T, base string, round int) int {
	t.Helper()
	held := crashHoldings(t, base)
	byAddr := map[string]string{}
	for id, addr := range held {
		if other, dup := byAddr[addr]; dup {
			t.Errorf("after restart %d: address %s is held twice, by %s and %s", round, addr, other, id)
		}
		byAddr[addr] = id
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, a := range l.byID {
		got, ok := held[id]
		switch {
		case !ok:
			t.Errorf("after restart %d: %s (answered in round %d through %s, address %q) is gone", round, id, a.round, a.kind, a.address)
		case a.address == "":
			if old, dup := l.byAddr[got]; dup {
				t.Errorf("after restart %d: %s holds %s, answered before as %s", round, id, got, old.id)
			}
			a.address = got
			l.byAddr[got] = a
		case got != a.address:
			t.Errorf("after restart %d: %s was answered as %s in round %d (%s), now holds %s", round, id, a.address, a.round, a.kind, got)
		}
	}
	return len(held)
}

// crashHoldings lists the id and address of every address of every
// organization the API token sees.
func crashHoldings(t *testing.T, base string) map[string]string {
	t.Helper()
	var orgs struct {
		Organizations []struct {
			SubDomain string `json:"sub_domain"`
		} `json:"organizations"`
	}
	crashGetJSON(t, base+"/core/v1/organizations", &orgs)
	if len(orgs.Organizations) != len(crashOrgs) {
		t.Fatalf("the API token sees %d organizations, want %d", len(orgs.Organizations), len(crashOrgs))
	}
	held := map[string]string{}
	for _, o := range orgs.Organizations {
		for page := 1; ; page++ {
			var out struct {
				Pagination struct {
					TotalPages int `json:"total_pages"`
				} `json:"pagination"`
				IPAddresses []struct {
					ID      string `json:"id"`
					Address string `json:"address"`
				} `json:"ip_addresses"`
			}
			crashGetJSON(t, fmt.Sprintf("%s/core/v1/organizations/_/ip_addresses?organization[sub_domain]=%s&page=%d&per_page=200",
				base, url.QueryEscape(o.SubDomain), page), &out)
			for _, a := range out.IPAddresses {
				if _, dup := held[a.ID]; dup {
					t.Errorf("id %s is listed twice", a.ID)
				}
				held[a.ID] = a.Address
			}
			if page >= out.Pagination.TotalPages {
				break
			}
		}
	}
	return held
}

// crashGetJSON reads one API answer with the API clients' token.
func crashGetJSON(t *testing.T, target string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+crashAPIToken)
	client := &http.Client{Timeout: 30 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", target, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
}
