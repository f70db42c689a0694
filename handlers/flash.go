package handlers

import (
	"encoding/json"

	"github.com/labstack/echo/v4"
)

// A flash says, on the page a plain post is redirected to, what the post
// did: that an address's changes were saved, or that it was released. It
// travels in the session cookie, not in the URL, so that no link can make
// a page claim what did not happen; the page that shows it forgets it.
// htmx needs none: its answer is that page itself.
type flash struct {
	// Kind is flashSaved or flashReleased.
	Kind string
	// Subject is the address's id (saved) or the address itself
	// (released: there is no page of it any more).
	Subject string
	// Org is the orgTag of the organization of the post: the page shows
	// the flash only under that organization.
	Org string
}

// The kinds of flash.
const (
	flashSaved    = "saved"
	flashReleased = "released"
)

// maxFlashSubject bounds a flash's subject, which the session's worst case
// counts: an id, or an address (45 characters at most in its text form).
const maxFlashSubject = 48

// MarshalJSON writes the compact array form, ["released","192.0.2.5","tag"].
func (f flash) MarshalJSON() ([]byte, error) {
	return json.Marshal([3]string{f.Kind, f.Subject, f.Org})
}

// UnmarshalJSON reads the compact array form.
func (f *flash) UnmarshalJSON(b []byte) error {
	var a [3]string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*f = flash{Kind: a[0], Subject: a[1], Org: a[2]}
	return nil
}

// setFlash keeps a flash for the next page and saves the session.
func (s *server) setFlash(c echo.Context, kind, subject, org string) error {
	if len(subject) > maxFlashSubject {
		return nil // never the case for an id or an address; not worth a cookie that could grow
	}
	sess := sessionOf(c)
	sess.Flash = &flash{Kind: kind, Subject: subject, Org: orgTag(org)}
	return s.saveSession(c, sess)
}

// takeFlash is the session's flash of this kind for this organization
// (and this subject, unless subject is ""), if it has one, which is then
// forgotten (the session is saved). Any other flash is left for its page.
func (s *server) takeFlash(c echo.Context, kind, org, subject string) (string, bool) {
	sess := sessionOf(c)
	f := sess.Flash
	if f == nil || f.Kind != kind || f.Org != orgTag(org) || (subject != "" && f.Subject != subject) {
		return "", false
	}
	sess.Flash = nil
	if err := s.saveSession(c, sess); err != nil {
		s.logError(c, err, 0)
	}
	return f.Subject, true
}
