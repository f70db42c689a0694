package views

// OrgsView is the organization list with its filter.
type OrgsView struct {
	Query string
	// Shown is how many match the filter, Total how many the token sees.
	Shown, Total int
	Orgs         []OrgRow
}

// OrgRow is one organization in the list.
type OrgRow struct {
	Name         string
	SubDomain    string
	Suspended    bool
	NotActivated bool
	FormURL      string
	// ListURL is empty when Katapult would refuse the list (a suspended or
	// not activated organization).
	ListURL string
}
