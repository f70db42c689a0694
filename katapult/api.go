// Package katapult is the dashboard's port to Katapult: the API interface the
// handlers use, plain types, the catalogue of every error code, and the
// adapter over Krystal's next/core client that implements the port against
// Katapult or the embedded engine.
package katapult

import "context"

// API is what the dashboard asks of Katapult. Every call acts with the
// signed-in user's own token. Errors are *Error (Katapult answered with an
// error), *UnavailableError (no answer to a read, or a create that provably
// never left) or *OutcomeUnknownError (a create whose outcome is not known;
// it wraps the *Error when an answer came). Implementations are safe for
// concurrent use.
type API interface {
	// Organizations lists the organizations the token can see.
	Organizations(ctx context.Context, tok Token) ([]Organization, error)
	// Organization fetches one organization by id or sub_domain.
	Organization(ctx context.Context, tok Token, org OrgRef) (Organization, error)
	// AvailableNetworks lists the networks the organization may use.
	AvailableNetworks(ctx context.Context, tok Token, org OrgRef) ([]Network, error)
	// DataCenters lists every data center with its country's id and name.
	DataCenters(ctx context.Context, tok Token) ([]DataCenter, error)
	// CreateIPAddress allocates a new address. It is never retried.
	CreateIPAddress(ctx context.Context, tok Token, req CreateIPAddress) (IPAddress, error)
	// IPAddress fetches one address by id.
	IPAddress(ctx context.Context, tok Token, id string) (IPAddress, error)
	// IPAddresses lists a page (from 1) of the organization's addresses.
	IPAddresses(ctx context.Context, tok Token, org OrgRef, page, perPage int) (IPAddressPage, error)
	// UpdateIPAddress changes the fields of req that are set.
	UpdateIPAddress(ctx context.Context, tok Token, req UpdateIPAddress) (IPAddress, error)
	// ReleaseIPAddress gives an address back to the pool.
	ReleaseIPAddress(ctx context.Context, tok Token, id string) error
	// PolicyLimits fetches the organization's policy limits.
	PolicyLimits(ctx context.Context, tok Token, org OrgRef) (PolicyLimits, error)
	// UnallocatedIPAddresses counts the organization's addresses that are
	// attached to nothing.
	UnallocatedIPAddresses(ctx context.Context, tok Token, org OrgRef) (int, error)
	// CurrentUser names who the token belongs to; a token without a user
	// is an *Error with CodeNoUserAssociatedWithIdentity.
	CurrentUser(ctx context.Context, tok Token) (User, error)
}
