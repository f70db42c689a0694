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

// Sentences of the edit form.
const (
	msgSaved     = "Changes saved."
	msgUnchanged = "Nothing to save: every value is as it was."
)

// editForm is the edit form for explain: Katapult's sentences about the
// label or the reverse DNS are shown beside them.
var editForm = &form{op: katapult.OpUpdateIPAddress,
	fields: []katapult.Field{katapult.FieldLabel, katapult.FieldReverseDNS}}

// editInput is what the edit form holds: the values in it, and those it
// was opened with (hidden fields), so that a post sends Katapult only what
// staff changed and never puts back a value someone else set meanwhile.
type editInput struct {
	VIP                 bool
	Label, ReverseDNS   string
	WasVIP              bool
	WasLabel, WasRevDNS string
	Address             string // the address, for the page's heading
	Reference           string // the optional reference, for the journal
}

// editInputOf is the form as it opens for an address.
func editInputOf(a katapult.IPAddress) editInput {
	return editInput{VIP: a.VIP, Label: a.Label, ReverseDNS: a.ReverseDNS,
		WasVIP: a.VIP, WasLabel: a.Label, WasRevDNS: a.ReverseDNS, Address: a.Address}
}

// readEdit reads the posted edit form. Text that is not UTF-8 becomes
// U+FFFD, which the label and reverse DNS rules refuse, so that a page
// showing it again is UTF-8.
func readEdit(c echo.Context) editInput {
	utf8 := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
	return editInput{
		VIP:        c.FormValue("vip") == "on",
		Label:      utf8(katapult.TrimLabel(c.FormValue("label"))),
		ReverseDNS: utf8(strings.TrimSpace(c.FormValue("reverse_dns"))),
		WasVIP:     c.FormValue("was_vip") == "on",
		WasLabel:   utf8(c.FormValue("was_label")),
		WasRevDNS:  utf8(c.FormValue("was_reverse_dns")),
		Address:    c.FormValue("address"),
		Reference:  c.FormValue("reference"),
	}
}

// labelSent reports whether the label is to be sent: as on create, a label
// is a VIP's, and it is sent when it changed or the address becomes one.
func (in editInput) labelSent() bool {
	return in.VIP && (in.Label != in.WasLabel || !in.WasVIP)
}

// check applies the label and reverse DNS rules to what is to be sent:
// a value left as it was is Katapult's, and not judged again here.
func (in editInput) check() (formErrors, bool) {
	var fe formErrors
	if in.labelSent() {
		if _, problems := katapult.CheckLabel(in.Label, true); len(problems) > 0 {
			fe.add(katapult.FieldLabel, problems...)
		}
	}
	if in.ReverseDNS != in.WasRevDNS {
		if _, problems := katapult.CheckReverseDNS(in.ReverseDNS); len(problems) > 0 {
			fe.add(katapult.FieldReverseDNS, problems...)
		}
	}
	if _, err := journal.CheckReference(in.Reference); err != nil {
		fe.add(fieldReference, referenceProblem(in.Reference))
	}
	return fe, fe.fields == nil
}

// changes is the update of what differs from the values the form was
// opened with; ok is false when nothing does.
func (in editInput) changes(id string) (req katapult.UpdateIPAddress, ok bool) {
	req.ID = id
	if in.VIP != in.WasVIP {
		req.VIP = &in.VIP
	}
	if in.labelSent() {
		req.Label = &in.Label
	}
	if rdns, _ := katapult.CheckReverseDNS(in.ReverseDNS); in.ReverseDNS != in.WasRevDNS && rdns != in.WasRevDNS {
		req.ReverseDNS = &rdns
	}
	return req, req.VIP != nil || req.Label != nil || req.ReverseDNS != nil
}

// handleEditForm is the edit form of an address the organization holds.
func (s *server) handleEditForm() echo.HandlerFunc {
	return func(c echo.Context) error {
		addr, err := s.ownedAddress(c)
		if err != nil {
			return err
		}
		v := s.editView(c, orgHeader(loadedOrg(c).org), addr.ID, editInputOf(addr), formErrors{})
		return s.render(c, http.StatusOK, editPage(v))
	}
}

// handleUpdate saves the edit form. The organization must hold the
// address; only what changed is sent. A plain post is redirected to the
// address's page, which says the changes were saved; htmx gets that page
// at once, from the update's own answer.
func (s *server) handleUpdate() echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("id")
		if !validID(id) {
			return echo.ErrNotFound
		}
		ctx, sess, org := c.Request().Context(), sessionOf(c), string(orgOf(c).ref)
		if err := s.checkHolds(ctx, sess, org, id); err != nil {
			return err
		}
		in := readEdit(c)
		if fe, ok := in.check(); !ok {
			return s.editAgain(c, id, in, fe, http.StatusUnprocessableEntity)
		}
		req, changed := in.changes(id)
		if !changed {
			v := s.editView(c, s.cachedOrgHeader(sess.token(), org), id, in, formErrors{})
			v.Notice = msgUnchanged
			return s.render(c, http.StatusOK, editPage(v))
		}
		row, err := s.claimChange(c, journal.ActionEdit, id, "", in.Reference, func(r *journal.Request) {
			r.VIP, r.Label, r.ReverseDNS = in.VIP, in.Label, in.ReverseDNS
		})
		if err != nil {
			return err
		}
		addr, err := s.api.UpdateIPAddress(ctx, sess.token(), req)
		r := resultOf(err, false)
		r.Address = journal.Address{ID: id, IP: addr.Address}
		s.complete(c, row, r)
		if err != nil {
			if errors.Is(err, katapult.ErrSignIn) {
				return err
			}
			sh := s.explain(c, err, editForm)
			s.logError(c, err, sh.status)
			return s.editAgain(c, id, in, formErrorsOf(sh), sh.status)
		}
		if !isHTMX(c) {
			if err := s.setFlash(c, flashSaved, addr.ID, org); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, views.PathAddress(org, addr.ID))
		}
		c.Response().Header().Set(hxPushURL, views.PathAddress(org, addr.ID))
		v := s.resultView(s.cachedOrgHeader(sess.token(), org), addr, s.now())
		v.Notice = msgSaved
		return s.render(c, http.StatusOK, resultPage(v))
	}
}

// editAgain renders the edit form again with what was typed and its
// errors. It costs no call: the heading comes from the cache, or names
// the organization by its sub_domain, and the address is the one the form
// carried (shown, never used).
func (s *server) editAgain(c echo.Context, id string, in editInput, fe formErrors, status int) error {
	h := s.cachedOrgHeader(sessionOf(c).token(), string(orgOf(c).ref))
	return s.render(c, status, editPage(s.editView(c, h, id, in, fe)))
}

// editView builds the edit form.
func (s *server) editView(c echo.Context, o views.OrgHeader, id string, in editInput, fe formErrors) views.EditView {
	address := in.Address
	if _, err := netip.ParseAddr(address); err != nil {
		address = id // the form carried no address: name it by its id
	}
	return views.EditView{
		Org: o, ID: id, Address: address, AddressURL: views.PathAddress(o.SubDomain, id),
		Action: views.PathAddress(o.SubDomain, id), CSRF: csrfToken(c),
		VIP: in.VIP, Label: in.Label, ReverseDNS: in.ReverseDNS,
		WasVIP: in.WasVIP, WasLabel: in.WasLabel, WasReverseDNS: in.WasRevDNS,
		LabelErrors: fe.fields[katapult.FieldLabel], ReverseDNSErrors: fe.fields[katapult.FieldReverseDNS],
		FormErrors: fe.fields[katapult.FieldNone], Problem: fe.problem,
		Reference: refShown(in.Reference), ReferenceErrors: fe.fields[fieldReference],
	}
}

func editPage(v views.EditView) views.Page {
	return views.Page{Title: "Edit " + v.Address, Main: views.EditMain(v)}
}
