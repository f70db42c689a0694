package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestOrganizationList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		q    string
		want []string
	}{
		{name: "all, by name", want: []string{"acme", "globex", "hooli", "initech", "umbrella"}},
		{name: "name, any case", q: "GLOBEX", want: []string{"globex"}},
		{name: "sub_domain", q: "brel", want: []string{"umbrella"}},
		{name: "name words", q: "inc.", want: []string{"acme"}},
		{name: "nothing", q: "zzz", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			_, c := signedIn(t, api)
			path := "/"
			if tt.q != "" {
				path = "/?q=" + tt.q
			}
			p := c.get(path).wantStatus(http.StatusOK)
			var got []string
			p.testid("org-row").Each(func(_ int, s *goquery.Selection) {
				got = append(got, s.AttrOr("data-org", ""))
			})
			if len(got) != len(tt.want) {
				t.Fatalf("rows %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("rows %v, want %v", got, tt.want)
				}
			}
			if v, _ := p.one(`form[role="search"] input[name="q"]`).Attr("value"); v != tt.q {
				t.Errorf("filter box keeps %q, want %q", v, tt.q)
			}
			if m, _ := p.one(`form[role="search"]`).Attr("method"); m != "get" {
				t.Errorf("filter form method %q: it must work without JavaScript", m)
			}
			if tt.want == nil && p.testid("org-empty").Length() != 1 {
				t.Errorf("no empty-state message")
			}
			if api.total() != 1 {
				t.Errorf("%d API calls (%s), want 1", api.total(), api)
			}
		})
	}
}

func TestOrganizationBadgesAndLinks(t *testing.T) {
	t.Parallel()
	_, c := signedIn(t, newFake(t))
	p := c.get("/").wantStatus(http.StatusOK)
	row := func(org string) *goquery.Selection { return p.find(`[data-testid="org-row"][data-org="` + org + `"]`) }
	tests := []struct {
		org                     string
		suspended, notActivated int
	}{
		{org: "acme"}, {org: "initech", suspended: 1}, {org: "umbrella", notActivated: 1},
	}
	for _, tt := range tests {
		r := row(tt.org)
		if n := r.Find(`[data-testid="badge-suspended"]`).Length(); n != tt.suspended {
			t.Errorf("%s: %d suspended badges, want %d", tt.org, n, tt.suspended)
		}
		if n := r.Find(`[data-testid="badge-not-activated"]`).Length(); n != tt.notActivated {
			t.Errorf("%s: %d not-activated badges, want %d", tt.org, n, tt.notActivated)
		}
		if href, _ := r.Find(`[data-testid="org-link"]`).Attr("href"); href != "/orgs/"+tt.org+"/ip-addresses/new" {
			t.Errorf("%s: link %q", tt.org, href)
		}
		// Katapult refuses the address list of a suspended or not
		// activated organization: no link to it.
		wantList := 0
		if tt.suspended+tt.notActivated == 0 {
			wantList = 1
		}
		if n := r.Find(`a[href="/orgs/` + tt.org + `/ip-addresses"]`).Length(); n != wantList {
			t.Errorf("%s: %d links to the address list, want %d", tt.org, n, wantList)
		}
	}
}

func TestOrganizationFilterHasAnHTMXFragment(t *testing.T) {
	t.Parallel()
	e, c := signedIn(t, newFake(t))
	p := c.get("/?q=acme", htmx(e.srv.URL+"/")).wantStatus(http.StatusOK)
	if p.find("html > head > link").Length() != 0 || p.find("header.topbar").Length() != 0 {
		t.Errorf("htmx got the whole layout")
	}
	if p.find("#org-list").Length() != 1 {
		t.Errorf("fragment lacks #org-list")
	}
	if p.header.Get("Vary") == "" || !containsFold(p.header.Values("Vary"), "HX-Request") {
		t.Errorf("Vary %v lacks HX-Request", p.header.Values("Vary"))
	}
}

func TestALongFilterIsCutAtAWholeCharacter(t *testing.T) {
	t.Parallel()
	_, c := signedIn(t, newFake(t))
	q := strings.Repeat("a", 99) + "éé"
	p := c.get("/?q=" + url.QueryEscape(q)).wantStatus(http.StatusOK)
	got := p.one(`input[name="q"]`).AttrOr("value", "")
	if want := strings.Repeat("a", 99) + "é"; got != want {
		t.Errorf("filter kept %q, want %q", got, want)
	}
}
