package engine

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

// answer is what a call gives back, whichever way it was made.
type answer struct {
	res  *http.Response
	body []byte
}

// call makes one request of the demo engine with the generated client.
type call func(t *testing.T, srv *httptest.Server) answer

func getOrganizations(token string) call {
	return func(t *testing.T, srv *httptest.Server) answer {
		res, _ := client(t, srv, token).GetOrganizationsWithResponse(context.Background())
		return answer{res.HTTPResponse, res.Body}
	}
}

func getOrganization(token, subDomain string) call {
	return func(t *testing.T, srv *httptest.Server) answer {
		res, _ := client(t, srv, token).GetOrganizationWithResponse(context.Background(),
			&core.GetOrganizationParams{OrganizationSubDomain: ptr(subDomain)})
		return answer{res.HTTPResponse, res.Body}
	}
}

func availableNetworks(token, subDomain string) call {
	return func(t *testing.T, srv *httptest.Server) answer {
		res, _ := client(t, srv, token).GetOrganizationAvailableNetworksWithResponse(context.Background(),
			&core.GetOrganizationAvailableNetworksParams{OrganizationSubDomain: ptr(subDomain)})
		return answer{res.HTTPResponse, res.Body}
	}
}

func listIPs(token, subDomain string) call {
	return func(t *testing.T, srv *httptest.Server) answer {
		res, _ := client(t, srv, token).GetOrganizationIpAddressesWithResponse(context.Background(),
			&core.GetOrganizationIpAddressesParams{OrganizationSubDomain: ptr(subDomain)})
		return answer{res.HTTPResponse, res.Body}
	}
}

func postIP(token string, body core.PostOrganizationIpAddressesJSONRequestBody) call {
	return func(t *testing.T, srv *httptest.Server) answer {
		res, _ := client(t, srv, token).PostOrganizationIpAddressesWithResponse(context.Background(), body)
		return answer{res.HTTPResponse, res.Body}
	}
}

func postRaw(token, body string) call {
	return func(t *testing.T, srv *httptest.Server) answer {
		res, _ := client(t, srv, token).PostOrganizationIpAddressesWithBodyWithResponse(context.Background(),
			"application/json", strings.NewReader(body))
		return answer{res.HTTPResponse, res.Body}
	}
}

func raw(method, path, token string) call {
	return func(t *testing.T, srv *httptest.Server) answer {
		res, body := rawRequest(t, srv, method, path, token, nil)
		return answer{res, body}
	}
}

func withAuthorization(header string) call {
	return func(t *testing.T, srv *httptest.Server) answer {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/core/v1/data_centers", nil)
		req.Header.Set("Authorization", header)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return answer{res, body}
	}
}

func vip(body core.PostOrganizationIpAddressesJSONRequestBody) core.PostOrganizationIpAddressesJSONRequestBody {
	body.Vip = ptr(true)
	return body
}

func TestEveryErrorComesInTheEnvelopeWithTheCataloguesStatus(t *testing.T) {
	t.Parallel()
	tests := []errorCase{
		{"a request without a token is refused", getOrganizations(""), katapult.CodeMissingAPIToken, katapult.Detail{}},
		{"a request without an Authorization header has no token", raw("GET", "/core/v1/data_centers", ""), katapult.CodeMissingAPIToken, katapult.Detail{}},
		{"a request with basic auth has no token", withAuthorization("Basic ZGVtbzpkZW1v"), katapult.CodeMissingAPIToken, katapult.Detail{}},
		{"an unknown token is refused with details", getOrganizations("not-a-token"), katapult.CodeInvalidAPIToken,
			katapult.Detail{Details: "No API token matches the one provided: it may never have existed, or have been revoked."}},
		{"listing organizations needs organizations:read", getOrganizations(noOrgsToken), katapult.CodeScopeNotGranted,
			katapult.Detail{Scopes: []string{"organizations:read"}}},
		{"creating needs ip_addresses", postIP(readOnlyToken, createBodyOf("acme", "uk-lon-01-public", "ipv4")),
			katapult.CodeScopeNotGranted, katapult.Detail{Scopes: []string{"ip_addresses"}}},
		{"an organization that does not exist is not found", getOrganization(staffToken, "nope"), katapult.CodeOrganizationNotFound, katapult.Detail{}},
		{"an organization the token does not hold is not found", getOrganization(staffToken, "wayne"), katapult.CodeOrganizationNotFound, katapult.Detail{}},
		{"creating for an organization the token does not hold finds none",
			postIP(staffToken, createBodyOf("wayne", "us-nyc-01-public", "ipv4")), katapult.CodeOrganizationNotFound, katapult.Detail{}},
		{"a suspended organization is refused", getOrganization(staffToken, "initech"), katapult.CodeOrganizationSuspended, katapult.Detail{}},
		{"a suspended organization has no available networks", availableNetworks(staffToken, "initech"), katapult.CodeOrganizationSuspended, katapult.Detail{}},
		{"a suspended organization gets no address",
			postIP(staffToken, createBodyOf("initech", "uk-lon-01-public", "ipv4")), katapult.CodeOrganizationSuspended, katapult.Detail{}},
		{"a suspended organization's addresses are not listed", listIPs(staffToken, "initech"), katapult.CodeOrganizationSuspended, katapult.Detail{}},
		{"listing the addresses of an organization the token does not hold finds none", listIPs(readOnlyToken, "hooli"),
			katapult.CodeOrganizationNotFound, katapult.Detail{}},
		{"an organization not activated has no available networks", availableNetworks(staffToken, "umbrella"), katapult.CodeOrganizationNotActivated, katapult.Detail{}},
		{"an organization not activated gets no address",
			postIP(staffToken, createBodyOf("umbrella", "uk-lon-01-public", "ipv4")), katapult.CodeOrganizationNotActivated, katapult.Detail{}},
		{"a view-only organization gets no address",
			postIP(staffToken, createBodyOf("hooli", "uk-lon-01-public", "ipv4")), katapult.CodePermissionDenied,
			katapult.Detail{Details: "This API token may view this organization but not create IP addresses for it."}},
		{"a network that does not exist is not found",
			postIP(staffToken, createBodyOf("acme", "nope", "ipv4")), katapult.CodeNetworkNotFound, katapult.Detail{}},
		{"a network the organization may not use is not found",
			postIP(staffToken, createBodyOf("globex", "uk-lon-01-edge", "ipv4")), katapult.CodeNetworkNotFound, katapult.Detail{}},
		{"getting a network that does not exist finds none", raw("GET", "/core/v1/networks/_?network[permalink]=nope", staffToken),
			katapult.CodeNetworkNotFound, katapult.Detail{}},
		{"a VIP without a label is a validation error",
			postIP(staffToken, vip(createBodyOf("acme", "uk-lon-01-public", "ipv4"))), katapult.CodeValidationError,
			katapult.Detail{Errors: []string{"Label can't be blank"}}},
		{"a network without subnets of the version has no address",
			postIP(staffToken, createBodyOf("acme", "nl-ams-01-small", "ipv6")), katapult.CodeNoAvailableAddresses, katapult.Detail{}},
		{"a version outside the enum is an invalid argument",
			postIP(staffToken, createBodyOf("acme", "uk-lon-01-public", "ipv5")), katapult.CodeInvalidArgument,
			katapult.Detail{Argument: "version", Issue: "invalid_enum_value"}},
		{"a missing version is an invalid argument",
			postRaw(staffToken, `{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"}}`),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "version", Issue: "missing_required_argument"}},
		{"a missing organization is an invalid argument",
			postRaw(staffToken, `{"network":{"permalink":"uk-lon-01-public"},"version":"ipv4"}`),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "organization", Issue: "missing_required_argument"}},
		{"a vip that is not a boolean is an invalid argument",
			postRaw(staffToken, `{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":"ipv4","vip":"yes"}`),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "vip", Issue: "invalid_scalar"}},
		{"a label that is not a string is an invalid argument",
			postRaw(staffToken, `{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":"ipv4","label":7}`),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "label", Issue: "invalid_scalar"}},
		{"a lookup that is not an object is an invalid argument",
			postRaw(staffToken, `{"organization":"acme","network":{"permalink":"uk-lon-01-public"},"version":"ipv4"}`),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "organization", Issue: "object_expected"}},
		{"a lookup key that is not a string is an invalid argument named by its path",
			postRaw(staffToken, `{"organization":{"sub_domain":"acme"},"network":{"id":7},"version":"ipv4"}`),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "network.id", Issue: "invalid_scalar"}},
		{"a version that is not a string is an invalid argument",
			postRaw(staffToken, `{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":4}`),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "version", Issue: "invalid_scalar"}},
		{"a per_page below one is an invalid argument",
			raw("GET", "/core/v1/organizations/_/ip_addresses?organization[sub_domain]=acme&per_page=0", staffToken),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "per_page", Issue: "validation_error"}},
		{"an allocated filter that is not a boolean is an invalid argument",
			raw("GET", "/core/v1/organizations/_/ip_addresses?organization[sub_domain]=acme&allocated=maybe", staffToken),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "allocated", Issue: "invalid_scalar"}},
		{"a page that is not a number is an invalid argument",
			raw("GET", "/core/v1/organizations/_/ip_addresses?organization[sub_domain]=acme&page=two", staffToken),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "page", Issue: "invalid_scalar"}},
		{"a GET without its lookup is an invalid argument", raw("GET", "/core/v1/organizations/_", staffToken),
			katapult.CodeInvalidArgument, katapult.Detail{Argument: "organization", Issue: "missing_required_argument"}},
		{"a body that is not JSON is refused", postRaw(staffToken, `{"organization":`), katapult.CodeInvalidJSONBody, katapult.Detail{}},
		{"an address that does not exist is not found", raw("GET", "/core/v1/ip_addresses/_?ip_address[id]=ip_AAAAAAAAAAAAAAAA", staffToken),
			katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"an address lookup that is no address is not found", raw("GET", "/core/v1/ip_addresses/_?ip_address[address]=banana", staffToken),
			katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"a data center that does not exist is not found", raw("GET", "/core/v1/data_centers/_?data_center[permalink]=xx-nope-01", staffToken),
			katapult.CodeDataCenterNotFound, katapult.Detail{}},
		{"an unknown path is no route", raw("GET", "/core/v1/virtual_machines", staffToken), katapult.CodeRouteNotFound, katapult.Detail{}},
		{"a path outside the API is no route", raw("GET", "/", ""), katapult.CodeRouteNotFound, katapult.Detail{}},
		{"a known path with another method is not allowed", raw("DELETE", "/core/v1/organizations", staffToken), katapult.CodeMethodNotAllowed, katapult.Detail{}},
	}
	wantErrors(t, demoServer(t), tests)
}

// errorCase is a call and the error it must get; detail is compared only
// where set.
type errorCase struct {
	name   string
	call   call
	code   katapult.Code
	detail katapult.Detail
}

// wantErrors makes each call, in parallel subtests, and checks its error.
func wantErrors(t *testing.T, srv *httptest.Server, cases []errorCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := tt.call(t, srv)
			got := wantError(t, a.res, a.body, tt.code)
			if !detailMatches(got.Detail, tt.detail) {
				t.Errorf("detail = %+v, want %+v", got.Detail, tt.detail)
			}
		})
	}
}

// detailMatches compares the fields want sets.
func detailMatches(got, want katapult.Detail) bool {
	return (want.Errors == nil || slices.Equal(got.Errors, want.Errors)) &&
		(want.Scopes == nil || slices.Equal(got.Scopes, want.Scopes)) &&
		(want.Details == "" || got.Details == want.Details) &&
		(want.Argument == "" || got.Argument == want.Argument) &&
		(want.Issue == "" || got.Issue == want.Issue)
}

func TestAnErrorWithoutDetailFieldsHasAnEmptyDetailObject(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	res, body := rawRequest(t, srv, "GET", "/core/v1/organizations/_?organization[sub_domain]=nope", staffToken, nil)
	wantStatus(t, res, body, http.StatusNotFound)
	if !bytes.Contains(body, []byte(`"detail":{}`)) {
		t.Errorf("body = %s, want detail {}", body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestAMethodNotAllowedSaysWhichMethodsAre(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	res, body := rawRequest(t, srv, "PUT", "/core/v1/organizations/_/ip_addresses", staffToken, nil)
	wantError(t, res, body, katapult.CodeMethodNotAllowed)
	if got := res.Header.Get("Allow"); got != "GET, POST" {
		t.Errorf("Allow = %q, want GET, POST", got)
	}
}

func TestEachRequestGetsTheErrorOfItsFirstFailingCheck(t *testing.T) {
	t.Parallel()
	badVersion := createBodyOf("nope", "nope", "ipv5")
	tests := []struct {
		name string
		call call
		code katapult.Code
	}{
		{"the token comes before the body", postRaw("", `{not json`), katapult.CodeMissingAPIToken},
		{"an unknown token comes before the scope", postRaw("nope", `{}`), katapult.CodeInvalidAPIToken},
		{"the scope comes before the body", postRaw(readOnlyToken, `{not json`), katapult.CodeScopeNotGranted},
		{"the arguments come before the organization", postIP(staffToken, badVersion), katapult.CodeInvalidArgument},
		{"the organization comes before the network", postIP(staffToken, createBodyOf("nope", "nope", "ipv4")), katapult.CodeOrganizationNotFound},
		{"the scope comes before the arguments", postIP(readOnlyToken, badVersion), katapult.CodeScopeNotGranted},
		{"the organization's state comes before the network", postIP(staffToken, createBodyOf("initech", "nope", "ipv4")), katapult.CodeOrganizationSuspended},
		{"the organization not activated comes before the network", postIP(staffToken, createBodyOf("umbrella", "nope", "ipv4")), katapult.CodeOrganizationNotActivated},
		{"the permission comes before the network", postIP(staffToken, createBodyOf("hooli", "nope", "ipv4")), katapult.CodePermissionDenied},
		{"the network comes before validation", postIP(staffToken, vip(createBodyOf("acme", "nope", "ipv4"))), katapult.CodeNetworkNotFound},
		{"validation comes before the pool", postIP(staffToken, vip(createBodyOf("acme", "nl-ams-01-small", "ipv6"))), katapult.CodeValidationError},
		{"paging arguments come before the organization",
			raw("GET", "/core/v1/organizations/_/ip_addresses?organization[sub_domain]=nope&per_page=0", staffToken), katapult.CodeInvalidArgument},
	}
	srv := demoServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := tt.call(t, srv)
			wantError(t, a.res, a.body, tt.code)
		})
	}
}

func TestAnAddressOfAnotherOrganizationIsNotFound(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	ip := create(t, client(t, srv, staffToken), createBodyOf("globex", "uk-lon-01-public", "ipv4"))
	res, err := client(t, srv, noOrgsToken).GetIpAddressWithResponse(context.Background(), &core.GetIpAddressParams{IpAddressId: ip.Id})
	if err == nil {
		t.Fatal("a token that does not hold globex saw its address")
	}
	wantError(t, res.HTTPResponse, res.Body, katapult.CodeIPAddressNotFound)
}

// The demo seed has no organization that is both in a bad state and
// view-only for a token that may create: this seed has.
func TestAnOrganizationsStateComesBeforeTheTokensPermission(t *testing.T) {
	t.Parallel()
	seed := seedParts{
		orgs: []string{okOrg,
			`{"name":"Frozen","sub_domain":"frozen","activated":true,"suspended":true,"networks":["pub"]}`,
			`{"name":"Pending","sub_domain":"pending","activated":false,"networks":["pub"]}`},
		toks: []string{`{"token":"t1","name":"Staff","scopes":["ip_addresses"],
			"organizations":{"acme":"view","frozen":"view","pending":"view"}}`},
	}.json()
	srv := serve(t, openEngine(t, Config{SeedFile: writeSeed(t, seed)}))
	tests := []struct {
		name, org string
		code      katapult.Code
	}{
		{"a suspended view-only organization is suspended", "frozen", katapult.CodeOrganizationSuspended},
		{"a view-only organization not activated is not activated", "pending", katapult.CodeOrganizationNotActivated},
		{"an active view-only organization is denied", "acme", katapult.CodePermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := postIP("t1", createBodyOf(tt.org, "pub", "ipv4"))(t, srv)
			wantError(t, a.res, a.body, tt.code)
		})
	}
}
