package handlers

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"

	"ipdesk/journal"
	"ipdesk/katapult"
	"ipdesk/views"
)

// releaseForm is the release confirmation for explain: nothing Katapult
// says concerns the typed address, so its refusals are panels.
var releaseForm = &form{op: katapult.OpReleaseIPAddress, fields: []katapult.Field{katapult.FieldConfirm}}

// maxConfirmLen bounds the typed address: an IPv6 address with a zone is
// shorter.
const maxConfirmLen = 64

// handleReleaseForm asks to confirm the release of an address the
// organization holds, naming the address, the organization and the
// network.
func (s *server) handleReleaseForm() echo.HandlerFunc {
	return func(c echo.Context) error {
		addr, err := s.ownedAddress(c)
		if err != nil {
			return err
		}
		v := s.releaseView(c, orgHeader(loadedOrg(c).org), addr)
		return s.render(c, http.StatusOK, releasePage(v))
	}
}

// handleRelease releases the address once the address typed is the one
// of the URL, as Katapult has it (fetched again: the check must not rest
// on what the page said), and the organization holds it. A plain post is
// redirected to the organization's address list, which says what was
// released; htmx gets that list at once.
func (s *server) handleRelease() echo.HandlerFunc {
	return func(c echo.Context) error {
		addr, err := s.ownedAddress(c)
		if err != nil {
			return err
		}
		ctx, tok, org := c.Request().Context(), sessionOf(c).token(), string(orgOf(c).ref)
		typed := strings.TrimSpace(c.FormValue("confirm"))
		reference, shown, refMsg := readReference(c)
		if msg := confirmProblem(typed, addr.Address); msg != "" || refMsg != "" {
			v := s.releaseView(c, s.cachedOrgHeader(tok, org), addr)
			v.Confirm, v.Reference = strings.ToValidUTF8(typed, "\uFFFD"), shown
			if msg != "" {
				v.ConfirmErrors = []string{msg}
			}
			if refMsg != "" {
				v.ReferenceErrors = []string{refMsg}
			}
			return s.render(c, http.StatusUnprocessableEntity, releasePage(v))
		}
		row, err := s.claimChange(c, journal.ActionRelease, addr.ID, addr.Address, reference, func(r *journal.Request) {
			r.NetworkID, r.NetworkName, r.Version = addr.Network.ID, addr.Network.Name, string(addr.Version())
			r.VIP, r.Label, r.ReverseDNS = addr.VIP, addr.Label, addr.ReverseDNS
		})
		if err != nil {
			return err
		}
		err = s.api.ReleaseIPAddress(ctx, tok, addr.ID)
		s.complete(c, row, resultOf(err, false))
		if err != nil {
			if errors.Is(err, katapult.ErrSignIn) {
				return err
			}
			sh := s.explain(c, err, releaseForm)
			s.logError(c, err, sh.status)
			v := s.releaseView(c, s.cachedOrgHeader(tok, org), addr)
			v.Confirm, v.Problem, v.Reference = typed, &sh.problem, shown
			return s.render(c, sh.status, releasePage(v))
		}
		if !isHTMX(c) {
			if err := s.setFlash(c, flashReleased, addr.Address, org); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, views.PathAddresses(org))
		}
		sc, err := s.loadOrg(c)
		if err != nil {
			return err
		}
		c.Response().Header().Set(hxPushURL, views.PathAddresses(org))
		return s.renderList(c, sc.org, 1, releasedNotice(addr.Address))
	}
}

// confirmProblem says what is wrong with the typed address, "" when it is
// the address (in any of its written forms: 2001:DB8::5 is 2001:db8::5).
func confirmProblem(typed, address string) string {
	switch {
	case typed == "":
		return "Type the address to release it: " + address + "."
	case len(typed) > maxConfirmLen:
		return "This is not the address to release: type " + address + " exactly as shown."
	}
	a, errA := netip.ParseAddr(typed)
	b, errB := netip.ParseAddr(address)
	if errA != nil || errB != nil || a != b {
		return "This is not the address to release: type " + address + " exactly as shown."
	}
	return ""
}

// releasedNotice says on the address list what was released.
func releasedNotice(address string) string {
	return address + " was released: it is back in Katapult's pool and no longer this organization's."
}

// releaseView builds the confirmation page.
func (s *server) releaseView(c echo.Context, o views.OrgHeader, a katapult.IPAddress) views.ReleaseView {
	v := views.ReleaseView{
		Org: o, ID: a.ID, Address: a.Address, AddressURL: views.PathAddress(o.SubDomain, a.ID),
		Network: a.Network.Name, NetworkPermalink: a.Network.Permalink,
		DataCenter: a.Network.DataCenter.Name, DataCenterPermalink: a.Network.DataCenter.Permalink,
		Action: views.PathReleaseAddress(o.SubDomain, a.ID), CSRF: csrfToken(c),
	}
	if a.Allocated() {
		v.Allocation = a.AllocationType + " " + a.AllocationID
	}
	return v
}

func releasePage(v views.ReleaseView) views.Page {
	return views.Page{Title: "Release " + v.Address, Main: views.ReleaseMain(v)}
}
