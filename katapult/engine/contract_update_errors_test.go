package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	katapultapi "github.com/krystal/go-katapult"
	legacy "github.com/krystal/go-katapult/core"
	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

// sharedSeed has one organization that a token manages and another only
// views, as the demo seed has none with an address the viewer could see
// with the ip_addresses scope.
var sharedSeed = seedParts{toks: []string{
	`{"token":"manager","name":"Manager","scopes":["ip_addresses"],"organizations":{"acme":"manage"}}`,
	`{"token":"viewer","name":"Viewer","scopes":["ip_addresses"],"organizations":{"acme":"view"}}`,
	`{"token":"stranger","name":"Stranger","scopes":["ip_addresses"],"organizations":{}}`,
}}.json()

// editCall sends body as a PATCH of /ip_addresses/_.
func editCall(token, body string) call {
	return sendCall(http.MethodPatch, "/core/v1/ip_addresses/_", token, body)
}

// releaseCall sends body as a DELETE of /ip_addresses/_.
func releaseCall(token, body string) call {
	return sendCall(http.MethodDelete, "/core/v1/ip_addresses/_", token, body)
}

func sendCall(method, path, token, body string) call {
	return func(t *testing.T, srv *httptest.Server) answer {
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		res, out := rawRequest(t, srv, method, path, token, b)
		return answer{res, out}
	}
}

func TestEveryRefusalOfAnEditOrAReleaseComesWithItsCode(t *testing.T) {
	t.Parallel()
	srv := serve(t, openEngine(t, Config{SeedFile: writeSeed(t, sharedSeed)}))
	ip := create(t, client(t, srv, "manager"), createBodyOf("acme", "pub", "ipv4"))
	id := `{"ip_address":{"id":"` + *ip.Id + `"}`
	tests := []errorCase{
		{"an edit without a token", editCall("", id+`}`), katapult.CodeMissingAPIToken, katapult.Detail{}},
		{"an edit with an unknown token", editCall("nope", id+`}`), katapult.CodeInvalidAPIToken, katapult.Detail{}},
		{"an edit without its lookup", editCall("manager", `{"vip":true}`), katapult.CodeInvalidArgument,
			katapult.Detail{Argument: "ip_address", Issue: "missing_required_argument"}},
		{"an edit whose lookup is no object", editCall("manager", `{"ip_address":"`+*ip.Id+`"}`), katapult.CodeInvalidArgument,
			katapult.Detail{Argument: "ip_address", Issue: "object_expected"}},
		{"an edit whose lookup key is no string", editCall("manager", `{"ip_address":{"id":7}}`), katapult.CodeInvalidArgument,
			katapult.Detail{Argument: "ip_address.id", Issue: "invalid_scalar"}},
		{"a vip that is no boolean", editCall("manager", id+`,"vip":"yes"}`), katapult.CodeInvalidArgument,
			katapult.Detail{Argument: "vip", Issue: "invalid_scalar"}},
		{"a label that is no string", editCall("manager", id+`,"label":7}`), katapult.CodeInvalidArgument,
			katapult.Detail{Argument: "label", Issue: "invalid_scalar"}},
		{"a reverse DNS that is no string", editCall("manager", id+`,"reverse_dns":["a"]}`), katapult.CodeInvalidArgument,
			katapult.Detail{Argument: "reverse_dns", Issue: "invalid_scalar"}},
		{"an edit that is no JSON", editCall("manager", `{"ip_address":`), katapult.CodeInvalidJSONBody, katapult.Detail{}},
		{"an edit of an address that does not exist", editCall("manager", `{"ip_address":{"id":"ip_AAAAAAAAAAAAAAAA"},"vip":false}`),
			katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"an edit with two lookup keys", editCall("manager", `{"ip_address":{"id":"`+*ip.Id+`","address":"`+*ip.Address+`"}}`),
			katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"an edit of an address of an organization the token does not hold", editCall("stranger", id+`}`),
			katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"an edit by a token that only views the organization", editCall("viewer", id+`,"vip":false}`), katapult.CodePermissionDenied,
			katapult.Detail{Details: "This API token may view this IP address's organization but not change its IP addresses."}},
		{"a VIP without a label", editCall("manager", id+`,"vip":true}`), katapult.CodeValidationError,
			katapult.Detail{Errors: []string{katapult.LabelBlank}}},
		{"a VIP with a blank label", editCall("manager", id+`,"vip":true,"label":"  "}`), katapult.CodeValidationError,
			katapult.Detail{Errors: []string{katapult.LabelBlank}}},
		{"a label on two lines", editCall("manager", id+`,"vip":true,"label":"a\nb"}`), katapult.CodeValidationError,
			katapult.Detail{Errors: []string{katapult.LabelControl}}},
		{"a reverse DNS that is no host name", editCall("manager", id+`,"reverse_dns":"mail server.example.com"}`), katapult.CodeValidationError,
			katapult.Detail{Errors: []string{katapult.ReverseDNSCharacters}}},
		{"a blank reverse DNS", editCall("manager", id+`,"reverse_dns":""}`), katapult.CodeValidationError,
			katapult.Detail{Errors: []string{katapult.ReverseDNSBlank}}},
		{"every problem is said", editCall("manager", id+`,"vip":true,"reverse_dns":"192.0.2.9"}`), katapult.CodeValidationError,
			katapult.Detail{Errors: []string{katapult.LabelBlank, katapult.ReverseDNSNumeric}}},

		{"a release without a token", releaseCall("", id+`}`), katapult.CodeMissingAPIToken, katapult.Detail{}},
		{"a release without its lookup", releaseCall("manager", ``), katapult.CodeInvalidArgument,
			katapult.Detail{Argument: "ip_address", Issue: "missing_required_argument"}},
		{"a release of an address that does not exist", releaseCall("manager", `{"ip_address":{"address":"192.0.2.200"}}`),
			katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"a release by a lookup that is no address", releaseCall("manager", `{"ip_address":{"address":"banana"}}`),
			katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"a release of an organization the token does not hold", releaseCall("stranger", id+`}`),
			katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"a release by a token that only views the organization", releaseCall("viewer", id+`}`), katapult.CodePermissionDenied,
			katapult.Detail{Details: "This API token may view this IP address's organization but not release its IP addresses."}},
	}
	t.Run("each", func(t *testing.T) { wantErrors(t, srv, tests) })
	// None of them changed or released it.
	after, ok := getAddress(t, client(t, srv, "manager"), *ip.Id)
	if !ok || *after.Vip || *after.ReverseDns != *ip.ReverseDns {
		t.Errorf("the address after every refusal: found %v, %+v", ok, after)
	}
}

func TestTheDemoSeedsTokensAreRefusedAnEditOrAReleaseTheirScopesDoNotAllow(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	ip := create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	ref := core.IPAddressLookup{Id: ip.Id}
	ro := client(t, srv, readOnlyToken)
	pres, _ := ro.PatchIpAddressWithResponse(context.Background(), core.PatchIpAddressJSONRequestBody{IpAddress: ref, Vip: ptr(false)})
	got := wantError(t, pres.HTTPResponse, pres.Body, katapult.CodeScopeNotGranted)
	if !detailMatches(got.Detail, katapult.Detail{Scopes: []string{"ip_addresses"}}) {
		t.Errorf("detail = %+v", got.Detail)
	}
	dres, _ := ro.DeleteIpAddressWithResponse(context.Background(), core.DeleteIpAddressJSONRequestBody{IpAddress: ref})
	wantError(t, dres.HTTPResponse, dres.Body, katapult.CodeScopeNotGranted)

	// The hand-written client decodes the same refusals by their code.
	old := legacyClient(t, srv, readOnlyToken, "_")
	if _, _, err := old.IPAddresses.Update(context.Background(), legacy.IPAddressRef{ID: *ip.Id},
		&legacy.IPAddressUpdateArguments{VIP: ptr(false)}); !errors.Is(err, katapultapi.ErrScopeNotGranted) {
		t.Errorf("hand-written update with the read-only token: %v", err)
	}
	if res, err := old.IPAddresses.Delete(context.Background(), legacy.IPAddressRef{ID: *ip.Id}); legacyCode(res) != katapult.CodeScopeNotGranted {
		t.Errorf("hand-written delete with the read-only token: %v", err)
	}
	if _, ok := getAddress(t, client(t, srv, staffToken), *ip.Id); !ok {
		t.Error("the address is gone")
	}
}

func TestEachEditOrReleaseGetsTheErrorOfItsFirstFailingCheck(t *testing.T) {
	t.Parallel()
	srv := serve(t, openEngine(t, Config{SeedFile: writeSeed(t, sharedSeed)}))
	ip := create(t, client(t, srv, "manager"), createBodyOf("acme", "pub", "ipv4"))
	id := `{"ip_address":{"id":"` + *ip.Id + `"}`
	missing := `{"ip_address":{"id":"ip_AAAAAAAAAAAAAAAA"}`
	wantErrors(t, srv, []errorCase{
		{"the token comes before the body", editCall("", `{not json`), katapult.CodeMissingAPIToken, katapult.Detail{}},
		{"the body comes before the lookup", editCall("manager", `{not json`), katapult.CodeInvalidJSONBody, katapult.Detail{}},
		{"the arguments come before the address", editCall("manager", missing+`,"vip":"yes"}`), katapult.CodeInvalidArgument, katapult.Detail{}},
		{"the address comes before validation", editCall("manager", missing+`,"vip":true}`), katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"an organization the token does not hold comes before validation", editCall("stranger", id+`,"vip":true}`),
			katapult.CodeIPAddressNotFound, katapult.Detail{}},
		{"the permission comes before validation", editCall("viewer", id+`,"vip":true}`), katapult.CodePermissionDenied, katapult.Detail{}},
		{"a release's body comes before the address", releaseCall("manager", `[]`), katapult.CodeInvalidJSONBody, katapult.Detail{}},
	})
}
