package views

// ResultView is one IP address with everything staff need about it.
type ResultView struct {
	Org OrgHeader
	// Created is set right after a create: the heading says so.
	Created bool
	// Again is set when a resubmitted form got the address it had
	// already created instead of a second one.
	Again bool
	// Notice says what just happened to the address (its changes saved).
	Notice string
	// EditURL and ReleaseURL are its edit and release pages.
	EditURL, ReleaseURL string

	ID              string
	URL             string
	Address         string
	AddressWithMask string
	ReverseDNS      string
	Version         string
	VIP             bool
	Label           string

	Network          string
	NetworkPermalink string

	DataCenter          string
	DataCenterPermalink string

	Country   string
	Flag      string
	ISO2      string
	ISO3      string
	TimeZone  string
	LocalTime string
	EU        bool

	Allocated      bool
	AllocationType string
	AllocationID   string

	// History is the address's journal rows, newest first (its page only);
	// HistoryURL is the organization's activity page.
	History    []ActivityRow
	HistoryURL string
}

// AddressRow is one address in a list.
type AddressRow struct {
	ID         string
	URL        string
	Address    string
	ReverseDNS string
	VIP        bool
	Label      string
	// LabelUnknown: the list does not carry labels, and this VIP's could
	// not be fetched.
	LabelUnknown bool
	Allocated    bool
	Allocation   string
}

// ListView is a page of an organization's addresses.
type ListView struct {
	Org        OrgHeader
	Rows       []AddressRow
	Page       int
	TotalPages int
	Total      int
	PrevURL    string
	NextURL    string
	// Notice explains an empty page past the end.
	Notice string
	// Flash says what was just done (an address released).
	Flash string
	// Allowance is the organization's allowance of unallocated addresses.
	Allowance Allowance
	// State replaces the list when Katapult shows none for the
	// organization (suspended, not activated).
	State *Problem
}

// UnknownView explains a create whose outcome is unknown.
type UnknownView struct {
	Org     OrgHeader
	Problem Problem
	// Recent are the organization's newest addresses, to check whether the
	// address was created; RecentProblem replaces them if they could not
	// be loaded.
	Recent        []AddressRow
	RecentProblem *Problem
	NewFormURL    string
	ListURL       string
}
