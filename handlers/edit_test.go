package handlers_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"ipdesk/katapult"
)

// The addresses of the edit and release tests: ACME holds a VIP and a
// plain address, Globex one address.
var (
	acmeVIP = katapult.IPAddress{ID: "ip_AcmeVIP000000001", Address: "192.0.2.10", AddressWithMask: "192.0.2.10/24",
		ReverseDNS: "192-0-2-10.rdns.example.net", VIP: true, Label: "web-vip", Network: lonPublic}
	acmePlain = katapult.IPAddress{ID: "ip_AcmePlain0000001", Address: "2001:db8:100::5", AddressWithMask: "2001:db8:100::5/48",
		ReverseDNS: "2001-db8-100--5.rdns.example.net", Network: lonEdge}
	globexOwn = katapult.IPAddress{ID: "ip_GlobexOwn0000001", Address: "198.51.100.7", AddressWithMask: "198.51.100.7/24",
		ReverseDNS: "198-51-100-7.rdns.example.net", Network: amsPublic}
)

// holding is a fake whose organizations hold these addresses: the lists
// list them, an address is fetched by id, an update changes it and a
// release takes it away. updates and releases record what was sent.
type holding struct {
	*fakeAPI
	mu       sync.Mutex
	addrs    map[string]katapult.IPAddress
	org      map[string]katapult.OrgRef
	updates  []katapult.UpdateIPAddress
	releases []string
}

func newHolding(t *testing.T) *holding {
	h := &holding{fakeAPI: newFake(t), addrs: map[string]katapult.IPAddress{}, org: map[string]katapult.OrgRef{}}
	for _, a := range []struct {
		org  katapult.OrgRef
		addr katapult.IPAddress
	}{{"acme", acmeVIP}, {"acme", acmePlain}, {"globex", globexOwn}} {
		h.addrs[a.addr.ID], h.org[a.addr.ID] = a.addr, a.org
	}
	h.ipAddresses = func(tok katapult.Token, ref katapult.OrgRef, page, _ int) (katapult.IPAddressPage, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		res := katapult.IPAddressPage{Page: page, TotalPages: 1}
		for id, a := range h.addrs {
			if h.org[id] == ref {
				a.Label = "" // lists carry no label
				res.Addresses = append(res.Addresses, a)
			}
		}
		res.Total = len(res.Addresses)
		return res, checkToken(tok)
	}
	h.ipAddress = func(tok katapult.Token, id string) (katapult.IPAddress, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		a, ok := h.addrs[id]
		if !ok {
			return a, katapult.NewError(katapult.CodeIPAddressNotFound, katapult.Detail{})
		}
		return a, checkToken(tok)
	}
	h.update = func(tok katapult.Token, req katapult.UpdateIPAddress) (katapult.IPAddress, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.updates = append(h.updates, req)
		a := h.addrs[req.ID]
		if req.VIP != nil {
			a.VIP = *req.VIP
		}
		if req.Label != nil {
			a.Label = *req.Label
		}
		if req.ReverseDNS != nil {
			a.ReverseDNS = *req.ReverseDNS
		}
		h.addrs[req.ID] = a
		return a, checkToken(tok)
	}
	h.release = func(tok katapult.Token, id string) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.releases = append(h.releases, id)
		delete(h.addrs, id)
		return checkToken(tok)
	}
	return h
}

// sent is what the updates sent, as "vip=… label=… rdns=…" lines.
func (h *holding) sent() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, u := range h.updates {
		var parts []string
		if u.VIP != nil {
			parts = append(parts, "vip="+map[bool]string{true: "true", false: "false"}[*u.VIP])
		}
		if u.Label != nil {
			parts = append(parts, "label="+*u.Label)
		}
		if u.ReverseDNS != nil {
			parts = append(parts, "rdns="+*u.ReverseDNS)
		}
		out = append(out, u.ID+" "+strings.Join(parts, " "))
	}
	return out
}

const (
	acmeVIPPath   = "/orgs/acme/ip-addresses/ip_AcmeVIP000000001"
	acmePlainPath = "/orgs/acme/ip-addresses/ip_AcmePlain0000001"
)

// editForm opens an address's edit form and returns what it would post.
func editForm(c *client, path string) url.Values {
	c.t.Helper()
	return c.get(path + "/edit").wantStatus(http.StatusOK).valuesOf(`form[data-testid="edit-form"]`)
}

func TestTheEditFormOpensWithTheAddressAsItIs(t *testing.T) {
	t.Parallel()
	h := newHolding(t)
	_, c := signedIn(t, h.fakeAPI)
	for _, tt := range []struct {
		path                  string
		vip, label, rdns, was string
	}{
		{path: acmeVIPPath, vip: "on", label: "web-vip", rdns: acmeVIP.ReverseDNS, was: "on"},
		{path: acmePlainPath, rdns: acmePlain.ReverseDNS},
	} {
		p := c.get(tt.path + "/edit").wantStatus(http.StatusOK)
		checkAccessible(t, tt.path, p)
		v := p.valuesOf(`form[data-testid="edit-form"]`)
		if v.Get("vip") != tt.vip || v.Get("label") != tt.label || v.Get("reverse_dns") != tt.rdns || v.Get("was_vip") != tt.was ||
			v.Get("was_label") != tt.label || v.Get("was_reverse_dns") != tt.rdns || v.Get("_csrf") == "" {
			t.Errorf("%s: the form holds %v", tt.path, v)
		}
		if action := p.one(`form[data-testid="edit-form"]`).AttrOr("action", ""); action != tt.path {
			t.Errorf("the form posts to %q, want %q", action, tt.path)
		}
		if href := p.testid("edit-cancel").AttrOr("href", ""); href != tt.path {
			t.Errorf("cancel goes to %q", href)
		}
	}
	// The address page offers the form; an id in the URL becomes the
	// sub_domain.
	page := c.get(acmeVIPPath).wantStatus(http.StatusOK)
	if href := page.testid("address-edit").AttrOr("href", ""); href != acmeVIPPath+"/edit" {
		t.Errorf("the address page's edit link is %q", href)
	}
	if p := c.get("/orgs/" + acme.ID + "/ip-addresses/" + acmeVIP.ID + "/edit").wantStatus(http.StatusFound); p.location() != acmeVIPPath+"/edit" {
		t.Errorf("an id in the URL went to %q", p.location())
	}
	if len(h.sent()) != 0 {
		t.Errorf("opening forms sent updates %v", h.sent())
	}
}

func TestAnEditSendsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		path   string
		change func(url.Values)
		// want is what the update sent; "" for no update.
		want string
	}{
		{name: "the label", path: acmeVIPPath, change: func(v url.Values) { v.Set("label", "  mail-vip ") },
			want: "ip_AcmeVIP000000001 label=mail-vip"},
		{name: "the reverse DNS, its final dot dropped", path: acmeVIPPath, change: func(v url.Values) { v.Set("reverse_dns", "mail.acme.example.") },
			want: "ip_AcmeVIP000000001 rdns=mail.acme.example"},
		{name: "no longer a VIP", path: acmeVIPPath, change: func(v url.Values) { v.Del("vip") },
			want: "ip_AcmeVIP000000001 vip=false"},
		{name: "made a VIP with a label", path: acmePlainPath, change: func(v url.Values) { v.Set("vip", "on"); v.Set("label", "mx") },
			want: "ip_AcmePlain0000001 vip=true label=mx"},
		{name: "a label typed for a plain address is not sent", path: acmePlainPath, change: func(v url.Values) { v.Set("label", "ignored") }},
		{name: "nothing", path: acmeVIPPath, change: func(url.Values) {}},
	}
	for _, tt := range tests {
		bothWays(t, tt.name, func(t *testing.T, viaHTMX bool) {
			h := newHolding(t)
			e, c := signedIn(t, h.fakeAPI)
			form := editForm(c, tt.path)
			tt.change(form)
			p := c.post(tt.path, form, e.from(viaHTMX, tt.path+"/edit")...)
			sent := strings.Join(h.sent(), "; ")
			if sent != tt.want {
				t.Fatalf("sent %q, want %q", sent, tt.want)
			}
			if tt.want == "" {
				p.wantStatus(http.StatusOK)
				if got := text(p.testid("edit-notice")); !strings.Contains(got, "Nothing to save") {
					t.Errorf("notice %q", got)
				}
				return
			}
			if !viaHTMX {
				p.wantStatus(http.StatusSeeOther)
				if p.location() != tt.path {
					t.Fatalf("redirected to %q, want the address page", p.location())
				}
				p = c.get(p.location())
			}
			p.wantStatus(http.StatusOK)
			if viaHTMX && p.header.Get("HX-Push-Url") != tt.path {
				t.Errorf("htmx's answer pushes %q", p.header.Get("HX-Push-Url"))
			}
			if got := text(p.testid("result-notice")); got != "Changes saved." {
				t.Errorf("notice %q, want Changes saved.", got)
			}
			if !viaHTMX {
				if again := c.get(tt.path).wantStatus(http.StatusOK); again.testid("result-notice").Length() != 0 {
					t.Errorf("the notice shows again on a reload")
				}
			}
		})
	}
}

func TestEditErrorsAreShownWhereTheyBelongAndKeepTheInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(url.Values)
		// err is Katapult's answer to the update; nil when ipdesk refuses
		// the form itself and sends nothing.
		err        error
		wantStatus int
		// wantAt is the id of the field error, or "" for a panel of
		// wantKind.
		wantAt, wantKind, wantText string
	}{
		{name: "a VIP without a label", change: func(v url.Values) { v.Set("label", "") },
			wantStatus: 422, wantAt: "label-error", wantText: katapult.LabelBlank},
		{name: "a reference too long", change: func(v url.Values) { v.Set("label", "x"); v.Set("reference", strings.Repeat("T", 65)) },
			wantStatus: 422, wantAt: "reference-error", wantText: "at most 64 characters"},
		{name: "a reverse DNS that is no host name", change: func(v url.Values) { v.Set("reverse_dns", "not a name") },
			wantStatus: 422, wantAt: "reverse-dns-error", wantText: katapult.ReverseDNSCharacters},
		{name: "an emptied reverse DNS", change: func(v url.Values) { v.Set("reverse_dns", "") },
			wantStatus: 422, wantAt: "reverse-dns-error", wantText: katapult.ReverseDNSBlank},
		{name: "Katapult's word on the reverse DNS", change: func(v url.Values) { v.Set("reverse_dns", "mail.acme.example") },
			err:        katapultErr(katapult.CodeValidationError, katapult.Detail{Errors: []string{"Reverse dns is not in a zone you own"}}),
			wantStatus: 422, wantAt: "reverse-dns-error", wantText: "Reverse dns is not in a zone you own"},
		{name: "Katapult's word on the label", change: func(v url.Values) { v.Set("label", "x") },
			err:        katapultErr(katapult.CodeValidationError, katapult.Detail{Errors: []string{"Label is already in use"}}),
			wantStatus: 422, wantAt: "label-error", wantText: "Label is already in use"},
		{name: "a sentence of no field", change: func(v url.Values) { v.Set("label", "x") },
			err:        katapultErr(katapult.CodeValidationError, katapult.Detail{Errors: []string{"Something else is wrong"}}),
			wantStatus: 422, wantAt: "form-error", wantText: "Something else is wrong"},
		{name: "a read-only token", change: func(v url.Values) { v.Set("label", "x") },
			err:        katapultErr(katapult.CodePermissionDenied, katapult.Detail{}),
			wantStatus: 403, wantKind: "permission_denied", wantText: katapult.Lookup(katapult.CodePermissionDenied).Message},
		{name: "released meanwhile", change: func(v url.Values) { v.Set("label", "x") },
			err:        katapultErr(katapult.CodeIPAddressNotFound, katapult.Detail{}),
			wantStatus: 404, wantKind: "ip_address_not_found", wantText: katapult.Lookup(katapult.CodeIPAddressNotFound).Message},
		{name: "no answer", change: func(v url.Values) { v.Set("label", "x") },
			err:        &katapult.UnavailableError{Op: katapult.OpUpdateIPAddress, Err: errors.New("timeout")},
			wantStatus: 502, wantKind: "unavailable", wantText: "cannot tell whether the change was saved"},
		{name: "rate limited", change: func(v url.Values) { v.Set("label", "x") },
			err:        katapultErr(katapult.CodeRateLimitReached, katapult.Detail{}),
			wantStatus: 429, wantKind: "rate_limit_reached", wantText: "Try again within a minute."},
	}
	for _, tt := range tests {
		bothWays(t, tt.name, func(t *testing.T, viaHTMX bool) {
			h := newHolding(t)
			if tt.err != nil {
				h.update = func(katapult.Token, katapult.UpdateIPAddress) (katapult.IPAddress, error) {
					return katapult.IPAddress{}, tt.err
				}
			}
			e, c := signedIn(t, h.fakeAPI)
			form := editForm(c, acmeVIPPath)
			tt.change(form)
			h.reset()
			p := c.post(acmeVIPPath, form, e.from(viaHTMX, acmeVIPPath+"/edit")...).wantStatus(tt.wantStatus)
			if viaHTMX == (p.find("header.topbar").Length() == 1) {
				t.Errorf("htmx=%v but layout present=%v", viaHTMX, !viaHTMX)
			}
			if want := map[bool]int{false: 0, true: 1}[tt.err != nil]; h.count("UpdateIPAddress") != want {
				t.Errorf("%d updates sent, want %d", h.count("UpdateIPAddress"), want)
			}
			p.wantError(tt.wantAt, tt.wantKind, tt.wantText)
			// The input is kept, the values the form was opened with
			// too, and the page is still about the address.
			again := p.valuesOf(`form[data-testid="edit-form"]`)
			for _, k := range []string{"vip", "label", "reverse_dns", "was_vip", "was_label", "was_reverse_dns", "reference"} {
				if again.Get(k) != form.Get(k) {
					t.Errorf("%s: %q, want kept %q", k, again.Get(k), form.Get(k))
				}
			}
			if got := text(p.find(`[data-testid="edit-page"] h1`)); got != "Edit "+acmeVIP.Address {
				t.Errorf("heading %q", got)
			}
			checkAccessible(t, tt.name, p)
		})
	}
}

func TestAnotherOrganizationsAddressCannotBeEditedOrReleased(t *testing.T) {
	t.Parallel()
	h := newHolding(t)
	_, c := signedIn(t, h.fakeAPI)
	globexUnderAcme := "/orgs/acme/ip-addresses/" + globexOwn.ID
	for _, tt := range []struct {
		method, path string
		form         url.Values
	}{
		{http.MethodGet, globexUnderAcme + "/edit", nil},
		{http.MethodPost, globexUnderAcme, url.Values{"label": {"taken"}, "vip": {"on"}, "was_vip": {"on"}}},
		{http.MethodGet, globexUnderAcme + "/release", nil},
		{http.MethodPost, globexUnderAcme + "/release", url.Values{"confirm": {globexOwn.Address}}},
		{http.MethodGet, "/orgs/acme/ip-addresses/ip_Nonexistent00001/edit", nil},
	} {
		c.get("/orgs/acme/ip-addresses/new") // a fresh CSRF token
		var p *page
		if tt.method == http.MethodGet {
			p = c.get(tt.path)
		} else {
			p = c.post(tt.path, tt.form)
		}
		p.wantStatus(http.StatusNotFound)
		p.one(`[data-testid="error-panel"][data-problem="ip_address_not_found"]`)
		if strings.Contains(p.body, globexOwn.Address) {
			t.Errorf("%s %s shows Globex's address", tt.method, tt.path)
		}
	}
	if h.count("UpdateIPAddress")+h.count("ReleaseIPAddress") != 0 {
		t.Errorf("an address of another organization was changed: %v", h)
	}
}

func TestEditAndReleasePostsNeedTheCSRFProof(t *testing.T) {
	t.Parallel()
	h := newHolding(t)
	_, c := signedIn(t, h.fakeAPI)
	edit := editForm(c, acmeVIPPath)
	edit.Set("label", "forged")
	edit.Del("_csrf")
	release := url.Values{"confirm": {acmeVIP.Address}}
	for path, form := range map[string]url.Values{acmeVIPPath: edit, acmeVIPPath + "/release": release} {
		saved := c.csrf
		c.csrf = ""
		p := c.post(path, form).wantStatus(http.StatusForbidden)
		c.csrf = saved
		p.one(`[data-testid="error-panel"][data-problem="csrf"]`)
	}
	if h.count("UpdateIPAddress")+h.count("ReleaseIPAddress") != 0 {
		t.Errorf("a post without its CSRF proof changed an address")
	}
}
