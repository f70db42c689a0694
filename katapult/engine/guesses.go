package engine

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"ipdesk/katapult"
	"ipdesk/throttle"
)

// guessGuard limits requests with an unknown API token per client address:
// without it, anyone who can reach /core/v1 may try tokens as fast as the
// engine answers. A request without any token is not a guess (a readiness
// probe sends none) and is not counted.
//
// Once an address has spent its allowance, its requests are refused with
// rate_limit_reached before their token is looked up, so the answer never
// tells whether a guess was right. A token that has already worked from
// that address is still let through (throttle.Limiter's passes): a client
// that shares its address with a guesser (a NAT, a proxy that is not
// trusted) keeps working with the token it uses; only a token new to the
// address has to wait.
type guessGuard struct {
	limiter  *throttle.Limiter
	clientIP func(*http.Request) string
}

// newGuessGuard allows perMinute unknown tokens a minute per address, all
// at once if they come so; nil when perMinute is 0.
func newGuessGuard(perMinute int, clientIP func(*http.Request) string, now func() time.Time) *guessGuard {
	if perMinute <= 0 {
		return nil
	}
	if clientIP == nil {
		clientIP = remoteHost
	}
	return &guessGuard{
		limiter:  throttle.New(throttle.Config{Burst: perMinute, Every: time.Minute / time.Duration(perMinute), Now: now}),
		clientIP: clientIP,
	}
}

// remoteHost is the peer's address, when no proxy is trusted.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// inProcessKey marks the requests of InProcessHandler.
type inProcessKey struct{}

// InProcessHandler is Handler for ipdesk's own dashboard, which reaches the
// engine in memory (katapult.HandlerDoer): its requests are exempt from the
// limit on unknown tokens. Every one of them appears to come from one
// address, so counting them would let one person's wrong tokens lock every
// user of the dashboard out; the dashboard limits sign-ins per client
// address itself, before a token reaches the engine. The mark is a context
// value, which only code in this process can set: no header or address a
// network client sends can claim it.
func (e *Engine) InProcessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.handler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), inProcessKey{}, true)))
	})
}

// admitToken is asked before the token of r (its hash, h) is looked up.
// It returns the attempt to end with whether the token was unknown, or the
// rate_limit_reached error for an address that has guessed too often.
func (e *Engine) admitToken(w http.ResponseWriter, r *http.Request, h [32]byte) (*throttle.Attempt, error) {
	g := e.guesses
	if g == nil || r.Context().Value(inProcessKey{}) != nil {
		return nil, nil
	}
	try, wait := g.limiter.Begin(g.clientIP(r), string(h[:]))
	if try != nil {
		return try, nil
	}
	secs := max(1, int((wait+time.Second-1)/time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	// Nothing is left for this request, whatever token it has: the same
	// numbers for every token, so that they tell nothing about it.
	e.limiter.setHeaders(w.Header(), 0)
	// No total_permitted: clients read it as the limit per token, which
	// this is not.
	return nil, katapult.NewError(katapult.CodeRateLimitReached, katapult.Detail{})
}
