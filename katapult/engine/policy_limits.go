package engine

import (
	"net/http"
)

// integerOrUnlimitedJSON is the OpenAPI's IntegerOrUnlimited: value is
// null when unlimited.
type integerOrUnlimitedJSON struct {
	Value     *int64 `json:"value"`
	Unlimited bool   `json:"unlimited"`
}

// GET /organizations/:organization/policy_limits, in the OpenAPI's
// OrganizationPolicy shape. The engine knows one limit, the number of
// unallocated addresses the organization may hold (the seed's
// maximum_unallocated_ip_addresses; absent is unlimited), and answers no
// other rather than invent them. The number in use is the total of the
// address list with allocated=false.
func (e *Engine) policyLimits(w http.ResponseWriter, r *http.Request, tok *token) error {
	o, err := e.requestedOrganization(r, tok)
	if err != nil {
		return err
	}
	type policyJSON struct {
		MaximumUnallocatedIPAddresses integerOrUnlimitedJSON `json:"maximum_unallocated_ip_addresses"`
	}
	return writeJSON(w, http.StatusOK, struct {
		PolicyLimits policyJSON `json:"policy_limits"`
	}{policyJSON{integerOrUnlimitedJSON{Value: nullInt(o.maxUnallocated), Unlimited: !o.maxUnallocated.Valid}}})
}
