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
	// Reference is the optional reference (a ticket number), kept in the
	// journal.
	Reference string
}

// formErrors are the problems to show in a form: sentences beside its
// fields, by field (FieldNone: the form as a whole), and a panel above it.
type formErrors struct {
	fields  map[katapult.Field][]string
	problem *views.Problem
}

// add puts sentences beside a field.
func (fe *formErrors) add(field katapult.Field, msgs ...string) {
	if fe.fields == nil {
		fe.fields = map[katapult.Field][]string{}
	}
	fe.fields[field] = append(fe.fields[field], msgs...)
}

// formErrorsOf is what a form shows of an explained error: the sentences
// beside its fields, or else the panel.
func formErrorsOf(sh shown) formErrors {
	if sh.fields != nil {
		return formErrors{fields: sh.fields}
	}
	p := sh.problem
	return formErrors{problem: &p}
}

// handleForm shows an organization's create form.
func (s *server) handleForm() echo.HandlerFunc {
	return func(c echo.Context) error {
		sc := loadedOrg(c)
		in := formInput{Network: c.QueryParam("network"), Version: katapult.Version(c.QueryParam("version"))}
		v, err := s.formView(c, sc.org, sc.orgs, in, formErrors{})
		if err != nil {
			return err
		}
		return s.render(c, http.StatusOK, formPage(v))
	}
}

// switchOrg is the middleware of the form that answers the switcher
// (`?org=`): it moves to that organization's form, with a redirect for a
// plain GET form and the form itself, its URL pushed, for htmx. Without
// `?org=` the form is shown.
func (s *server) switchOrg(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if target := c.QueryParam("org"); target != "" {
			return s.switchTo(c, target)
		}
		return next(c)
	}
}

func (s *server) switchTo(c echo.Context, target string) error {
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
		CSRF: csrfToken(c), Once: in.Once, VIP: in.VIP, Label: in.Label, Problem: fe.problem,
		VersionErrors: fe.fields[katapult.FieldVersion], LabelErrors: fe.fields[katapult.FieldLabel],
		FormErrors: fe.fields[katapult.FieldNone],
		Reference:  refShown(in.Reference), ReferenceErrors: fe.fields[fieldReference],
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
	field.Errors = fe.fields[katapult.FieldNetwork]
	v.Networks = field
	v.Allowance = s.cachedAllowance(sess.token(), o)
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
	var unavail *katapult.UnavailableError
	switch {
	case errors.Is(err, katapult.ErrOrganizationSuspended) || errors.Is(err, katapult.ErrOrganizationNotActivated):
		p := s.explain(c, err, nil).problem
		p.Links = homeLinks("Other organizations")
		return field, &p, nil
	case errors.As(err, &unavail):
		p := s.explain(c, err, nil).problem
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
