package views

// ActivityView is a page of the journal: who did what to which address,
// newest first, with the filter form and the links to the pages beside.
type ActivityView struct {
	// Org is the organization of an organization's activity page; nil on
	// the page of every organization the token can see.
	Org *OrgHeader
	// FormURL is where the filter form is sent (GET); ClearURL the page
	// without filters; CSVURL the same rows as CSV.
	FormURL, ClearURL, CSVURL string
	Filter                    ActivityFilter
	// Errors say what is wrong with the filter: the rows are not shown.
	Errors []string
	Rows   []ActivityRow
	// NewerURL and OlderURL are the neighbouring pages; NewestURL is set
	// when this page is not the newest.
	NewerURL, OlderURL, NewestURL string
	// Filtered is set when a filter narrows the rows (for the empty page's
	// sentence).
	Filtered bool
}

// ActivityFilter is the filter as typed in the form.
type ActivityFilter struct {
	Person, Action, Outcome, Reference string
}

// ActivityRow is one journal row as pages show it.
type ActivityRow struct {
	ID string
	// When is the row's time in UTC, WhenISO the same for <time>, Ago
	// relative to now.
	When, WhenISO, Ago string
	// Who names the person; PersonURL filters the page by them.
	Who, PersonURL string
	// OrgName and OrgURL: the organization and its activity page.
	OrgName, OrgURL string
	Action          string // "create", "edit" or "release"
	ActionText      string // "Create", …
	// Asked is what was asked, in a few words.
	Asked string
	// Reference and ReferenceURL (the page filtered by it).
	Reference, ReferenceURL string
	// Outcome is "succeeded", "refused", "unknown" or "pending";
	// OutcomeText says it in words, Explanation adds the refusal's
	// sentence or what an unknown outcome means.
	Outcome, OutcomeText, Explanation string
	// Address and AddressURL: the address concerned (its page, unless it
	// was released).
	Address, AddressURL string
	// ErrorCode is Katapult's code of a refusal.
	ErrorCode string
	RequestID string
}
