package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
	"ipdesk/views"
)

// formInput is what the create form holds, from a post or from the query
// of a link that preselects a network.
type formInput struct {
	Network string
	Version katapult.Version
	VIP     bool
	Label   string
	Once    string
}

// formErrors are the problems to show in the form, each where it belongs.
type formErrors struct {
	Network, Version, Label, Form []string
	Problem                       *views.Problem
}

// handleForm shows an organization's create form. `?org=` is the
// switcher's answer: it moves to that organization's form.
func (s *server) handleForm() echo.HandlerFunc {
	return func(c echo.Context) error {
		ref, err := orgParam(c)
		if err != nil {
			return err
		}
		if target := c.QueryParam("org"); target != "" {
			return s.switchOrg(c, target)
		}
		o, orgs, err := s.findOrg(c.Request().Context(), sessionOf(c).token(), ref)
		if err != nil {
			return err
		}
		if done, err := canonical(c, o, views.PathNewAddress); done {
			return err
		}
		in := formInput{Network: c.QueryParam("network"), Version: katapult.Version(c.QueryParam("version"))}
		v, err := s.formView(c, o, orgs, in, formErrors{})
		if err != nil {
			return err
		}
		return s.render(c, http.StatusOK, formPage(v))
	}
}

// switchOrg moves to another organization's form: a redirect for a plain
// GET form, the form itself with its URL pushed for htmx.
func (s *server) switchOrg(c echo.Context, target string) error {
	if !validOrgRef(target) {
		return &badRequest{Title: "No such organization", Message: "Pick an organization from the list."}
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, views.PathNewAddress(target))
	}
	o, orgs, err := s.findOrg(c.Request().Context(), sessionOf(c).token(), katapult.OrgRef(target))
	if err != nil {
		return err
	}
	v, err := s.formView(c, o, orgs, formInput{}, formErrors{})
	if err != nil {
		return err
	}
	c.Response().Header().Set(hxPushURL, views.PathNewAddress(o.SubDomain))
	return s.render(c, http.StatusOK, formPage(v))
}

// formView builds the form of an organization: its state, its networks
// grouped by data center, and what to preselect.
func (s *server) formView(c echo.Context, o katapult.Organization, orgs []katapult.Organization, in formInput, fe formErrors) (views.FormView, error) {
	sess := sessionOf(c)
	v := views.FormView{
		Org: orgHeader(o), Switcher: switcher(o, orgs), Action: views.PathAddresses(o.SubDomain),
		CSRF: csrfToken(c), Once: in.Once, VIP: in.VIP, Label: in.Label, Problem: fe.Problem,
		VersionErrors: fe.Version, LabelErrors: fe.Label, FormErrors: fe.Form,
	}
	if v.Once == "" {
		v.Once = newOnceToken()
	}
	if st := stateProblem(o); st != nil {
		v.State = st
		return v, nil
	}
	field, state, err := s.networkField(c, o.SubDomain, in.Network)
	if err != nil || state != nil {
		v.State = state
		return v, err
	}
	field.Errors = fe.Network
	v.Networks = field
	if field.Problem == nil && len(field.Groups) == 0 {
		v.State = noNetworksProblem(o.SubDomain)
	}
	last, _ := sess.lastFor(o.SubDomain)
	v.Version = string(katapult.IPv4)
	for _, ver := range []katapult.Version{in.Version, katapult.Version(last.Version)} {
		if ver.Valid() {
			v.Version = string(ver)
			break
		}
	}
	return v, nil
}

// networkField loads the organization's networks, grouped, with the one to
// preselect: the wanted one if it is there, else the one this user last
// used for the organization, else the first data center's default. A state
// the organization is in comes back as a problem that replaces the form;
// Katapult not answering leaves a field that offers to load them again.
func (s *server) networkField(c echo.Context, org, wanted string) (views.NetworkField, *views.Problem, error) {
	ctx, tok := c.Request().Context(), sessionOf(c).token()
	field := views.NetworkField{ReloadURL: views.PathNetworks(org)}
	nets, err := s.api.AvailableNetworks(ctx, tok, katapult.OrgRef(org))
	var kerr *katapult.Error
	var unavail *katapult.UnavailableError
	switch {
	case errors.As(err, &kerr) && (kerr.Code == katapult.CodeOrganizationSuspended || kerr.Code == katapult.CodeOrganizationNotActivated):
		p := problemFor(kerr)
		p.Links = homeLinks("Other organizations")
		return field, &p, nil
	case errors.As(err, &unavail):
		p := unavailableProblem()
		field.Problem = &p
		return field, nil, nil
	case err != nil:
		return field, nil, err
	}
	dcs, err := s.api.DataCenters(ctx, tok)
	if err != nil {
		if errors.Is(err, katapult.ErrSignIn) {
			return field, nil, err
		}
		// Countries are a nicety: the form works without them.
		s.logError(c, err, http.StatusBadGateway)
	}
	field.Groups = networkGroups(nets, dcs)
	last, _ := sessionOf(c).lastFor(org)
	field.Selected = preselect(field.Groups, wanted, last.Network)
	return field, nil, nil
}

// stateProblem explains why an organization cannot get addresses, from
// what the organization list says. It links only to the other
// organizations: Katapult refuses the address list of such an
// organization too.
func stateProblem(o katapult.Organization) *views.Problem {
	if usable(o) {
		return nil
	}
	code := katapult.CodeOrganizationNotActivated
	if o.Suspended {
		code = katapult.CodeOrganizationSuspended
	}
	p := problemFor(katapult.NewError(code, katapult.Detail{}))
	p.Links = homeLinks("Other organizations")
	return &p
}

func noNetworksProblem(org string) *views.Problem {
	return &views.Problem{
		Kind: "no-networks", Title: "No networks", Warning: true,
		Message: "Katapult offers this organization no network to create addresses on.",
		Action:  "Ask Katapult support to make a network available to this organization.",
		Links: append([]views.Link{{Text: "Addresses of this organization", Href: views.PathAddresses(org), TestID: "link-list"}},
			homeLinks("Other organizations")...),
	}
}

// switcher lists the organizations by name, ignoring case, as the
// organization list does. Each name is lowered once, not at every
// comparison: the form page sorts on every view.
func switcher(current katapult.Organization, orgs []katapult.Organization) views.Switcher {
	sw := views.Switcher{Action: views.PathNewAddress(current.SubDomain), Current: current.SubDomain}
	type keyed struct {
		key string
		opt views.SwitchOption
	}
	byName := make([]keyed, len(orgs))
	for i, o := range orgs {
		byName[i] = keyed{strings.ToLower(o.Name), views.SwitchOption{SubDomain: o.SubDomain, Name: o.Name}}
	}
	slices.SortStableFunc(byName, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	sw.Options = make([]views.SwitchOption, len(byName))
	for i, k := range byName {
		sw.Options[i] = k.opt
	}
	if len(sw.Options) == 0 {
		sw.Options = []views.SwitchOption{{SubDomain: current.SubDomain, Name: current.Name}}
	}
	return sw
}

func formPage(v views.FormView) views.Page {
	return views.Page{Title: "New IP address · " + v.Org.Name, Main: views.FormMain(v)}
}
