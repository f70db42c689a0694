package handlers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	"ipdesk/katapult"
)

// One-time form tokens make one form one address. Every rendered form
// carries a fresh random token; the session remembers, for the last few
// tokens used, the address each created, or that its outcome is unknown.
// Katapult has no idempotency key, so this is all ipdesk can do: it covers
// a double click, a refresh, back-and-resubmit and concurrent posts that
// reach one replica; see the README for what it cannot cover.

const (
	// onceBytes is the token's entropy: 128 bits.
	onceBytes = 16
	// onceRing is how many used tokens a session remembers.
	onceRing = 8
	// createTimeout bounds a create that no request waits for any more,
	// when the request had no deadline of its own (the server in front
	// gives each one; see createContext).
	createTimeout = 2 * time.Minute
)

// onceUse is a used token and the address it created; an empty Address
// means the create's outcome is unknown. It travels as a JSON array,
// ["token","ip_…"], to keep the cookie small.
type onceUse struct {
	Token   string
	Address string
}

// MarshalJSON writes the compact array form.
func (u onceUse) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]string{u.Token, u.Address})
}

// UnmarshalJSON reads the compact array form.
func (u *onceUse) UnmarshalJSON(b []byte) error {
	var a [2]string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*u = onceUse{Token: a[0], Address: a[1]}
	return nil
}

// newOnceToken returns a fresh random token.
func newOnceToken() string {
	b := make([]byte, onceBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validOnce reports whether s is a token newOnceToken could have made.
func validOnce(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == onceBytes && base64.RawURLEncoding.EncodeToString(b) == s
}

// onceResult is what an already used token did.
func (s *session) onceResult(tok string) (onceUse, bool) {
	for _, u := range s.Once {
		if u.Token == tok {
			return u, true
		}
	}
	return onceUse{}, false
}

// rememberOnce records what a token did, newest first, forgetting the
// oldest beyond the ring's size.
func (s *session) rememberOnce(tok, address string) {
	if len(address) > maxIDLen {
		// Never seen from Katapult; remembering it as unknown still
		// blocks a second create from this form.
		address = ""
	}
	out := []onceUse{{Token: tok, Address: address}}
	for _, u := range s.Once {
		if u.Token != tok && len(out) < onceRing {
			out = append(out, u)
		}
	}
	s.Once = out
}

// createResult is what a (possibly shared) create returned.
type createResult struct {
	addr katapult.IPAddress
	err  error
}

// createOnce creates the address of one form's token, merging concurrent
// posts of the same token in this process into one create. The merge lives
// only while the create runs.
func (s *server) createOnce(ctx context.Context, sess *session, once string, req katapult.CreateIPAddress) createResult {
	sum := sha256.Sum256([]byte(sess.Token))
	key := hex.EncodeToString(sum[:16]) + "/" + once
	v, _, _ := s.flights.Do(key, func() (any, error) {
		cctx, cancel := createContext(ctx)
		defer cancel()
		addr, err := s.api.CreateIPAddress(cctx, sess.token(), req)
		return createResult{addr: addr, err: err}, nil
	})
	return v.(createResult)
}

// createContext is the context of a create: the request's values and
// deadline, but not its cancellation. A create goes on when its request is
// gone (the user closed the tab), so that a merged duplicate still gets its
// answer and the outcome is known; it still ends by the time its request
// would have (the adapter's own create timeout usually ends it sooner).
func createContext(ctx context.Context) (context.Context, context.CancelFunc) {
	detached := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(detached, dl)
	}
	return context.WithTimeout(detached, createTimeout)
}
