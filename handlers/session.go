package handlers

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"ipdesk/journal"
	"ipdesk/katapult"
	"ipdesk/views"
)

const (
	sessionCookie = "ipdesk_session"
	// sessionTTL is absolute: a session ends 12 hours after sign-in however
	// busy it was.
	sessionTTL = 12 * time.Hour
	ctxSession = "ipdesk.session"
)

// session is everything ipdesk keeps about a signed-in user, all of it in
// the encrypted, signed cookie, as the JSON of session_json.go. Each list
// is bounded so that the cookie stays well under browsers' 4096 bytes
// (session_test.go checks the worst case).
type session struct {
	// Token is the user's Katapult API token.
	Token string
	// SignedIn is the sign-in time, Unix seconds.
	SignedIn int64
	// ID is the session's id in the journal, which sign-out revokes;
	// empty in cookies written before sessions were kept there.
	ID string
	// Who is who the token belongs to, as GET /users/current named it at
	// sign-in, or the token's fingerprint when it belongs to no user.
	Who journal.Who
	// Last is the network and version last used per organization, newest
	// first.
	Last []lastUsed
	// Once is the ring of used one-time form tokens, newest first.
	Once []onceUse
	// Flash is what the last plain post did, for the page it leads to
	// (flash.go); nil when there is nothing to say.
	Flash *flash
}

// lastUsed is what a user last chose for an organization. It travels as
// a JSON array, ["acme","netw_…","ipv4"], to keep the cookie small.
type lastUsed struct {
	Org     string
	Network string
	Version string
}

// MarshalJSON writes the compact array form.
func (l lastUsed) MarshalJSON() ([]byte, error) {
	return json.Marshal([3]string{l.Org, l.Network, l.Version})
}

// UnmarshalJSON reads the compact array form.
func (l *lastUsed) UnmarshalJSON(b []byte) error {
	var a [3]string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*l = lastUsed{Org: a[0], Network: a[1], Version: a[2]}
	return nil
}

// maxLastUsed bounds the remembered organizations; maxKeyLen the length of
// an organization reference (sub_domains are DNS labels) and maxIDLen that
// of a remembered object id (Katapult's are 19 to 21 characters). Longer
// values are not remembered, so that the worst case stays bounded.
const (
	maxLastUsed = 6
	maxKeyLen   = 63
	maxIDLen    = 40
	// maxNameLen bounds the user's name as the session keeps it, in
	// characters.
	maxNameLen = 64
)

// token is the session's API token as the port takes it.
func (s *session) token() katapult.Token { return katapult.Token(s.Token) }

// lastFor is what the user last used for an organization.
func (s *session) lastFor(org string) (lastUsed, bool) {
	for _, l := range s.Last {
		if l.Org == org {
			return l, true
		}
	}
	return lastUsed{}, false
}

// rememberLast puts the organization's choice first, dropping the oldest
// beyond the bound.
func (s *session) rememberLast(org, network string, v katapult.Version) {
	if len(org) > maxKeyLen || len(network) > maxIDLen {
		return
	}
	out := []lastUsed{{Org: org, Network: network, Version: string(v)}}
	for _, l := range s.Last {
		if l.Org != org && len(out) < maxLastUsed {
			out = append(out, l)
		}
	}
	s.Last = out
}

// sessionStore signs (HMAC-SHA256) and encrypts (AES-256) the session
// cookie, whose value is the session's JSON as it is: gorilla's securecookie
// without its default gob serializer, which compiled its types again on
// every request (a fifth of the form page's CPU). Cookies of the gob era
// therefore no longer read back: their holders are signed out once, like
// any cookie that does not verify, and sign in again.
type sessionStore struct {
	codecs []securecookie.Codec
	// opts are the cookie's attributes; MaxAge is set per cookie.
	opts sessions.Options
}

// newSessionStore derives a signing and an encryption key from each secret,
// once at start; the first pair makes new cookies, all of them read old
// ones.
func newSessionStore(secrets [][]byte, secure bool) (*sessionStore, error) {
	if len(secrets) == 0 {
		return nil, errors.New("handlers: no session keys")
	}
	st := &sessionStore{opts: sessions.Options{
		Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	}}
	for i, secret := range secrets {
		if len(secret) < 32 {
			return nil, fmt.Errorf("handlers: session key %d is %d bytes, want at least 32", i+1, len(secret))
		}
		hash, err := hkdf.Key(sha256.New, secret, nil, "ipdesk session cookie hmac-sha256", 32)
		if err != nil {
			return nil, fmt.Errorf("handlers: session key %d: %w", i+1, err)
		}
		block, err := hkdf.Key(sha256.New, secret, nil, "ipdesk session cookie aes-256", 32)
		if err != nil {
			return nil, fmt.Errorf("handlers: session key %d: %w", i+1, err)
		}
		// MaxAge makes the signature check refuse older cookies too.
		codec := securecookie.New(hash, block).SetSerializer(securecookie.NopEncoder{}).
			MaxAge(int(sessionTTL / time.Second))
		st.codecs = append(st.codecs, codec)
	}
	return st, nil
}

// decode is the session's JSON in a cookie value, if one of the keys
// verifies it.
func (st *sessionStore) decode(value string) ([]byte, error) {
	var raw []byte
	err := securecookie.DecodeMulti(sessionCookie, value, &raw, st.codecs...)
	return raw, err
}

// cookie is the session cookie holding raw, signed with the first key, to
// be kept by the browser for maxAge seconds.
func (st *sessionStore) cookie(raw []byte, maxAge int) (*http.Cookie, error) {
	value, err := securecookie.EncodeMulti(sessionCookie, raw, st.codecs[0])
	if err != nil {
		return nil, err
	}
	opts := st.opts
	opts.MaxAge = maxAge
	return sessions.NewCookie(sessionCookie, value, &opts), nil
}

// loadSession reads the request's session. It is nil when there is none,
// when the cookie does not verify or is not a session, and when it is
// older than sessionTTL; expired tells the last case apart, to say so on
// the sign-in page.
func (s *server) loadSession(c echo.Context) (sess *session, expired bool) {
	ck, err := c.Request().Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	raw, err := s.store.decode(ck.Value)
	if err != nil {
		return nil, false
	}
	v, err := decodeSession(raw)
	if err != nil || v.Token == "" {
		return nil, false
	}
	now := s.now()
	signedIn := time.Unix(v.SignedIn, 0)
	if now.Sub(signedIn) >= sessionTTL || signedIn.After(now.Add(time.Minute)) {
		return nil, true
	}
	return v, false
}

// saveSession writes the session cookie. Its lifetime is what is left of
// the 12 hours, so that the browser drops it when the server would refuse
// it.
func (s *server) saveSession(c echo.Context, sess *session) error {
	raw, err := encodeSession(sess)
	if err != nil {
		return err
	}
	left := time.Unix(sess.SignedIn, 0).Add(sessionTTL).Sub(s.now())
	ck, err := s.store.cookie(raw, max(int(left/time.Second), 1))
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	c.SetCookie(ck)
	return nil
}

// clearSession deletes the session cookie.
func (s *server) clearSession(c echo.Context) {
	opts := s.store.opts
	opts.MaxAge = -1
	c.SetCookie(sessions.NewCookie(sessionCookie, "", &opts))
	c.Set(ctxSession, nil)
}

// sessionOf is the session requireSession found, or nil.
func sessionOf(c echo.Context) *session {
	sess, _ := c.Get(ctxSession).(*session)
	return sess
}

// requireSession lets signed-in users through and sends everyone else to
// the sign-in page, with the way back.
func (s *server) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, why, err := s.activeSession(c)
		if err != nil {
			return err
		}
		if sess == nil {
			return s.toLogin(c, why)
		}
		c.Set(ctxSession, sess)
		return next(c)
	}
}

// activeSession is the request's session if it is still active: its
// cookie verifies, it is younger than sessionTTL and, with a journal, the
// journal still holds it (sign-out revokes it there, so that a copied
// cookie ends with it). A cookie that no longer signs in is deleted, and
// why says why for the sign-in page.
func (s *server) activeSession(c echo.Context) (sess *session, why string, err error) {
	sess, expired := s.loadSession(c)
	if sess == nil {
		if expired {
			s.clearSession(c)
			return nil, whyExpired, nil
		}
		return nil, "", nil
	}
	if s.journal == nil {
		return sess, "", nil
	}
	if sess.ID == "" {
		// Written before sessions were kept in the journal: it cannot be
		// revoked, so it ends here, like a cookie that does not verify.
		s.clearSession(c)
		return nil, "", nil
	}
	ok, err := s.journal.SessionActive(c.Request().Context(), sess.ID)
	if err != nil {
		return nil, "", fmt.Errorf("check the session: %w", err)
	}
	if !ok {
		s.clearSession(c)
		return nil, whySignedOut, nil
	}
	return sess, "", nil
}

// toLogin sends the user to sign in and come back where they were: a
// redirect for a page, 401 with HX-Redirect for htmx (a 3xx would be
// followed invisibly and the sign-in page swapped into the fragment).
func (s *server) toLogin(c echo.Context, why string) error {
	target := views.PathLogin(returnPath(c), why)
	if isHTMX(c) {
		c.Response().Header().Set(hxRedirect, target)
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}
