package engine

import (
	"net/http"
	"path"
	"strings"

	"ipdesk/katapult"
)

// routes is the engine's whole surface, one line a route. The path segment
// after a resource is a placeholder: "_", the argument's name, ":name", or an id.
func (e *Engine) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /core/v1/organizations", e.api(e.listOrganizations, scopeOrganizationsRead))
	mux.Handle("GET /core/v1/organizations/{organization}", e.api(e.getOrganization, scopeOrganizationsRead))
	mux.Handle("GET /core/v1/organizations/{organization}/available_networks", e.api(e.availableNetworks))
	mux.Handle("GET /core/v1/organizations/{organization}/policy_limits", e.api(e.policyLimits, scopeOrganizationsRead))
	mux.Handle("GET /core/v1/organizations/{organization}/ip_addresses", e.api(e.listIPAddresses, scopeIPAddresses, scopeIPAddressesRead))
	mux.Handle("POST /core/v1/organizations/{organization}/ip_addresses", e.api(e.createIPAddress, scopeIPAddresses))
	mux.Handle("GET /core/v1/ip_addresses/{ip_address}", e.api(e.getIPAddress, scopeIPAddresses, scopeIPAddressesRead))
	mux.Handle("PATCH /core/v1/ip_addresses/{ip_address}", e.api(e.updateIPAddress, scopeIPAddresses))
	mux.Handle("DELETE /core/v1/ip_addresses/{ip_address}", e.api(e.releaseIPAddress, scopeIPAddresses))
	mux.Handle("POST /core/v1/ip_addresses/{ip_address}/unallocate", e.api(e.unallocateIPAddress, scopeIPAddresses))
	mux.Handle("GET /core/v1/data_centers", e.api(e.listDataCenters))
	mux.Handle("GET /core/v1/data_centers/{data_center}", e.api(e.getDataCenter))
	mux.Handle("GET /core/v1/data_centers/{data_center}/default_network", e.api(e.defaultNetwork))
	mux.Handle("GET /core/v1/networks/{network}", e.api(e.getNetwork))
	mux.Handle("GET /core/v1/users/current", e.api(e.currentUser))
	mux.Handle("/", e.noRoute(mux))
	e.mux = mux
	return e.serve(e.canonicalOnly(mux))
}

// canonicalOnly answers route_not_found, in the envelope, for a path that is
// not in its clean form ("//", "/./", "/../", a trailing slash) or not a
// path at all (the request target "*"): no route has one, and the mux
// would otherwise redirect with an HTML page, or answer a bare 400.
func (e *Engine) canonicalOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; !strings.HasPrefix(p, "/") || path.Clean(p) != p {
			e.writeError(w, r, apiError(katapult.CodeRouteNotFound))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// noRoute answers what no route matched, in the API's envelope: 405 when
// the path exists for another method, else 404. It asks the mux itself
// which methods the path has, so the route table stays the one truth.
func (e *Engine) noRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) == 0 {
			e.writeError(w, r, apiError(katapult.CodeRouteNotFound))
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		e.writeError(w, r, apiError(katapult.CodeMethodNotAllowed))
	})
}
