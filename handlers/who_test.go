package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTheTopBarNamesWhoIsSignedIn: a token of a user shows the user's name
// (GET /users/current, as the engine answers it); a token without a user
// shows a fingerprint that never contains the token.
func TestTheTopBarNamesWhoIsSignedIn(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	readOnly := demoToken(t, tokens, "organizations:read", "ip_addresses:read")

	c := e.client()
	signInWith(c, staff)
	p := c.get("/").wantStatus(http.StatusOK)
	if got := strings.TrimSpace(p.find(".whoami").Text()); got != "Signed in as Alex Morgan" {
		t.Errorf("the top bar says %q, want %q", got, "Signed in as Alex Morgan")
	}

	r := e.client()
	signInWith(r, readOnly)
	p = r.get("/").wantStatus(http.StatusOK)
	got := strings.TrimSpace(p.find(".whoami").Text())
	fp, ok := strings.CutPrefix(got, "Signed in as token tok_")
	if !ok || len(fp) != 16 {
		t.Errorf("the top bar says %q, want a token's fingerprint", got)
	}
	if strings.Contains(p.body, readOnly) || strings.Contains(got, readOnly[:8]) {
		t.Errorf("the page shows the token itself")
	}
}

// TestASignedOutSessionEndsEverywhere: a copy of the session cookie works
// until its owner signs out; then it is sent to sign in, and a create
// posted with it sends nothing.
func TestASignedOutSessionEndsEverywhere(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	k := engineOf(t, e)

	owner := e.client()
	signInWith(owner, staff)
	copied := e.client()
	u := mustParseURL(t, e.srv.URL)
	copied.http.Jar.SetCookies(u, owner.http.Jar.Cookies(u))
	copied.csrf = owner.csrf

	copied.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
	values := formOf(owner, "acme")
	owner.post("/logout", url.Values{}).wantStatus(http.StatusSeeOther)

	p := copied.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusSeeOther)
	if !strings.HasPrefix(p.location(), "/login?") {
		t.Errorf("the copied cookie after sign-out goes to %q, want the sign-in page", p.location())
	}
	before := k.count(staff, "acme")
	p = copied.post("/orgs/acme/ip-addresses", values).wantStatus(http.StatusSeeOther)
	if !strings.HasPrefix(p.location(), "/login?") {
		t.Errorf("a create with the copied cookie goes to %q, want the sign-in page", p.location())
	}
	if after := k.count(staff, "acme"); after != before {
		t.Errorf("the organization holds %d addresses, had %d: a revoked session created one", after, before)
	}
	// Signing in again works.
	signInWith(copied, staff)
	copied.get("/orgs/acme/ip-addresses/new").wantStatus(http.StatusOK)
}
