package handlers_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"ipdesk/handlers"
	"ipdesk/katapult"
)

// allowing makes the fake answer ACME's allowance: at most limit
// unallocated addresses (unlimited when limit < 0), inUse of them held.
func (f *fakeAPI) allowing(limit, inUse int) *fakeAPI {
	f.policyLimits = func(tok katapult.Token, ref katapult.OrgRef) (katapult.PolicyLimits, error) {
		l := katapult.Limit{Value: limit, Unlimited: limit < 0}
		if limit < 0 {
			l.Value = 0
		}
		return katapult.PolicyLimits{UnallocatedIPAddresses: l}, checkToken(tok)
	}
	f.unallocated = func(tok katapult.Token, ref katapult.OrgRef) (int, error) { return inUse, checkToken(tok) }
	return f
}

func TestTheFormLoadsTheAllowanceWithoutWaitingForIt(t *testing.T) {
	t.Parallel()
	api := newFake(t).allowing(5, 4)
	_, c := signedIn(t, api)
	p := c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
	if n := api.count("PolicyLimits") + api.count("UnallocatedIPAddresses"); n != 0 {
		t.Errorf("opening the form waited for %d allowance calls", n)
	}
	box := p.one(`form [data-testid="allowance"]`)
	if box.AttrOr("hx-get", "") != "/orgs/acme/allowance" || box.AttrOr("hx-trigger", "") != "load" || box.AttrOr("aria-live", "") != "polite" {
		t.Errorf("the box does not load itself: %s", p.body)
	}
	// Inside the create form it would inherit the form's target (the
	// whole page), its indicator and its disabled button: it must not.
	for attr, want := range map[string]string{"hx-target": "this", "hx-swap": "innerHTML", "hx-indicator": "unset", "hx-disabled-elt": "unset"} {
		if got := box.AttrOr(attr, ""); got != want {
			t.Errorf("the box's %s is %q, want %q", attr, got, want)
		}
	}
	if href := p.testid("allowance-link").AttrOr("href", ""); href != "/orgs/acme/allowance" {
		t.Errorf("without JavaScript the allowance is at %q", href)
	}
	if _, ok := p.testid("create-submit").Attr("aria-describedby"); ok {
		t.Errorf("the button points at a warning that is not there")
	}
}

func TestTheAllowanceSaysHowManyAreInUseAndWarnsBeforeTheLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		limit, inUse int
		wantText     string
		wantWarning  string
	}{
		{name: "room left", limit: 5, inUse: 3, wantText: "3 of 5 unallocated addresses in use"},
		{name: "one left", limit: 5, inUse: 4, wantText: "4 of 5 unallocated addresses in use"},
		{name: "the next passes it", limit: 5, inUse: 5, wantText: "5 of 5 unallocated addresses in use",
			wantWarning: "The next address would pass ACME Inc.'s allowance of 5 unallocated addresses."},
		{name: "already past it", limit: 1, inUse: 2, wantText: "2 of 1 unallocated address in use",
			wantWarning: "ACME Inc. already holds more unallocated addresses than its policy allows (2 of 1)."},
		{name: "none allowed", limit: 0, inUse: 0, wantText: "0 of 0 unallocated addresses in use",
			wantWarning: "The next address would pass ACME Inc.'s allowance of 0 unallocated addresses."},
		{name: "unlimited", limit: -1, inUse: 7, wantText: "7 unallocated addresses in use; this organization may hold any number."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t).allowing(tt.limit, tt.inUse)
			e, c := signedIn(t, api)
			// htmx loads the box's text; without JavaScript the link leads
			// to a page of its own.
			part := c.get("/orgs/acme/allowance", htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK)
			full := c.get("/orgs/acme/allowance").wantStatus(http.StatusOK)
			if part.find("header.topbar").Length() != 0 || part.find(`[data-testid="allowance"]`).Length() != 0 {
				t.Errorf("htmx got more than the box's text: %s", part.body)
			}
			full.one(`[data-testid="allowance-page"] [data-testid="allowance"]`)
			checkAccessible(t, tt.name, full)
			for _, p := range []*page{part, full} {
				if got := text(p.testid("allowance-text")); got != tt.wantText {
					t.Errorf("text %q, want %q", got, tt.wantText)
				}
				got := text(p.testid("allowance-warning"))
				if (tt.wantWarning == "") != (got == "") || !strings.HasPrefix(got, tt.wantWarning) {
					t.Errorf("warning %q, want %q", got, tt.wantWarning)
				}
			}
		})
	}
}

func TestAFailedAllowanceLeavesAQuietNote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
	}{
		{name: "no answer", err: &katapult.UnavailableError{Op: katapult.OpPolicyLimits, Err: errors.New("timeout")}},
		{name: "a token without the scope", err: katapultErr(katapult.CodeScopeNotGranted, katapult.Detail{Scopes: []string{"organizations:read"}})},
		{name: "an answer ipdesk cannot read", err: &katapult.Error{Status: 200, Code: katapult.CodeUnexpectedResponse}},
	}
	for _, tt := range tests {
		for _, which := range []string{"limits", "count"} {
			t.Run(tt.name+", "+which, func(t *testing.T) {
				t.Parallel()
				api := newFake(t).allowing(5, 1)
				if which == "limits" {
					api.policyLimits = func(katapult.Token, katapult.OrgRef) (katapult.PolicyLimits, error) {
						return katapult.PolicyLimits{}, tt.err
					}
				} else {
					api.unallocated = func(katapult.Token, katapult.OrgRef) (int, error) { return 0, tt.err }
				}
				e, c := signedIn(t, api)
				for _, h := range [][]hdr{nil, {htmx(e.srv.URL + "/orgs/acme/ip-addresses/new")}} {
					p := c.get("/orgs/acme/allowance", h...).wantStatus(http.StatusOK)
					p.one(`[data-testid="allowance-unavailable"]`)
					if p.find(`[data-testid="error-panel"]`).Length() != 0 || p.testid("allowance-text").Length() != 0 {
						t.Errorf("the failure is more than a quiet note: %s", p.body)
					}
				}
				if !strings.Contains(e.logs.String(), "request failed") {
					t.Errorf("the failure was not logged:\n%s", e.logs.String())
				}
			})
		}
	}
}

func TestAnAllowanceOfARevokedTokenEndsTheSession(t *testing.T) {
	t.Parallel()
	api := newFake(t).allowing(5, 1)
	api.unallocated = func(katapult.Token, katapult.OrgRef) (int, error) {
		return 0, katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{})
	}
	e, c := signedIn(t, api)
	p := c.get("/orgs/acme/allowance", htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusUnauthorized)
	if !strings.HasPrefix(p.header.Get("HX-Redirect"), "/login?") {
		t.Errorf("HX-Redirect %q", p.header.Get("HX-Redirect"))
	}
}

// TestTheAllowanceIsRememberedAndFollowsCreates: behind the cache, the form
// shows the allowance at once after its first load, counts this
// dashboard's creates in without asking again, and warns, pointing the
// button at the warning, when the next create would pass it.
func TestTheAllowanceIsRememberedAndFollowsCreates(t *testing.T) {
	t.Parallel()
	api := newFake(t).creating().allowing(5, 3)
	clk := &clock{t: time.Date(2025, 6, 2, 13, 5, 0, 0, time.UTC)}
	e, c := signedIn(t, api, func(cfg *handlers.Config) {
		cfg.API, cfg.Now = katapult.NewCache(api, time.Minute, clk.Now), clk.Now
	})
	c.get("/orgs/acme/allowance", htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK)
	api.reset()
	for i, want := range []string{"3 of 5", "4 of 5", "5 of 5"} {
		p := c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
		box := p.one(`form [data-testid="allowance"]`)
		if _, lazy := box.Attr("hx-get"); lazy {
			t.Fatalf("form %d loads the allowance again", i+1)
		}
		if got := text(p.testid("allowance-text")); !strings.HasPrefix(got, want) {
			t.Errorf("form %d says %q, want %q", i+1, got, want)
		}
		warned := p.testid("allowance-warning").Length() == 1
		if described := p.testid("create-submit").AttrOr("aria-describedby", ""); warned != (want == "5 of 5") || (warned && described != "allowance-warning") {
			t.Errorf("form %d: warning %v, button described by %q", i+1, warned, described)
		}
		checkAccessible(t, want, p)
		if want != "5 of 5" {
			c.post("/orgs/acme/ip-addresses", p.formValues()).wantStatus(http.StatusSeeOther)
		}
	}
	if n := api.count("PolicyLimits") + api.count("UnallocatedIPAddresses"); n != 0 {
		t.Errorf("%d allowance calls after the first load, want none", n)
	}
	// A minute on, the cache has let it go: the form loads it again.
	clk.Add(time.Minute)
	p := c.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
	if _, lazy := p.one(`form [data-testid="allowance"]`).Attr("hx-get"); !lazy {
		t.Errorf("an allowance a minute old is still shown")
	}
}
