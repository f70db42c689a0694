package handlers_test

import (
	"net/http"
	"testing"
	"time"

	"ipdesk/handlers"
	"ipdesk/katapult"
)

// TestTheResultCostsOnlyTheCreateAndAReloadShowsChangesMadeSince: the page
// a plain post is redirected to shows the create's own answer, kept by
// the cache, so submit to result costs the create alone; the address is
// not kept beyond that, so that a reload shows what staff changed in
// Katapult meanwhile.
func TestTheResultCostsOnlyTheCreateAndAReloadShowsChangesMadeSince(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		htmx bool
		// advance is the time between the result and the reload.
		advance time.Duration
	}{
		{name: "without JavaScript, reloaded at once"},
		{name: "without JavaScript, reloaded a minute later", advance: time.Minute},
		{name: "htmx, its pushed address reloaded 30 s later", htmx: true, advance: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t).creating()
			clk := &clock{t: time.Date(2025, 6, 2, 13, 5, 0, 0, time.UTC)}
			e, c := signedIn(t, api, func(cfg *handlers.Config) {
				cfg.API, cfg.Now = katapult.NewCache(api, time.Minute, clk.Now), clk.Now
			})
			form := formOf(c, "acme")
			api.reset()

			var p *page
			if tt.htmx {
				p = c.post("/orgs/acme/ip-addresses", form, htmx(e.srv.URL+"/orgs/acme/ip-addresses/new")).wantStatus(http.StatusOK)
			} else {
				p = c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusSeeOther)
				p = c.get(p.location()).wantStatus(http.StatusOK)
			}
			card := p.one(`[data-testid="result-card"]`)
			id := card.AttrOr("data-id", "")
			if got := text(p.testid("result-country-name")); got != "United Kingdom" {
				t.Errorf("the result's country is %q, want United Kingdom", got)
			}
			if got := text(p.testid("result-label")); got != "none" {
				t.Errorf("the result's label is %q, want none", got)
			}
			if n, creates := api.total(), api.count("CreateIPAddress"); n != 1 || creates != 1 {
				t.Errorf("submit to result cost %d calls (%s), want the create alone", n, api)
			}

			// Staff make it a VIP with a label in Katapult, then reload.
			fetched := api.ipAddress
			api.ipAddress = func(tok katapult.Token, id string) (katapult.IPAddress, error) {
				a, err := fetched(tok, id)
				a.VIP, a.Label = true, "edited in Katapult"
				return a, err
			}
			clk.Add(tt.advance)
			reload := c.get("/orgs/acme/ip-addresses/" + id).wantStatus(http.StatusOK)
			if got := text(reload.testid("result-label")); got != "edited in Katapult" {
				t.Errorf("the reloaded page's label is %q, want the edit", got)
			}
			if got := api.count("IPAddress"); got != 1 {
				t.Errorf("the reload fetched the address %d times (%s), want once", got, api)
			}
		})
	}
}
