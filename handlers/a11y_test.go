package handlers_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/journal"
	"ipdesk/katapult"
)

// checkAccessible asserts what screen readers need of a page: every form
// control has a label, every id an aria attribute points at exists, and no
// id is used twice.
func checkAccessible(t *testing.T, name string, p *page) {
	t.Helper()
	ids := map[string]int{}
	p.find("[id]").Each(func(_ int, s *goquery.Selection) { ids[s.AttrOr("id", "")]++ })
	for id, n := range ids {
		if n > 1 {
			t.Errorf("%s: id %q is used %d times", name, id, n)
		}
	}
	p.find("input, select, textarea").Each(func(_ int, s *goquery.Selection) {
		typ := s.AttrOr("type", "text")
		if typ == "hidden" || typ == "submit" || typ == "button" {
			return
		}
		id := s.AttrOr("id", "")
		labelled := s.Closest("label").Length() == 1 || s.AttrOr("aria-label", "") != "" ||
			(id != "" && p.find(`label[for="`+id+`"]`).Length() == 1)
		if !labelled {
			t.Errorf("%s: %s name=%q has no label", name, goquery.NodeName(s), s.AttrOr("name", ""))
		}
	})
	p.find("label[for]").Each(func(_ int, s *goquery.Selection) {
		if ids[s.AttrOr("for", "")] == 0 {
			t.Errorf("%s: label %q is for #%s, which is not in the page", name, text(s), s.AttrOr("for", ""))
		}
	})
	p.find("[aria-describedby], [aria-labelledby], [aria-controls]").Each(func(_ int, s *goquery.Selection) {
		for _, attr := range []string{"aria-describedby", "aria-labelledby", "aria-controls"} {
			for _, id := range strings.Fields(s.AttrOr(attr, "")) {
				if ids[id] == 0 {
					t.Errorf("%s: %s points at #%s, which is not in the page", name, attr, id)
				}
			}
		}
	})
	p.find("button").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Text()) == "" && s.AttrOr("aria-label", "") == "" {
			t.Errorf("%s: a button has no text", name)
		}
	})
}

// TestEveryPageIsLabelledForScreenReaders renders every kind of page, with
// and without errors, and checks each one.
func TestEveryPageIsLabelledForScreenReaders(t *testing.T) {
	t.Parallel()
	api := newFake(t).creating()
	api.ipAddresses = func(katapult.Token, katapult.OrgRef, int, int) (katapult.IPAddressPage, error) {
		return katapult.IPAddressPage{Page: 1, TotalPages: 2, Total: 31, Addresses: []katapult.IPAddress{{ID: "ip_Test000000000001", Address: "192.0.2.17"}}}, nil
	}
	db, _, withJournal := journalFor(t)
	e := newEnv(t, api, withJournal)
	c := e.client()
	pages := map[string]*page{}
	pages["sign-in"] = c.get("/login?next=%2F")
	pages["sign-in refused"] = c.post("/login", url.Values{"token": {"has space"}})
	c.signIn()
	pages["organizations"] = c.get("/?q=a")
	pages["form"] = c.get("/orgs/acme/ip-addresses/new")
	pages["suspended"] = c.get("/orgs/initech/ip-addresses/new")
	pages["networks"] = c.get("/orgs/acme/networks")
	form := pages["form"].formValues()
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("vip", "on")
	bad.Set("version", "ipv5")
	bad.Del("network")
	pages["form with errors"] = c.post("/orgs/acme/ip-addresses", bad)
	created := c.post("/orgs/acme/ip-addresses", form)
	pages["result"] = c.get(created.location())
	pages["list"] = c.get("/orgs/acme/ip-addresses")
	write(t, db, row{org: acme, who: jane, action: journal.ActionCreate, ref: "TCK-1", outcome: journal.OutcomeRefused, code: "validation_error"})
	pages["activity"] = c.get("/activity")
	pages["organization activity"] = c.get("/orgs/acme/activity?action=create")
	pages["activity, bad filter"] = c.get("/activity?action=nope&before=x")
	pages["not found"] = c.get("/nope")
	api.create = func(katapult.Token, katapult.CreateIPAddress) (katapult.IPAddress, error) {
		return katapult.IPAddress{}, &katapult.OutcomeUnknownError{Err: errors.New("timeout")}
	}
	pages["outcome unknown"] = c.post("/orgs/acme/ip-addresses", formOf(c, "acme"))
	api.availableNetworks = func(katapult.Token, katapult.OrgRef) ([]katapult.Network, error) {
		return nil, &katapult.UnavailableError{Op: "networks", Err: errors.New("timeout")}
	}
	pages["form, networks not loaded"] = c.get("/orgs/acme/ip-addresses/new")
	for name, p := range pages {
		if p.status == http.StatusInternalServerError {
			t.Errorf("%s: status 500", name)
		}
		checkAccessible(t, name, p)
	}
	if n := pages["form with errors"].find(`[aria-invalid="true"]`).Length(); n < 2 {
		t.Errorf("%d fields marked invalid, want the network and the label", n)
	}
}
