package handlers

import (
	"context"
	"fmt"
	"slices"

	"ipdesk/katapult"
)

// Katapult's IP address carries no organization: neither its OpenAPI
// schema nor its real answers have one, and GET /ip_addresses/_ finds an
// address of any organization the token can see. So the dashboard knows
// that an organization holds an address in two ways only: this session
// created it there (the ring of one-time tokens remembers the
// organization of each create), or the organization's own address list
// has it. The first costs no call, which keeps the page a create leads
// to free of calls; the second costs a page of the list or a few.

const (
	// scanPerPage asks for the largest page the engine serves; Katapult
	// answers a bigger per_page with its own largest page and says so in
	// the pagination, which the scan follows.
	scanPerPage = 200
	// maxScanPages bounds the calls one check makes: an address older than
	// the newest pages of a very large organization is not found there.
	maxScanPages = 10
)

// createdIn reports whether this session created the address with a form
// posted to the organization named exactly so.
func (s *session) createdIn(org, id string) bool {
	tag := orgTag(org)
	return slices.ContainsFunc(s.Once, func(u onceUse) bool { return u.Address == id && u.Org == tag })
}

// created reports whether this session created the address, in whichever
// organization.
func (s *session) created(id string) bool {
	return id != "" && slices.ContainsFunc(s.Once, func(u onceUse) bool { return u.Address == id })
}

// checkHolds answers nil when the organization of the URL holds the
// address, and Katapult's not-found error otherwise: an address of another
// organization is not shown under this one, nor said to exist. An
// organization the token cannot see, or that does not exist, is Katapult's
// own organization_not_found, from the list.
func (s *server) checkHolds(ctx context.Context, sess *session, org, id string) error {
	if sess.createdIn(org, id) {
		return nil
	}
	held, err := s.listHolds(ctx, sess.token(), katapult.OrgRef(org), id)
	if err != nil {
		return err
	}
	if !held {
		return fmt.Errorf("address %s is not in the address list of %s: %w", id, org,
			katapult.NewError(katapult.CodeIPAddressNotFound, katapult.Detail{}))
	}
	return nil
}

// listHolds looks for the address in the organization's list: the first
// page, then from the last page back, since Katapult lists the oldest
// first and the addresses staff open are most often new ones.
func (s *server) listHolds(ctx context.Context, tok katapult.Token, org katapult.OrgRef, id string) (bool, error) {
	has := func(p katapult.IPAddressPage) bool {
		return slices.ContainsFunc(p.Addresses, func(a katapult.IPAddress) bool { return a.ID == id })
	}
	first, err := s.api.IPAddresses(ctx, tok, org, 1, scanPerPage)
	if err != nil || has(first) {
		return err == nil, err
	}
	for page, calls := first.TotalPages, 1; page > 1 && calls < maxScanPages; page, calls = page-1, calls+1 {
		p, err := s.api.IPAddresses(ctx, tok, org, page, scanPerPage)
		if err != nil {
			return false, err
		}
		if has(p) {
			return true, nil
		}
	}
	return false, nil
}
