package engine

import (
	"net/http"

	"ipdesk/katapult"
)

// GET /organizations/:organization/available_networks: the networks the
// organization may use, and the virtual networks it has, in seed order.
func (e *Engine) availableNetworks(w http.ResponseWriter, r *http.Request, tok *token) error {
	lk, err := queryLookup(r, "organization")
	if err != nil {
		return err
	}
	o, err := e.usableOrganization(tok, lk)
	if err != nil {
		return err
	}
	out := []networkBriefJSON{}
	for _, n := range e.cat.networks {
		if o.networks[n.ID] {
			out = append(out, networkBriefView(n))
		}
	}
	vnets := []virtualNetworkJSON{}
	for _, v := range e.cat.virtualNetworks {
		if v.organizationID == o.ID {
			vnets = append(vnets, virtualNetworkView(v))
		}
	}
	return writeJSON(w, http.StatusOK, struct {
		Networks        []networkBriefJSON   `json:"networks"`
		VirtualNetworks []virtualNetworkJSON `json:"virtual_networks"`
	}{out, vnets})
}

// GET /networks/:network: any network; no organization is involved.
func (e *Engine) getNetwork(w http.ResponseWriter, r *http.Request, _ *token) error {
	lk, err := queryLookup(r, "network")
	if err != nil {
		return err
	}
	n, ok := e.cat.networkBy.find(lk)
	if !ok {
		return apiError(katapult.CodeNetworkNotFound)
	}
	return writeJSON(w, http.StatusOK, struct {
		Network networkJSON `json:"network"`
	}{networkView(n)})
}
