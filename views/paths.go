package views

import (
	"net/url"
	"strconv"
)

// The dashboard's URLs are built here and nowhere else, so that views and
// handlers cannot drift apart from the routes (handlers/routes.go lists the
// same paths as Echo patterns; a test checks that each built path matches
// its route). Each path segment is escaped.

// PathHome is the organization list, filtered by q when q is not empty.
func PathHome(q string) string {
	if q == "" {
		return "/"
	}
	return "/?" + url.Values{"q": {q}}.Encode()
}

// PathLogin is the sign-in page; next is where to go after signing in
// (already checked to be a local path) and why names a notice to show.
func PathLogin(next, why string) string {
	v := url.Values{}
	if next != "" && next != "/" {
		v.Set("next", next)
	}
	if why != "" {
		v.Set("why", why)
	}
	if len(v) == 0 {
		return "/login"
	}
	return "/login?" + v.Encode()
}

// PathLogout is where the sign-out form posts.
func PathLogout() string { return "/logout" }

func orgBase(org string) string { return "/orgs/" + url.PathEscape(org) }

// PathOrg is where every page of an organization is, below it: the pages
// above add their own path to it.
func PathOrg(org string) string { return orgBase(org) }

// PathNewAddress is the bookmarkable create form of an organization.
func PathNewAddress(org string) string { return orgBase(org) + "/ip-addresses/new" }

// PathNewAddressWith is the create form with a network and version chosen.
func PathNewAddressWith(org, networkID, version string) string {
	v := url.Values{}
	if networkID != "" {
		v.Set("network", networkID)
	}
	if version != "" {
		v.Set("version", version)
	}
	if len(v) == 0 {
		return PathNewAddress(org)
	}
	return PathNewAddress(org) + "?" + v.Encode()
}

// PathNetworks is the organization's networks grouped by data center.
func PathNetworks(org string) string { return orgBase(org) + "/networks" }

// PathAddresses is where the create form posts, and the address list.
func PathAddresses(org string) string { return orgBase(org) + "/ip-addresses" }

// PathAddressesPage is one page of the address list; page 1 has no query.
func PathAddressesPage(org string, page int) string {
	if page <= 1 {
		return PathAddresses(org)
	}
	return PathAddresses(org) + "?page=" + strconv.Itoa(page)
}

// PathAddress is the page of one address.
func PathAddress(org, id string) string {
	return orgBase(org) + "/ip-addresses/" + url.PathEscape(id)
}

// PathEditAddress is the edit form of one address; it posts to
// PathAddress.
func PathEditAddress(org, id string) string { return PathAddress(org, id) + "/edit" }

// PathReleaseAddress is the confirmation of an address's release, and
// where it posts.
func PathReleaseAddress(org, id string) string { return PathAddress(org, id) + "/release" }

// PathAllowance is the organization's allowance of unallocated addresses:
// a partial for htmx, a page without it.
func PathAllowance(org string) string { return orgBase(org) + "/allowance" }

// PathActivity is the journal of every organization the token can see,
// with q as its query (filters and a page cursor; nil for the newest
// rows, unfiltered).
func PathActivity(q url.Values) string { return withQuery("/activity", q) }

// PathOrgActivity is the journal of one organization, with q as its query.
func PathOrgActivity(org string, q url.Values) string {
	return withQuery(orgBase(org)+"/activity", q)
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
