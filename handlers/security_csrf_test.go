package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// csrfForgery is one way a post can lack a valid CSRF proof.
type csrfForgery struct {
	name string
	// forge changes the form and names the headers of the post; other is
	// another signed-in browser, whose token is valid for its own session
	// only.
	forge func(c, other *client, form url.Values) hdr
}

var csrfForgeries = []csrfForgery{
	{name: "the field missing", forge: func(c, _ *client, form url.Values) hdr {
		form.Del("_csrf")
		return nil
	}},
	{name: "a wrong token", forge: func(_, _ *client, form url.Values) hdr {
		form.Set("_csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		return nil
	}},
	{name: "from another site", forge: func(_, _ *client, _ url.Values) hdr {
		return hdr{"Sec-Fetch-Site": "cross-site"}
	}},
	{name: "from a sibling site", forge: func(_, _ *client, _ url.Values) hdr {
		return hdr{"Sec-Fetch-Site": "same-site"}
	}},
	{name: "a token of another session", forge: func(_, other *client, form url.Values) hdr {
		form.Set("_csrf", other.csrf)
		return nil
	}},
	{name: "the token without its cookie", forge: func(c, _ *client, _ url.Values) hdr {
		u, _ := url.Parse(c.env.srv.URL)
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "ipdesk_csrf", Path: "/", MaxAge: -1}})
		return nil
	}},
}

// TestAForgedPostChangesNothing posts the three forms of the dashboard
// (sign in, sign out, create) with every kind of missing or foreign CSRF
// proof, end to end: each gets the "Form expired" page, signs nobody in or
// out, and creates nothing at the engine. The same posts with the proof
// intact work, so each refusal is the proof's doing.
func TestAForgedPostChangesNothing(t *testing.T) {
	t.Parallel()
	e, tokens := e2e(t)
	staff := demoToken(t, tokens, "organizations:read", "ip_addresses")
	k := engineOf(t, e)
	before := k.count(staff, "acme")

	// post is one of the dashboard's forms, made ready by a browser that
	// is signed in (or not) as the form needs.
	type post struct {
		path string
		// prepare readies c and returns the form its page would post.
		prepare func(c *client) url.Values
		// unchanged checks that the refused post changed nothing.
		unchanged func(t *testing.T, c *client, p *page)
	}
	posts := []post{
		{path: "/login",
			prepare: func(c *client) url.Values {
				c.get("/login").wantStatus(http.StatusOK)
				return url.Values{"token": {staff}, "next": {"/"}}
			},
			unchanged: func(t *testing.T, c *client, p *page) {
				if strings.Contains(strings.Join(p.header.Values("Set-Cookie"), " "), "ipdesk_session=") {
					t.Errorf("the refused sign-in set a session cookie")
				}
				c.get("/").wantStatus(http.StatusSeeOther)
			}},
		{path: "/logout",
			prepare: func(c *client) url.Values {
				signInWith(c, staff)
				c.get("/").wantStatus(http.StatusOK)
				return url.Values{}
			},
			unchanged: func(t *testing.T, c *client, _ *page) { c.get("/").wantStatus(http.StatusOK) }},
		{path: "/orgs/acme/ip-addresses",
			prepare: func(c *client) url.Values {
				signInWith(c, staff)
				return formOf(c, "acme")
			},
			unchanged: func(t *testing.T, c *client, _ *page) {}},
	}

	t.Run("refused", func(t *testing.T) {
		for _, p := range posts {
			for _, f := range csrfForgeries {
				t.Run(p.path+", "+f.name, func(t *testing.T) {
					t.Parallel()
					c, other := e.client(), e.client()
					c.t, other.t = t, t
					other.get("/login").wantStatus(http.StatusOK)
					form := p.prepare(c)
					form.Set("_csrf", c.csrf)
					h := f.forge(c, other, form)
					res := c.do(http.MethodPost, p.path, form, h).wantStatus(http.StatusForbidden)
					res.one(`[data-testid="error-panel"][data-problem="csrf"]`)
					if got := text(res.testid("error-title")); got != "Form expired" {
						t.Errorf("title %q, want %q", got, "Form expired")
					}
					p.unchanged(t, c, res)
				})
			}
		}
	})
	if after := k.count(staff, "acme"); after != before {
		t.Errorf("acme has %d addresses more after forged posts", after-before)
	}

	t.Run("the same posts with their proof", func(t *testing.T) {
		for _, p := range posts {
			for _, h := range []hdr{nil, {"Sec-Fetch-Site": "same-origin"}} {
				c := e.client()
				c.t = t
				form := p.prepare(c)
				form.Set("_csrf", c.csrf)
				c.do(http.MethodPost, p.path, form, h).wantStatus(http.StatusSeeOther)
			}
		}
		if after := k.count(staff, "acme"); after != before+2 {
			t.Errorf("acme has %d addresses more after two genuine creates, want 2", after-before)
		}
	})
}
