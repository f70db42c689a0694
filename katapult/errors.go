package katapult

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Code is a Katapult error code, as it travels in the error envelope:
// {"error":{"code":"network_not_found","description":"…","detail":{…}}}.
type Code string

// Every error code the dashboard's calls can meet. The catalogue below gives
// each its status, the API's own description, and what staff are told.
const (
	CodeMissingAPIToken                Code = "missing_api_token"
	CodeInvalidAPIToken                Code = "invalid_api_token"
	CodeInvalidCapabilitiesToken       Code = "invalid_capabilities_token"
	CodeUnauthorizedNetworkForAPIToken Code = "unauthorized_network_for_api_token"
	CodeScopeNotGranted                Code = "scope_not_granted"
	CodeRateLimitReached               Code = "rate_limit_reached"
	CodeServiceUnavailable             Code = "service_unavailable"
	CodeInvalidArgument                Code = "invalid_argument"
	CodeInvalidJSONBody                Code = "invalid_json_body"
	CodeMissingRequiredArgument        Code = "missing_required_argument"
	CodeUnhandledException             Code = "unhandled_exception"
	CodeOrganizationNotFound           Code = "organization_not_found"
	CodeOrganizationSuspended          Code = "organization_suspended"
	CodeOrganizationNotActivated       Code = "organization_not_activated"
	CodePermissionDenied               Code = "permission_denied"
	CodeNetworkNotFound                Code = "network_not_found"
	CodeDataCenterNotFound             Code = "data_center_not_found"
	CodeIPAddressNotFound              Code = "ip_address_not_found"
	CodeValidationError                Code = "validation_error"
	CodeNoAvailableAddresses           Code = "no_available_addresses"
	CodeRouteNotFound                  Code = "route_not_found"
	CodeMethodNotAllowed               Code = "method_not_allowed"
	CodeUnexpectedResponse             Code = "unexpected_response"
	// The codes of an address's life after create: release, unallocate,
	// and who a token belongs to.
	CodeResourceDoesNotSupportUnallocation Code = "resource_does_not_support_unallocation"
	CodeNoAllocation                       Code = "no_allocation"
	CodeNoUserAssociatedWithIdentity       Code = "no_user_associated_with_identity"
)

// Field names the part of a dashboard form an error concerns, so that the
// dashboard can show the message beside it. FieldNone means a panel, or
// the form as a whole.
type Field string

// The form fields an error can concern.
const (
	FieldNone    Field = ""
	FieldNetwork Field = "network"
	FieldVersion Field = "version"
	FieldLabel   Field = "label"
	// FieldToken is the sign-in form's API token.
	FieldToken Field = "token"
	// FieldReverseDNS is the edit form's reverse DNS name, and FieldConfirm
	// the release form's typed address.
	FieldReverseDNS Field = "reverse_dns"
	FieldConfirm    Field = "confirm"
)

// Entry is one line of the error catalogue.
type Entry struct {
	Code Code
	// Status is the HTTP status Katapult answers the code with.
	Status int
	// Description is the API's own sentence for the code, as Katapult (and
	// the embedded engine) put it in the envelope.
	Description string
	// Title is a short heading for staff.
	Title string
	// Message says, for staff, what happened.
	Message string
	// Action says what to do about it.
	Action string
	// Field is the form field the error concerns, if any: a form that has
	// it shows the message beside it.
	Field Field
	// FormFixes is set when other values in the form that sent the request
	// can fix the error (another network, a label): a form shows itself
	// again with it, answered with 422, rather than an error page.
	FormFixes bool
	// SignIn is set when the error means the signed-in token is no longer
	// good for anything: the session ends and the user signs in again.
	SignIn bool
}

// catalogue is the one place that knows every error code. It is read-only.
var catalogue = map[Code]Entry{
	CodeMissingAPIToken: {
		Status:      http.StatusBadRequest,
		Description: "No API token was provided in the Authorization header. Ensure a token is provided prefixed with Bearer",
		Title:       "Not signed in",
		Message:     "Katapult received no API token with this request.",
		Action:      "Sign in again with your Katapult API token.",
		Field:       FieldToken,
		SignIn:      true,
	},
	CodeInvalidAPIToken: {
		Status:      http.StatusForbidden,
		Description: "The API token provided was not valid (it may not exist or have expired)",
		Title:       "Token not accepted",
		Message:     "Katapult does not accept this API token: it does not exist, was revoked or has expired.",
		Action:      "Sign in again with a current API token from Katapult's API tokens page.",
		Field:       FieldToken,
		SignIn:      true,
	},
	CodeInvalidCapabilitiesToken: {
		Status:      http.StatusForbidden,
		Description: "The capabilities token provided was not valid (either not valid, expired or not signed by the correct key)",
		Title:       "Token not accepted",
		Message:     "Katapult rejected the capabilities of this API token.",
		Action:      "Sign in again with a current API token.",
		Field:       FieldToken,
		SignIn:      true,
	},
	CodeUnauthorizedNetworkForAPIToken: {
		Status:      http.StatusForbidden,
		Description: "Network is not allowed to access the API with this API token",
		Title:       "Address not allowed for this token",
		Message:     "This API token may only be used from certain IP addresses, and ipdesk's address is not one of them.",
		Action:      "Allow ipdesk's outgoing address in the token's settings in Katapult, or sign in with another token.",
		Field:       FieldToken,
		SignIn:      true,
	},
	CodeScopeNotGranted: {
		Status:      http.StatusForbidden,
		Description: "The scope required for this endpoint has not been granted to the authenticating identity",
		Title:       "Token lacks a scope",
		Message:     "This API token has not been granted the scope this action needs.",
		Action:      "Add the scope to the token in Katapult, or sign in with a token that has it.",
		Field:       FieldToken,
	},
	CodeRateLimitReached: {
		Status:      http.StatusTooManyRequests,
		Description: "You have reached the rate limit for this type of request",
		Title:       "Too many requests",
		Message:     "Katapult's request limit for this API token has been reached.",
		Action:      "Wait a moment, then try again: the limit resets every minute.",
	},
	CodeServiceUnavailable: {
		Status:      http.StatusServiceUnavailable,
		Description: "The service is currently unavailable, please try again later",
		Title:       "Katapult is unavailable",
		Message:     "Katapult says it is unavailable just now.",
		Action:      "Try again in a few minutes; if it lasts, check Katapult's status page.",
	},
	CodeInvalidArgument: {
		Status:      http.StatusBadRequest,
		Description: "An argument provided was invalid",
		Title:       "Request not understood",
		Message:     "Katapult rejected a value of this request as invalid.",
		Action:      "Check the form's values and submit it again.",
		FormFixes:   true,
	},
	CodeMissingRequiredArgument: {
		Status:      http.StatusBadRequest,
		Description: "A required argument was not provided",
		Title:       "Request not understood",
		Message:     "Katapult says a required value of this request is missing.",
		Action:      "Fill in every field of the form and submit it again.",
	},
	CodeUnhandledException: {
		Status:      http.StatusInternalServerError,
		Description: "An internal error occurred while processing the request",
		Title:       "Katapult failed",
		Message:     "Katapult hit an internal error while handling this request.",
		Action:      "Try again in a moment; if it keeps happening, report it to Katapult support with the request ID.",
	},
	CodeInvalidJSONBody: {
		Status:      http.StatusBadRequest,
		Description: "The JSON body of the request could not be parsed",
		Title:       "Request not understood",
		Message:     "Katapult could not read this request.",
		Action:      "Submit the form again; if it keeps happening, report it.",
	},
	CodeOrganizationNotFound: {
		Status:      http.StatusNotFound,
		Description: "No organization was found matching any of the criteria provided in the arguments",
		Title:       "Organization not found",
		Message:     "No such organization exists, or this API token cannot see it.",
		Action:      "Pick an organization from the list, or sign in with a token that has access to it.",
	},
	CodeOrganizationSuspended: {
		Status:      http.StatusForbidden,
		Description: "An organization was found from the arguments provided but it was suspended",
		Title:       "Organization suspended",
		Message:     "This organization is suspended: no addresses can be created for it.",
		Action:      "Resolve the suspension in Katapult (billing or abuse team) before creating addresses.",
	},
	CodeOrganizationNotActivated: {
		Status:      http.StatusForbidden,
		Description: "An organization was found from the arguments provided but it wasn't activated yet",
		Title:       "Organization not activated",
		Message:     "This organization has not been activated yet: no addresses can be created for it.",
		Action:      "Finish the organization's activation in Katapult first.",
	},
	CodePermissionDenied: {
		Status:      http.StatusForbidden,
		Description: "The authenticated identity is not permitted to perform this action",
		Title:       "Not permitted",
		Message:     "This API token may look at this organization but not change it.",
		Action:      "Ask for a token with manage access to this organization, then sign in with it.",
	},
	CodeNetworkNotFound: {
		Status:      http.StatusNotFound,
		Description: "No network was found matching any of the criteria provided in the arguments",
		Title:       "Network not available",
		Message:     "This network does not exist or this organization may not use it.",
		Action:      "Pick another network from the list.",
		Field:       FieldNetwork,
	},
	CodeDataCenterNotFound: {
		Status:      http.StatusNotFound,
		Description: "No data center was found matching any of the criteria provided in the arguments",
		Title:       "Data center not found",
		Message:     "No such data center exists.",
		Action:      "Pick a network from the list.",
		Field:       FieldNetwork,
	},
	CodeIPAddressNotFound: {
		Status:      http.StatusNotFound,
		Description: "No IP addresses were found matching any of the criteria provided in the arguments",
		Title:       "Address not found",
		Message:     "No such IP address exists, or this API token cannot see it.",
		Action:      "Open the organization's address list to find it.",
	},
	CodeValidationError: {
		Status:      http.StatusUnprocessableEntity,
		Description: "A validation error occurred with the object that was being created/updated/deleted",
		Title:       "Check the form",
		Message:     "Katapult did not accept the form's values.",
		Action:      "Correct what is marked and submit again.",
		FormFixes:   true,
	},
	CodeNoAvailableAddresses: {
		Status:      http.StatusServiceUnavailable,
		Description: "Our pool of addresses for that version seems to have run dry. If this issue continues, please contact support.",
		Title:       "No free addresses",
		Message:     "This network has no free addresses of this version left.",
		Action:      "Try another network or the other IP version; if the pool stays empty, contact Katapult support.",
		FormFixes:   true,
	},
	CodeRouteNotFound: {
		Status:      http.StatusNotFound,
		Description: "No route matches the requested path",
		Title:       "Not found",
		Message:     "Katapult has no such endpoint.",
		Action:      "Check ipdesk's Katapult URL setting.",
	},
	CodeMethodNotAllowed: {
		Status:      http.StatusMethodNotAllowed,
		Description: "The requested method is not allowed on this route",
		Title:       "Not allowed",
		Message:     "Katapult does not allow this method on this endpoint.",
		Action:      "Report it: ipdesk called Katapult in a way it does not support.",
	},
	CodeResourceDoesNotSupportUnallocation: {
		Status:      http.StatusConflict,
		Description: "The resource this IP address belongs to does not allow you to unallocate it.",
		Title:       "Address held by its resource",
		Message:     "The resource this address is attached to does not let it go.",
		Action:      "Detach the address from its resource in Katapult first, then try again.",
	},
	CodeNoAllocation: {
		Status:      http.StatusUnprocessableEntity,
		Description: "This IP address is not currently allocated to any object, and cannot be unallocated.",
		Title:       "Address not attached",
		Message:     "This address is not attached to any resource, so there is nothing to detach it from.",
		Action:      "Nothing to do: the address is already free to use or to release.",
	},
	CodeNoUserAssociatedWithIdentity: {
		Status:      http.StatusNotFound,
		Description: "There is no user associated with this API token",
		Title:       "Token without a user",
		Message:     "This API token does not belong to a Katapult user.",
		Action:      "Nothing to do: ipdesk names the token by its fingerprint instead.",
	},
	CodeUnexpectedResponse: {
		Status:      http.StatusBadGateway,
		Description: "The API answered in a way that could not be understood",
		Title:       "Unexpected answer from Katapult",
		Message:     "Katapult answered in a way ipdesk did not understand.",
		Action:      "Try again; if it keeps happening, report it with the request ID.",
	},
}

// The operations of the port whose missing answer the catalogue explains
// in their own words, as UnavailableError.Op names them.
const (
	OpCreateIPAddress = opCreateIPAddress
	OpListIPAddresses = opListIPAddresses
)

// noAnswer is what staff are told when Katapult did not answer, by the
// operation that got no answer: whether anything was done depends on it.
// An operation not listed gets noAnswerDefault.
var noAnswer = map[string]Entry{
	opCreateIPAddress: {
		Message: "Katapult could not be reached, so nothing was created.",
		Action:  "Submit the form again in a moment.",
	},
	opListIPAddresses: {
		Message: "The organization's addresses could not be loaded: Katapult did not answer in time.",
		Action:  "Open the address list again in a moment.",
	},
	OpUpdateIPAddress: {
		Message: "Katapult did not answer, so ipdesk cannot tell whether the change was saved.",
		Action:  "Submit the form again in a moment: sending the same change twice is harmless.",
	},
	OpReleaseIPAddress: {
		Message: "Katapult did not answer, so ipdesk cannot tell whether the address was released.",
		Action:  "Open the organization's addresses in a moment: if the address is still listed, release it again.",
	},
	OpPolicyLimits: {
		Message: "The organization's allowance of unallocated addresses could not be loaded: Katapult did not answer in time.",
		Action:  "Creating works without it; it shows again on the next page.",
	},
	OpCountUnallocated: {
		Message: "The organization's unallocated addresses could not be counted: Katapult did not answer in time.",
		Action:  "Creating works without it; it shows again on the next page.",
	},
}

// noAnswerDefault is the entry of a read that got no answer.
var noAnswerDefault = Entry{
	Title:   "Katapult did not answer",
	Message: "ipdesk could not reach Katapult, or Katapult did not answer in time.",
	Action:  "Try again in a moment; if it lasts, check Katapult's status.",
	Status:  http.StatusBadGateway,
}

// outcomeUnknown is what staff are told of a create whose answer never
// came.
var outcomeUnknown = Entry{
	Title: "The outcome is unknown",
	Message: "ipdesk sent the request to create the address, but Katapult's answer never came " +
		"(it timed out or the connection failed). The address may or may not have been created.",
	Action: "Check the organization's addresses before trying again. ipdesk never retries a create by itself.",
	Status: http.StatusGatewayTimeout,
}

// validationSubjects are the names Katapult's validation sentences begin
// with, by the field each concerns: a sentence is the attribute's name and
// what is wrong with it ("Label can't be blank"). The sentences of ipdesk's
// own rules (the label rule) begin so too.
var validationSubjects = []struct {
	subject string
	field   Field
}{
	{"network", FieldNetwork},
	{"version", FieldVersion},
	{"label", FieldLabel},
	{"reverse dns", FieldReverseDNS},
}

// ValidationField is the form field a sentence of a validation_error
// concerns, FieldNone when it names none the catalogue knows.
func ValidationField(sentence string) Field {
	for _, v := range validationSubjects {
		if len(sentence) > len(v.subject) && strings.EqualFold(sentence[:len(v.subject)], v.subject) &&
			sentence[len(v.subject)] == ' ' {
			return v.field
		}
	}
	return FieldNone
}

// Lookup returns the catalogue entry of a code. An unknown code (a newer
// Katapult may add some) gets a generic entry that still reads well.
func Lookup(code Code) Entry {
	e, ok := catalogue[code]
	if !ok {
		e = catalogue[CodeUnexpectedResponse]
		e.Message = fmt.Sprintf("Katapult answered with an error ipdesk does not know (%s).", code)
	}
	e.Code = code
	return e
}

// Known reports whether code is in the catalogue.
func Known(code Code) bool {
	_, ok := catalogue[code]
	return ok
}

// Codes lists every code of the catalogue in alphabetical order, for tests
// that walk them all (sorted so that their output is stable).
func Codes() []Code {
	out := make([]Code, 0, len(catalogue))
	for c := range catalogue {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Detail is the code-specific part of an error envelope. Only the fields the
// code defines are set.
type Detail struct {
	// Errors lists the problems of a validation_error, one sentence each.
	Errors []string `json:"errors,omitempty"`
	// Scopes names the scopes a scope_not_granted error requires.
	Scopes []string `json:"scopes,omitempty"`
	// TotalPermitted is the per-minute limit of rate_limit_reached.
	TotalPermitted int `json:"total_permitted,omitempty"`
	// Details explains permission_denied and invalid_api_token.
	Details string `json:"details,omitempty"`
	// IPAddress is the address an unauthorized_network_for_api_token
	// request came from: the one to allow in the token's settings.
	IPAddress string `json:"ip_address,omitempty"`
	// Argument names the offending argument of invalid_argument by its path
	// from the request's root ("version", "network.id"). On the wire Katapult
	// sends an object {id, name, description} and a separate path; the
	// adapter's decoder accepts that and a plain string.
	Argument string `json:"argument,omitempty"`
	// Issue is invalid_argument's reason, e.g. "invalid_enum_value".
	Issue string `json:"issue,omitempty"`
}

// Error is an error answered by Katapult (or the embedded engine), decoded
// from the envelope. Compare with errors.Is against the Err… values below.
type Error struct {
	Status      int
	Code        Code
	Description string
	Detail      Detail
	// RequestID is the X-Request-Id of the answer, for reports.
	RequestID string
	// RetryAfter is set for rate_limit_reached when the answer said when the
	// limit resets.
	RetryAfter time.Duration
}

// NewError makes the error of a code with the catalogue's status and
// description.
func NewError(code Code, detail Detail) *Error {
	e := Lookup(code)
	return &Error{Status: e.Status, Code: code, Description: e.Description, Detail: detail}
}

// Error says code, status and request ID; never the raw answer, which might
// echo anything.
func (e *Error) Error() string {
	s := fmt.Sprintf("katapult: %s (%d)", e.Code, e.Status)
	if len(e.Detail.Errors) > 0 {
		s += ": " + strings.Join(e.Detail.Errors, "; ")
	}
	if e.RequestID != "" {
		s += " request " + e.RequestID
	}
	return s
}

// Is matches an *Error of the same code, and the class sentinels ErrNotFound
// and ErrSignIn.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Code.objectNotFound()
	case ErrSignIn:
		return Lookup(e.Code).SignIn
	}
	t, ok := target.(*Error)
	return ok && t != nil && t.Code == e.Code
}

// objectNotFound reports whether the code says that a looked-up object does
// not exist (any *_not_found, also ones a newer Katapult may add). It goes by
// the code and not by the status, because a 404 is also what a proxy's HTML
// page or route_not_found (a wrong base URL: ipdesk's configuration, not a
// missing organization) answer with.
func (c Code) objectNotFound() bool {
	return c != CodeRouteNotFound && strings.HasSuffix(string(c), "_not_found")
}

// Entry returns the catalogue entry of the error's code.
func (e *Error) Entry() Entry { return Lookup(e.Code) }

// Class sentinels: any *_not_found of an object (not route_not_found), and
// any error that ends the session.
var (
	ErrNotFound = errors.New("katapult: not found")
	ErrSignIn   = errors.New("katapult: the token is no longer accepted")
)

// Sentinels of single codes, for errors.Is.
var (
	ErrInvalidAPIToken          = &Error{Code: CodeInvalidAPIToken}
	ErrScopeNotGranted          = &Error{Code: CodeScopeNotGranted}
	ErrRateLimitReached         = &Error{Code: CodeRateLimitReached}
	ErrOrganizationNotFound     = &Error{Code: CodeOrganizationNotFound}
	ErrOrganizationSuspended    = &Error{Code: CodeOrganizationSuspended}
	ErrOrganizationNotActivated = &Error{Code: CodeOrganizationNotActivated}
	ErrPermissionDenied         = &Error{Code: CodePermissionDenied}
	ErrNetworkNotFound          = &Error{Code: CodeNetworkNotFound}
	ErrIPAddressNotFound        = &Error{Code: CodeIPAddressNotFound}
	ErrValidation               = &Error{Code: CodeValidationError}
	ErrNoAvailableAddresses     = &Error{Code: CodeNoAvailableAddresses}
)

// UnavailableError means Katapult could not be reached or did not answer in
// time. For a read it is safe to try again. A create gets it only when its
// request provably never left ipdesk (the connection could not be made);
// otherwise a create gets OutcomeUnknownError.
type UnavailableError struct {
	// Op names the call, e.g. "list organizations".
	Op string
	// Err is the cause: a transport error or the context's error.
	Err error
}

// Error says which call got no answer and why.
func (e *UnavailableError) Error() string {
	return fmt.Sprintf("katapult: %s: no answer: %v", e.Op, e.Err)
}

// Unwrap gives the cause, so that errors.Is finds context.DeadlineExceeded.
func (e *UnavailableError) Unwrap() error { return e.Err }

// Entry explains, from the catalogue, that Katapult did not answer the
// call; see NoAnswer.
func (e *UnavailableError) Entry() Entry { return NoAnswer(e.Op) }

// NoAnswer explains, from the catalogue, that Katapult did not answer an
// operation (one of the Op… names), and what that means for what it was to
// do. Its Status is the one ipdesk answers with: 502.
func NoAnswer(op string) Entry {
	en := noAnswerDefault
	if o, ok := noAnswer[op]; ok {
		en.Message, en.Action = o.Message, o.Action
	}
	return en
}

// OutcomeUnknownError means a create was sent but its answer never came (a
// timeout or a lost connection), or the answer leaves it open: a success whose
// body could not be read, or a 5xx that is not one of Katapult's own refusals
// (a proxy's 502/504 or a crash may come after the address was made). The
// address may or may not exist. Katapult has no idempotency key, so ipdesk
// never retries such a create itself. Err is the cause; it is an *Error when
// an answer came, so errors.As still finds its status and request ID.
type OutcomeUnknownError struct {
	// Err is the cause: a transport error, or the *Error of the answer.
	Err error
}

// Error says that the create's outcome is unknown and why.
func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("katapult: create sent, outcome unknown: %v", e.Err)
}

// Unwrap gives the cause.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// Entry explains, from the catalogue, that the create may or may not have
// happened. Its Status is the one ipdesk answers with: 504.
func (e *OutcomeUnknownError) Entry() Entry { return outcomeUnknown }
