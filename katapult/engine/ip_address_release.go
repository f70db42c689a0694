package engine

import (
	"net/http"
)

// DELETE /ip_addresses/:ip_address: the address leaves its organization
// and goes back to the pool, from which the lowest-free rule hands it out
// again. An address attached to a resource is detached on the way, unless
// the resource refuses (resource_does_not_support_unallocation).
func (e *Engine) releaseIPAddress(w http.ResponseWriter, r *http.Request, tok *token) error {
	row, err := e.addressToChange(w, r, tok, "release")
	if err != nil {
		return err
	}
	if err := e.store.release(r.Context(), row.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}

// POST /ip_addresses/:ip_address/unallocate: the address is detached from
// its resource and stays the organization's; one attached to nothing is
// no_allocation.
func (e *Engine) unallocateIPAddress(w http.ResponseWriter, r *http.Request, tok *token) error {
	row, err := e.addressToChange(w, r, tok, "unallocate")
	if err != nil {
		return err
	}
	if err := e.store.unallocate(r.Context(), row.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}

// addressToChange reads the one argument of a release or an unallocate,
// the address's lookup, from the path, the query or the body, and finds
// the address for a token that is to change it.
func (e *Engine) addressToChange(w http.ResponseWriter, r *http.Request, tok *token, verb string) (ipRow, error) {
	body, err := decodeBody(w, r)
	if err != nil {
		return ipRow{}, err
	}
	lk, err := anyLookup(r, "ip_address", body["ip_address"])
	if err != nil {
		return ipRow{}, err
	}
	return e.managedAddress(r.Context(), tok, lk, verb)
}
