package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
	"ipdesk/views"
)

// maxQueryLen bounds the filter, in characters (the box's maxlength):
// longer cannot match a name anyway.
const maxQueryLen = 100

// handleOrgs lists the organizations the token can see, filtered by `q`
// on name or sub_domain, case-insensitively.
func (s *server) handleOrgs() echo.HandlerFunc {
	return func(c echo.Context) error {
		sess := sessionOf(c)
		orgs, err := s.api.Organizations(c.Request().Context(), sess.token())
		if err != nil {
			return err
		}
		q := strings.TrimSpace(c.QueryParam("q"))
		if r := []rune(q); len(r) > maxQueryLen {
			q = string(r[:maxQueryLen]) // whole characters: a cut one would show as garbage
		}
		v := views.OrgsView{Query: q, Total: len(orgs)}
		for _, o := range sortedOrgs(orgs) {
			if matches(o, q) {
				v.Orgs = append(v.Orgs, orgRow(o))
			}
		}
		v.Shown = len(v.Orgs)
		return s.render(c, http.StatusOK, views.Page{Title: "Organizations", Main: views.OrgsMain(v)})
	}
}

func matches(o katapult.Organization, q string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	return strings.Contains(strings.ToLower(o.Name), q) || strings.Contains(strings.ToLower(o.SubDomain), q)
}

// sortedOrgs orders organizations by name, as staff look for them.
func sortedOrgs(orgs []katapult.Organization) []katapult.Organization {
	out := slices.Clone(orgs)
	slices.SortStableFunc(out, func(a, b katapult.Organization) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}

func orgRow(o katapult.Organization) views.OrgRow {
	h := orgHeader(o)
	return views.OrgRow{
		Name: o.Name, SubDomain: o.SubDomain,
		Suspended: o.Suspended, NotActivated: !o.Activated(),
		FormURL: h.FormURL, ListURL: h.ListURL,
	}
}

// orgHeader is the heading of an organization's pages. A suspended or not
// activated organization gets no links to its addresses or networks:
// Katapult refuses both (403) for it, and its form page explains why.
func orgHeader(o katapult.Organization) views.OrgHeader {
	name := o.Name
	if name == "" {
		name = o.SubDomain
	}
	h := views.OrgHeader{Name: name, SubDomain: o.SubDomain, FormURL: views.PathNewAddress(o.SubDomain)}
	if usable(o) {
		h.ListURL, h.NetworksURL = views.PathAddresses(o.SubDomain), views.PathNetworks(o.SubDomain)
	}
	return h
}
