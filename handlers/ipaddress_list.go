package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
	"ipdesk/views"
)

const (
	// perPage is the list's page size.
	perPage = 30
	// maxPage bounds ?page= to what a list could have.
	maxPage = 100000
)

// handleList is a page of the organization's addresses.
func (s *server) handleList() echo.HandlerFunc {
	return func(c echo.Context) error {
		page, err := pageParam(c.QueryParam("page"))
		if err != nil {
			return err
		}
		o := loadedOrg(c).org
		var flash string
		if address, ok := s.takeFlash(c, flashReleased, o.SubDomain, ""); ok {
			flash = releasedNotice(address)
		}
		return s.renderList(c, o, page, flash)
	}
}

// renderList renders a page of the organization's addresses, with the
// labels of its VIPs, the organization's allowance and a flash if any.
func (s *server) renderList(c echo.Context, o katapult.Organization, page int, flash string) error {
	ctx, tok := c.Request().Context(), sessionOf(c).token()
	if p := stateProblem(o); p != nil {
		// Katapult would refuse the list with 403: say why instead.
		p.Details = append(p.Details, "Katapult does not show the addresses of an organization in this state.")
		return s.render(c, http.StatusOK, listPage(views.ListView{Org: orgHeader(o), State: p, Flash: flash}))
	}
	res, err := s.api.IPAddresses(ctx, tok, katapult.OrgRef(o.SubDomain), page, perPage)
	if err != nil {
		return err
	}
	v := listView(orgHeader(o), res, page)
	v.Org.ActivityURL = views.PathOrgActivity(o.SubDomain, nil)
	s.vipLabels(c, v.Rows)
	v.Flash, v.Allowance = flash, s.cachedAllowance(tok, o)
	return s.render(c, http.StatusOK, listPage(v))
}

func listPage(v views.ListView) views.Page {
	return views.Page{Title: "Addresses · " + v.Org.Name, Main: views.ListMain(v)}
}

// pageParam validates ?page=: empty is 1, anything but a whole number
// from 1 is refused.
func pageParam(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPage {
		return 0, &badRequest{Title: "No such page", Message: "The page number must be a whole number from 1."}
	}
	return n, nil
}

func listView(o views.OrgHeader, res katapult.IPAddressPage, page int) views.ListView {
	v := views.ListView{Org: o, Rows: addressRows(o.SubDomain, res.Addresses), Page: page, TotalPages: res.TotalPages, Total: res.Total}
	if page > 1 {
		v.PrevURL = views.PathAddressesPage(o.SubDomain, min(page-1, max(res.TotalPages, 1)))
	}
	if page < res.TotalPages {
		v.NextURL = views.PathAddressesPage(o.SubDomain, page+1)
	}
	if page > 1 && page > res.TotalPages {
		v.Notice = fmt.Sprintf("There is no page %d: the list has %d.", page, max(res.TotalPages, 1))
		v.TotalPages = max(v.TotalPages, page)
	}
	return v
}

// maxLabelFetches bounds the fetches of one list page's labels that run
// at once.
const maxLabelFetches = 4

// vipLabels fills in the labels of the VIPs among rows. Katapult's list
// carries no labels (only an address fetched alone has one), and only a
// VIP has a label: each VIP on the page costs one call, a few at a time.
// A label that could not be fetched is marked unknown; the page shows
// without it.
func (s *server) vipLabels(c echo.Context, rows []views.AddressRow) {
	ctx, tok := c.Request().Context(), sessionOf(c).token()
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxLabelFetches)
	errs := make([]error, len(rows))
	for i := range rows {
		if !rows[i].VIP {
			continue
		}
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			a, err := s.api.IPAddress(ctx, tok, rows[i].ID)
			rows[i].Label, rows[i].LabelUnknown, errs[i] = a.Label, err != nil, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		s.logError(c, err, http.StatusOK)
	}
}

// renderUnknown is the page of a create whose outcome is unknown (the
// OutcomeUnknownError why): it shows the organization's newest addresses,
// to check, and offers a fresh form.
func (s *server) renderUnknown(c echo.Context, org string, status int, why error) error {
	list := views.PathAddresses(org)
	v := views.UnknownView{
		Org: s.cachedOrgHeader(sessionOf(c).token(), org), Problem: s.explain(c, why, nil).problem,
		NewFormURL: views.PathNewAddress(org), ListURL: list,
	}
	v.Problem.Links = []views.Link{{Text: "Check the organization's addresses", Href: list, TestID: "unknown-check"}}
	recent, err := s.newestAddresses(c.Request().Context(), sessionOf(c).token(), org)
	if err != nil {
		sh := s.explain(c, err, nil)
		s.logError(c, err, sh.status)
		v.RecentProblem = &sh.problem
	}
	v.Recent = addressRows(org, recent)
	return s.render(c, status, views.Page{Title: "Outcome unknown", Main: views.UnknownMain(v)})
}

// newestAddresses is the newest page of the organization's addresses,
// newest first. Katapult lists addresses oldest first, so the newest are
// on the last page.
func (s *server) newestAddresses(ctx context.Context, tok katapult.Token, org string) ([]katapult.IPAddress, error) {
	ref := katapult.OrgRef(org)
	res, err := s.api.IPAddresses(ctx, tok, ref, 1, perPage)
	if err != nil {
		return nil, err
	}
	if res.TotalPages > 1 {
		if res, err = s.api.IPAddresses(ctx, tok, ref, res.TotalPages, perPage); err != nil {
			return nil, err
		}
	}
	out := slices.Clone(res.Addresses)
	slices.Reverse(out)
	return out, nil
}
