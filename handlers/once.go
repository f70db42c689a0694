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
// ["token","ip_…"] or ["token","ip_…","tag"], to keep the cookie small.
type onceUse struct {
	Token   string
	Address string
	// Org is the orgTag of the organization the create was posted to, so
	// that the address's page knows, without asking Katapult, that this
	// session created the address there. Empty for an unknown outcome and
	// in cookies written before it was kept.
	Org string
}

// MarshalJSON writes the compact array form.
func (u onceUse) MarshalJSON() ([]byte, error) {
	if u.Org == "" {
		return json.Marshal([2]string{u.Token, u.Address})
	}
	return json.Marshal([3]string{u.Token, u.Address, u.Org})
}

// UnmarshalJSON reads the compact array form, with or without the tag (a
// shorter array leaves the rest empty, a longer one is cut: replicas of
// either version read each other's cookies).
func (u *onceUse) UnmarshalJSON(b []byte) error {
	var a [3]string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*u = onceUse{Token: a[0], Address: a[1], Org: a[2]}
	return nil
}

// orgTagBytes is the length of an orgTag before encoding: 32 bits tell the
// few organizations one session creates in apart, and eight tags add
// about 130 bytes to the worst-case cookie (a whole sub_domain could add
// almost 1000, too close to browsers' 4096).
const orgTagBytes = 4

// orgTag fingerprints an organization reference exactly as the create's
// URL named it.
func orgTag(org string) string {
	sum := sha256.Sum256([]byte(org))
	return base64.RawURLEncoding.EncodeToString(sum[:orgTagBytes])
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
	s.remember(onceUse{Token: tok, Address: address})
}

// rememberCreated records the address a token created and the
// organization its form was posted to.
func (s *session) rememberCreated(tok, org, address string) {
	s.remember(onceUse{Token: tok, Address: address, Org: orgTag(org)})
}

// remember puts a use first in the ring, replacing an older use of its
// token.
func (s *session) remember(u onceUse) {
	if len(u.Address) > maxIDLen {
		// Never seen from Katapult; remembering it as unknown still
		// blocks a second create from this form.
		u.Address, u.Org = "", ""
	}
	out := []onceUse{u}
	for _, old := range s.Once {
		if old.Token != u.Token && len(out) < onceRing {
			out = append(out, old)
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
