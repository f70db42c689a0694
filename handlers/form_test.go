package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/katapult"
)

func containsFold(vals []string, want string) bool {
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), want) {
				return true
			}
		}
	}
	return false
}

func TestFormGroupsNetworksByDataCenterWithCountry(t *testing.T) {
	t.Parallel()
	api := newFake(t)
	_, c := signedIn(t, api)
	p := c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)

	type group struct{ label, dc, options string }
	var got []group
	p.find(`select[name="network"] optgroup`).Each(func(_ int, g *goquery.Selection) {
		var opts []string
		g.Find("option").Each(func(_ int, o *goquery.Selection) { opts = append(opts, o.AttrOr("value", "")) })
		got = append(got, group{g.AttrOr("label", ""), g.AttrOr("data-dc", ""), strings.Join(opts, " ")})
	})
	want := []group{
		{"London, United Kingdom (uk-lon-01)", "uk-lon-01", lonPublic.ID + " " + lonEdge.ID},
		{"Amsterdam, Netherlands (nl-ams-01)", "nl-ams-01", amsPublic.ID},
	}
	if len(got) != len(want) {
		t.Fatalf("groups %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("group %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if sel, _ := p.one(`select[name="network"] option[selected]`).Attr("value"); sel != lonPublic.ID {
		t.Errorf("preselected %q, want the first data center's default %q", sel, lonPublic.ID)
	}
	if _, on := p.one(`[data-testid="version-ipv4"]`).Attr("checked"); !on {
		t.Errorf("IPv4 not checked by default")
	}
	// Every field has a label.
	for _, id := range []string{"network", "vip", "label", "switch-org"} {
		if p.find(`label[for="`+id+`"]`).Length() != 1 && p.find(`#`+id).Closest("label").Length() != 1 {
			t.Errorf("field #%s has no label", id)
		}
	}
	p.find(`input[type="radio"]`).Each(func(_ int, r *goquery.Selection) {
		if r.Closest("label").Length() != 1 {
			t.Errorf("radio %s has no label", r.AttrOr("value", ""))
		}
	})
	once, _ := p.one(`input[name="once"]`).Attr("value")
	if len(once) != 22 {
		t.Errorf("one-time token %q is not 128 bits in base64url", once)
	}
	if p.testid("create-submit").Length() != 1 || p.testid("create-indicator").Length() != 1 {
		t.Errorf("no submit button or indicator")
	}
	if d, _ := p.one(`form[data-testid="create-form"]`).Attr("hx-disabled-elt"); d == "" {
		t.Errorf("the button is not disabled while the request runs")
	}
	if api.count("CreateIPAddress") != 0 {
		t.Errorf("showing the form created something")
	}
}

func TestFormStates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		org       string
		wantKind  string
		wantForm  bool
		wantTitle string
	}{
		{name: "active", org: "acme", wantForm: true},
		{name: "view-only token still gets the form", org: "hooli", wantForm: true},
		{name: "suspended", org: "initech", wantKind: "organization_suspended", wantTitle: katapult.Lookup(katapult.CodeOrganizationSuspended).Message},
		{name: "not activated", org: "umbrella", wantKind: "organization_not_activated", wantTitle: katapult.Lookup(katapult.CodeOrganizationNotActivated).Message},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, c := signedIn(t, newFake(t))
			p := c.get("/orgs/" + tt.org + "/ip-addresses/new").wantStatus(http.StatusOK)
			if got := p.testid("create-form").Length() == 1; got != tt.wantForm {
				t.Fatalf("form shown: %v, want %v", got, tt.wantForm)
			}
			if tt.wantKind != "" {
				panel := p.one(`[data-testid="error-panel"][data-problem="` + tt.wantKind + `"]`)
				if got := text(panel.Find(`[data-testid="error-message"]`)); got != tt.wantTitle {
					t.Errorf("message %q, want %q", got, tt.wantTitle)
				}
				// Katapult refuses the address list and the networks of
				// such an organization (403): no link may lead there.
				for _, path := range []string{"/orgs/" + tt.org + "/ip-addresses", "/orgs/" + tt.org + "/networks"} {
					if n := p.find(`a[href="` + path + `"]`).Length(); n != 0 {
						t.Errorf("%d links to %s, which Katapult refuses for this organization", n, path)
					}
				}
			}
		})
	}
}

func TestFormRemembersTheLastNetworkAndVersionPerOrganization(t *testing.T) {
	t.Parallel()
	api := newFake(t).creating()
	_, c := signedIn(t, api)
	p := c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
	form := p.formValues()
	form.Set("network", amsPublic.ID)
	form.Set("version", "ipv6")
	c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther)

	p = c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
	if sel, _ := p.one(`select[name="network"] option[selected]`).Attr("value"); sel != amsPublic.ID {
		t.Errorf("preselected %q, want last used %q", sel, amsPublic.ID)
	}
	if _, on := p.one(`[data-testid="version-ipv6"]`).Attr("checked"); !on {
		t.Errorf("last used IPv6 not checked")
	}
	// Another organization keeps its own default.
	p = c.get("/orgs/hooli/ip-addresses/new").wantStatus(http.StatusOK)
	if sel, _ := p.one(`select[name="network"] option[selected]`).Attr("value"); sel != lonPublic.ID {
		t.Errorf("hooli preselected %q, want its default", sel)
	}
}

func TestOrganizationURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		path       string
		h          hdr
		wantStatus int
		wantLoc    string
		wantPush   string
	}{
		{name: "id redirects to sub_domain", path: "/orgs/" + globex.ID + "/ip-addresses/new", wantStatus: http.StatusFound, wantLoc: "/orgs/globex/ip-addresses/new"},
		{name: "id of the list", path: "/orgs/" + globex.ID + "/ip-addresses?page=2", wantStatus: http.StatusFound, wantLoc: "/orgs/globex/ip-addresses?page=2"},
		{name: "switcher without JavaScript", path: "/orgs/acme/ip-addresses/new?org=globex", wantStatus: http.StatusSeeOther, wantLoc: "/orgs/globex/ip-addresses/new"},
		{name: "switcher with htmx", path: "/orgs/acme/ip-addresses/new?org=globex", h: hdr{"HX-Request": "true"}, wantStatus: http.StatusOK, wantPush: "/orgs/globex/ip-addresses/new"},
		{name: "unknown organization", path: "/orgs/nope/ip-addresses/new", wantStatus: http.StatusNotFound},
		{name: "malformed organization", path: "/orgs/a.b/ip-addresses/new", wantStatus: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			api.ipAddresses = func(katapult.Token, katapult.OrgRef, int, int) (katapult.IPAddressPage, error) {
				return katapult.IPAddressPage{}, nil
			}
			_, c := signedIn(t, api)
			p := c.get(tt.path, tt.h).wantStatus(tt.wantStatus)
			if p.location() != tt.wantLoc {
				t.Errorf("Location %q, want %q", p.location(), tt.wantLoc)
			}
			if got := p.header.Get("HX-Push-Url"); got != tt.wantPush {
				t.Errorf("HX-Push-Url %q, want %q", got, tt.wantPush)
			}
			if tt.wantPush != "" {
				if p.find("header.topbar").Length() != 0 {
					t.Errorf("htmx switch got the whole layout")
				}
				if sel, _ := p.one(`[data-testid="org-switcher"] option[selected]`).Attr("value"); sel != "globex" {
					t.Errorf("switcher shows %q", sel)
				}
				if got := p.one(`[data-testid="create-form"]`).AttrOr("action", ""); got != "/orgs/globex/ip-addresses" {
					t.Errorf("form posts to %q", got)
				}
			}
			if tt.wantStatus == http.StatusNotFound {
				p.one(`[data-testid="error-page"]`)
			}
		})
	}
}

func TestNetworksRoute(t *testing.T) {
	t.Parallel()
	e, c := signedIn(t, newFake(t))
	t.Run("htmx partial", func(t *testing.T) {
		p := c.get("/orgs/acme/networks?network="+url.QueryEscape(lonEdge.ID), htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK)
		if p.find("header.topbar, title").Length() != 0 {
			t.Errorf("partial has layout or title")
		}
		p.one(`#network-field select[name="network"]`)
		if n := p.find("optgroup").Length(); n != 2 {
			t.Errorf("%d groups, want 2", n)
		}
		if sel, _ := p.one(`option[selected]`).Attr("value"); sel != lonEdge.ID {
			t.Errorf("selected %q, want %q", sel, lonEdge.ID)
		}
	})
	t.Run("full page", func(t *testing.T) {
		p := c.get("/orgs/acme/networks").wantStatus(http.StatusOK)
		p.one("header.topbar")
		if n := p.find(`[data-testid="networks-page"] [data-testid="network-group"]`).Length(); n != 2 {
			t.Errorf("%d groups, want 2", n)
		}
		href, _ := p.find(`[data-testid="network-use"]`).First().Attr("href")
		if href != "/orgs/acme/ip-addresses/new?network="+lonPublic.ID {
			t.Errorf("use link %q", href)
		}
	})
}
