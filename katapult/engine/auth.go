package engine

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"ipdesk/katapult"
)

// The scopes the engine's endpoints check.
const (
	scopeOrganizationsRead = "organizations:read"
	scopeIPAddresses       = "ip_addresses"
	scopeIPAddressesRead   = "ip_addresses:read"
)

// endpoint handles a request whose token has passed the checks of api.
type endpoint func(w http.ResponseWriter, r *http.Request, tok *token) error

// api makes a route's handler: it checks the token, then the rate limit,
// then the scope (the token must hold one of scopes; none listed means any
// valid token will do), then runs the endpoint and answers its error.
func (e *Engine) api(h endpoint, scopes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := e.authorize(w, r, scopes)
		if err == nil {
			err = h(w, r, tok)
		}
		if err != nil {
			e.writeError(w, r, err)
		}
	})
}

func (e *Engine) authorize(w http.ResponseWriter, r *http.Request, scopes []string) (*token, error) {
	tok, err := e.authenticate(w, r)
	if err != nil {
		return nil, err
	}
	if err := e.limit(w, tok); err != nil {
		return nil, err
	}
	if len(scopes) > 0 && !slices.ContainsFunc(scopes, tok.has) {
		return nil, katapult.NewError(katapult.CodeScopeNotGranted, katapult.Detail{Scopes: scopes})
	}
	return tok, nil
}

// authenticate finds the token of the request's "Authorization: Bearer …".
// An address that has sent too many unknown tokens is refused before its
// token is looked up (guesses.go).
func (e *Engine) authenticate(w http.ResponseWriter, r *http.Request) (*token, error) {
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, apiError(katapult.CodeMissingAPIToken)
	}
	h := tokenHash(secret)
	try, err := e.admitToken(w, r, h)
	if err != nil {
		return nil, err
	}
	tok, ok := e.cat.tokenBy[h]
	if try != nil {
		try.Done(!ok)
	}
	if !ok {
		return nil, katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{
			Details: "No API token matches the one provided: it may never have existed, or have been revoked.",
		})
	}
	return tok, nil
}

// limit counts the request against the token's minute and sets the rate
// limit headers to what the token has left (serve set them to the whole
// allowance, for the answers that count against no token).
func (e *Engine) limit(w http.ResponseWriter, tok *token) error {
	if e.limiter == nil {
		return nil
	}
	remaining, wait, ok := e.limiter.take(tok.seq)
	h := w.Header()
	e.limiter.setHeaders(h, remaining)
	if ok {
		return nil
	}
	h.Set("Retry-After", strconv.Itoa(wait))
	return katapult.NewError(katapult.CodeRateLimitReached, katapult.Detail{TotalPermitted: e.limiter.perMinute})
}

func (t *token) has(scope string) bool {
	return slices.Contains(t.Scopes, scope)
}
