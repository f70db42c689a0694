package engine

import (
	"net/http"
	"net/url"
	"strconv"

	"ipdesk/katapult"
)

// Pagination of the address list: the API's default page size, and the
// largest it serves (a bigger per_page is served as this one).
const (
	defaultPerPage = 30
	maxPerPage     = 200
)

// GET /organizations/:organization/ip_addresses
func (e *Engine) listIPAddresses(w http.ResponseWriter, r *http.Request, tok *token) error {
	lk, err := queryLookup(r, "organization")
	if err != nil {
		return err
	}
	pg, err := pagingArgs(r.URL.Query())
	if err != nil {
		return err
	}
	o, err := e.usableOrganization(tok, lk)
	if err != nil {
		return err
	}
	rows, total, err := e.store.listIPs(r.Context(), o.ID, pg.allocated, pg.perPage, (pg.page-1)*pg.perPage)
	if err != nil {
		return err
	}
	items := make([]ipAddressItemJSON, 0, len(rows))
	for _, row := range rows {
		item := ipAddressItemJSON{ID: row.ID, Address: row.Addr.String(), ReverseDNS: row.ReverseDNS, VIP: row.VIP}
		item.AllocationID, item.AllocationType = allocationFields(row.Allocation)
		items = append(items, item)
	}
	return writeJSON(w, http.StatusOK, struct {
		Pagination  paginationJSON      `json:"pagination"`
		IPAddresses []ipAddressItemJSON `json:"ip_addresses"`
	}{
		Pagination: paginationJSON{
			CurrentPage: pg.page, PerPage: pg.perPage, Total: total,
			TotalPages: (total + pg.perPage - 1) / pg.perPage,
		},
		IPAddresses: items,
	})
}

type paging struct {
	page, perPage int
	allocated     allocatedFilter
}

func pagingArgs(q url.Values) (paging, error) {
	page, err := countArg(q, "page", 1)
	if err != nil {
		return paging{}, err
	}
	perPage, err := countArg(q, "per_page", defaultPerPage)
	if err != nil {
		return paging{}, err
	}
	filter := anyAllocation
	if s := q.Get("allocated"); s != "" {
		allocated, err := strconv.ParseBool(s)
		if err != nil {
			return paging{}, invalidArgument("allocated", issueWrongType)
		}
		filter = onlyUnallocated
		if allocated {
			filter = onlyAllocated
		}
	}
	return paging{page: page, perPage: min(perPage, maxPerPage), allocated: filter}, nil
}

// countArg reads a query parameter that counts from 1.
func countArg(q url.Values, arg string, def int) (int, error) {
	s := q.Get(arg)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, invalidArgument(arg, issueWrongType)
	}
	if n < 1 {
		return 0, invalidArgument(arg, issueValidation)
	}
	return int(n), nil
}

// GET /ip_addresses/:ip_address, by id or by address. An address of an
// organization the token does not hold is not found.
func (e *Engine) getIPAddress(w http.ResponseWriter, r *http.Request, tok *token) error {
	lk, err := queryLookup(r, "ip_address")
	if err != nil {
		return err
	}
	row, ok, err := e.store.findIP(r.Context(), lk)
	if err != nil {
		return err
	}
	if !ok || tok.access[row.OrganizationID] == "" {
		return apiError(katapult.CodeIPAddressNotFound)
	}
	return writeJSON(w, http.StatusOK, e.addressWithAllocation(row))
}

// addressWithAllocation is the answer of GET /ip_addresses/_: the address,
// and beside it what holds it.
func (e *Engine) addressWithAllocation(row ipRow) any {
	return struct {
		IPAddress  ipAddressJSON   `json:"ip_address"`
		Allocation *allocationJSON `json:"allocation"`
	}{e.ipAddressView(row), allocationView(row.Allocation)}
}

// ipAddressView nests the address's network, data center and country, and
// its subnet.
func (e *Engine) ipAddressView(row ipRow) ipAddressJSON {
	sub := e.cat.subnets[row.SubnetSeq]
	ip := ipAddressJSON{
		ID: row.ID, Address: row.Addr.String(), ReverseDNS: row.ReverseDNS,
		VIP: row.VIP, Label: nullStr(row.Label),
		AddressWithMask: addressWithMask(row.Addr, sub.bits),
		Network:         networkView(sub.network),
		Subnet:          subnetView(sub),
	}
	ip.AllocationID, ip.AllocationType = allocationFields(row.Allocation)
	return ip
}
