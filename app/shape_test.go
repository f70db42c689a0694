package app_test

import (
	"net/http"
	"net/url"
	"testing"
)

func TestAnAnswerWithoutItsListIsExplainedAndAnEmptyListIsShownEmpty(t *testing.T) {
	t.Parallel()
	const (
		wrong     = `{"unexpected":true}`
		emptyList = `{"pagination":{"current_page":1,"total_pages":0,"total":0,"per_page":30,"large_set":false},"ip_addresses":[]}`
	)
	tests := []struct {
		name string
		op   kop
		body string
		// path is the page that shows the answer, after signing in (for
		// organizations, the sign-in itself and then the home page).
		path string
		// status and testid: what the page answers and shows.
		status int
		testid string
		kind   string // the problem panel's kind, for a wrong answer
	}{
		{name: "no organizations", op: kOrganizations, body: `{"organizations":[]}`, path: "/", status: http.StatusOK, testid: "org-empty"},
		{name: "organizations missing", op: kOrganizations, body: wrong, status: http.StatusBadGateway, kind: "unexpected_response"},
		{name: "no networks", op: kNetworks, body: `{"networks":[],"virtual_networks":[]}`, path: "/orgs/acme/ip-addresses/new", status: http.StatusOK, kind: "no-networks"},
		{name: "networks missing", op: kNetworks, body: wrong, path: "/orgs/acme/ip-addresses/new", status: http.StatusBadGateway, kind: "unexpected_response"},
		{name: "no addresses", op: kList, body: emptyList, path: "/orgs/acme/ip-addresses", status: http.StatusOK, testid: "list-empty"},
		{name: "addresses missing", op: kList, body: wrong, path: "/orgs/acme/ip-addresses", status: http.StatusBadGateway, kind: "unexpected_response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := newFakeKatapult(t)
			fake.answer(tt.op, tt.body)
			b := startRemote(t, fake, faultBudget, false).browser(t)
			b.get("/login").want(t, http.StatusOK)
			signIn := b.post("/login", url.Values{"token": {faultToken}})
			res := signIn
			if tt.path != "" {
				signIn.want(t, http.StatusSeeOther)
				res = b.get(tt.path)
			}
			doc := res.want(t, tt.status).doc(t)
			if tt.kind != "" && doc.Find(`[data-testid="error-panel"][data-problem="`+tt.kind+`"]`).Length() != 1 {
				t.Errorf("%s does not show the %q panel:\n%s", res.path, tt.kind, res.body)
			}
			if tt.testid != "" && doc.Find(`[data-testid="`+tt.testid+`"]`).Length() != 1 {
				t.Errorf("%s does not show %q:\n%s", res.path, tt.testid, res.body)
			}
			// An answer that is not Katapult's says so, and never that
			// there is nothing.
			if tt.kind == "unexpected_response" {
				for _, empty := range []string{"org-empty", "list-empty"} {
					if doc.Find(`[data-testid="`+empty+`"]`).Length() != 0 {
						t.Errorf("%s shows %q for an answer without its list", res.path, empty)
					}
				}
				if doc.Find(`[data-problem="no-networks"]`).Length() != 0 {
					t.Errorf("%s says there are no networks for an answer without them", res.path)
				}
			}
		})
	}
}
