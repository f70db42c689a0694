package views

// FormView is an organization's create form page.
type FormView struct {
	Org      OrgHeader
	Switcher Switcher
	// State replaces the form when the organization cannot get addresses
	// (suspended, not activated, no networks).
	State *Problem
	// Problem is a panel above the form, e.g. no free addresses.
	Problem *Problem
	// Action is where the form posts.
	Action string
	CSRF   string
	// Once is the form's one-time token.
	Once     string
	Networks NetworkField
	// Version is "ipv4" or "ipv6".
	Version       string
	VersionErrors []string
	VIP           bool
	Label         string
	LabelErrors   []string
	// Reference is the optional reference typed (a ticket number), and
	// ReferenceErrors what is wrong with it.
	Reference       string
	ReferenceErrors []string
	// FormErrors are errors of the form as a whole (e.g. a missing
	// one-time token), shown above the button.
	FormErrors []string
	// Allowance is the organization's allowance of unallocated
	// addresses, shown above the button.
	Allowance Allowance
}

// Switcher moves to another organization's form. It is a GET form whose
// answer redirects (or, for htmx, renders) the chosen organization's form.
type Switcher struct {
	Action  string
	Current string
	Options []SwitchOption
}

// SwitchOption is one organization of the switcher.
type SwitchOption struct {
	SubDomain string
	Name      string
}

// NetworkField is the network select, grouped by data center.
type NetworkField struct {
	Groups   []NetworkGroup
	Selected string
	Errors   []string
	// Problem replaces the select when the networks could not be loaded.
	Problem *Problem
	// ReloadURL loads the field again (the networks partial).
	ReloadURL string
}

// NetworkGroup is a data center and its networks.
type NetworkGroup struct {
	DataCenter string
	Permalink  string
	// Country is the data center's country name; empty if unknown.
	Country  string
	Networks []NetworkOption
}

// Label is how the group is named in the select.
func (g NetworkGroup) Label() string {
	s := g.DataCenter
	if g.Country != "" {
		s += ", " + g.Country
	}
	if g.Permalink != "" {
		s += " (" + g.Permalink + ")"
	}
	return s
}

// NetworkOption is one network.
type NetworkOption struct {
	ID        string
	Name      string
	Permalink string
	Default   bool
}

// Text is how the option reads in the select.
func (n NetworkOption) Text() string {
	s := n.Name
	if n.Permalink != "" {
		s += " · " + n.Permalink
	}
	if n.Default {
		s += " (default)"
	}
	return s
}

// NetworksView is the full page of an organization's networks.
type NetworksView struct {
	Org    OrgHeader
	Groups []NetworkGroup
}
