package views

import "fmt"

// EditView is the edit form of one address.
type EditView struct {
	Org OrgHeader
	// ID and Address name the address; AddressURL is its page.
	ID, Address, AddressURL string
	// Action is where the form posts.
	Action, CSRF string
	// VIP, Label and ReverseDNS are the values in the form.
	VIP        bool
	Label      string
	ReverseDNS string
	// WasVIP, WasLabel and WasReverseDNS are the values the form was
	// opened with: a post sends Katapult only what differs from them.
	WasVIP        bool
	WasLabel      string
	WasReverseDNS string
	// LabelErrors and ReverseDNSErrors are shown beside their fields,
	// FormErrors above the button; Problem is a panel above the form.
	LabelErrors, ReverseDNSErrors, FormErrors []string
	// Reference is the optional reference typed (a ticket number), and
	// ReferenceErrors what is wrong with it.
	Reference       string
	ReferenceErrors []string
	Problem         *Problem
	// Notice says that a post changed nothing.
	Notice string
}

// ReleaseView asks to confirm the release of an address by typing it.
type ReleaseView struct {
	Org OrgHeader
	// ID and Address name the address; AddressURL is its page.
	ID, Address, AddressURL         string
	Network, NetworkPermalink       string
	DataCenter, DataCenterPermalink string
	// Allocation names what the address is attached to, if anything:
	// Katapult may refuse to release it then.
	Allocation string
	// Action is where the form posts.
	Action, CSRF string
	// Confirm is what was typed, ConfirmErrors what is wrong with it.
	Confirm       string
	ConfirmErrors []string
	// Reference is the optional reference typed (a ticket number), and
	// ReferenceErrors what is wrong with it.
	Reference       string
	ReferenceErrors []string
	// Problem is a panel above the form: Katapult's refusal.
	Problem *Problem
}

// Allowance is how many unallocated addresses an organization holds, of
// how many its policy allows.
type Allowance struct {
	// LoadURL is set while neither is known: the allowance is loaded from
	// it, by htmx as soon as the page shows, or followed as a link.
	LoadURL string
	// OrgName names the organization in the warning.
	OrgName string
	// Unavailable: it could not be loaded; the page works without it.
	Unavailable bool
	Unlimited   bool
	Limit       int
	InUse       int
}

// Text says how many are in use of how many.
func (a Allowance) Text() string {
	if a.Unlimited {
		return fmt.Sprintf("%d unallocated %s in use; this organization may hold any number.", a.InUse, addresses(a.InUse))
	}
	return fmt.Sprintf("%d of %d unallocated %s in use", a.InUse, a.Limit, addresses(a.Limit))
}

// Full reports whether the next address would pass the allowance.
func (a Allowance) Full() bool { return !a.Unlimited && a.InUse >= a.Limit }

// Warning says what creating one more means when it would pass the
// allowance.
func (a Allowance) Warning() string {
	if a.InUse > a.Limit {
		return fmt.Sprintf("%s already holds more unallocated addresses than its policy allows (%d of %d). "+
			"Katapult may refuse another: release an unused address first, or ask Katapult to raise the limit.",
			a.OrgName, a.InUse, a.Limit)
	}
	return fmt.Sprintf("The next address would pass %s's allowance of %d unallocated %s. "+
		"Katapult may refuse it: release an unused address first, or ask Katapult to raise the limit.",
		a.OrgName, a.Limit, addresses(a.Limit))
}

func addresses(n int) string {
	if n == 1 {
		return "address"
	}
	return "addresses"
}

// AllowanceView is the page of an organization's allowance, for a browser
// without JavaScript that followed the form's link.
type AllowanceView struct {
	Org       OrgHeader
	Allowance Allowance
}
