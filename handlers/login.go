package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"ipdesk/journal"
	"ipdesk/katapult"
	"ipdesk/views"
)

// The reasons the sign-in page can be sent to show (its `why`), besides
// the catalogue codes that end a session.
const (
	whyExpired   = "expired"
	whySignedOut = "signedout"
	whySignIn    = "signin"
)

// maxTokenLen bounds what is taken as a token: it is kept in the cookie,
// whose worst case size is tested with a token this long.
const maxTokenLen = 256

// orgsScope is the scope signing in needs.
const orgsScope = "organizations:read"

// handleLoginForm shows the sign-in page, or goes straight on when the
// user is already signed in.
func (s *server) handleLoginForm() echo.HandlerFunc {
	return func(c echo.Context) error {
		next := safeNext(c.QueryParam("next"))
		sess, _, err := s.activeSession(c)
		if err != nil {
			return err
		}
		if sess != nil {
			return c.Redirect(http.StatusSeeOther, next)
		}
		v := s.loginView(c, next)
		v.Notice = loginNotice(c.QueryParam("why"))
		return s.render(c, http.StatusOK, loginPage(v))
	}
}

// handleLogin checks the token against Katapult before keeping it: a token
// that cannot list organizations is of no use here. Sign-ins are limited
// per client address (throttle.go): once an address has failed too often,
// its posts are refused before their token is even read, so that guesses
// never reach Katapult. Only attempts that Katapult answered with anything
// but success are counted; a token refused for its shape never left ipdesk.
func (s *server) handleLogin() echo.HandlerFunc {
	return func(c echo.Context) error {
		next := safeNext(c.FormValue("next"))
		try, wait := s.signIns.Begin(c.RealIP(), "")
		if try == nil {
			return s.tooManySignIns(c, next, wait)
		}
		failed := false
		defer func() { try.Done(failed) }()
		v := s.loginView(c, next)
		tok := strings.TrimSpace(c.FormValue("token"))
		if msg := tokenProblem(tok); msg != "" {
			v.TokenErrors = []string{msg}
			return s.render(c, http.StatusUnprocessableEntity, loginPage(v))
		}
		if _, err := s.api.Organizations(c.Request().Context(), katapult.Token(tok)); err != nil {
			failed = true
			status := s.loginRefusal(c, err, &v)
			return s.render(c, status, loginPage(v))
		}
		sess := &session{Token: tok, SignedIn: s.now().Unix()}
		who, err := s.whoIs(c, katapult.Token(tok))
		if err != nil {
			failed = errors.Is(err, katapult.ErrSignIn)
			status := s.loginRefusal(c, err, &v)
			return s.render(c, status, loginPage(v))
		}
		sess.Who = who
		if s.journal != nil {
			expires := time.Unix(sess.SignedIn, 0).Add(sessionTTL)
			if sess.ID, err = s.journal.CreateSession(c.Request().Context(), expires); err != nil {
				return err
			}
		}
		if err := s.saveSession(c, sess); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
}

// whoIs asks Katapult who a token belongs to. A token that belongs to no
// user is named by its fingerprint (never by itself); without a journal,
// which keeps the fingerprint's key, it is not named at all.
func (s *server) whoIs(c echo.Context, tok katapult.Token) (journal.Who, error) {
	u, err := s.api.CurrentUser(c.Request().Context(), tok)
	var kerr *katapult.Error
	switch {
	case err == nil:
		name := u.Name
		if r := []rune(name); len(r) > maxNameLen {
			name = string(r[:maxNameLen])
		}
		if len(u.ID) > maxIDLen {
			return journal.Who{}, &katapult.Error{Status: http.StatusOK, Code: katapult.CodeUnexpectedResponse}
		}
		return journal.Who{UserID: u.ID, UserName: name}, nil
	case errors.As(err, &kerr) && kerr.Code == katapult.CodeNoUserAssociatedWithIdentity:
		if s.journal == nil {
			return journal.Who{}, nil
		}
		return journal.Who{TokenFingerprint: s.journal.Fingerprint(string(tok))}, nil
	}
	return journal.Who{}, err
}

// tokenProblem checks the token's shape without asking Katapult.
func tokenProblem(tok string) string {
	switch {
	case tok == "":
		return "Enter your Katapult API token."
	case len(tok) > maxTokenLen || strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "This is not a Katapult API token: it is too long or contains spaces."
	}
	return ""
}

// loginRefusal puts Katapult's refusal of a token into the page and
// returns the status to answer with: under the token when another token
// would do, else above the form as on any page.
func (s *server) loginRefusal(c echo.Context, err error, v *views.LoginView) int {
	sh := s.explain(c, err, signInForm)
	if msgs := sh.fields[katapult.FieldToken]; len(msgs) > 0 {
		v.TokenErrors = msgs
		return sh.status
	}
	s.logError(c, err, sh.status)
	v.Problem = &sh.problem
	return sh.status
}

// loginNotice says why the user is on the sign-in page.
func loginNotice(why string) string {
	switch why {
	case "":
		return ""
	case whyExpired:
		return "Your session ended: sessions last 12 hours. Sign in again to go on where you were."
	case whySignedOut:
		return "You have signed out."
	case whySignIn:
		return "Katapult no longer accepts the token of your session. Sign in again to go on where you were."
	}
	if en := katapult.Lookup(katapult.Code(why)); en.SignIn {
		return en.Message + " " + en.Action
	}
	return ""
}

func (s *server) loginView(c echo.Context, next string) views.LoginView {
	v := views.LoginView{Action: views.PathLogin("", ""), CSRF: csrfToken(c)}
	if next != "/" {
		v.Next = next
	}
	if s.demo != nil {
		d := &views.DemoView{}
		for _, t := range s.demo {
			d.Tokens = append(d.Tokens, views.DemoTokenView{Token: t.Token, Name: t.Name, Scopes: strings.Join(t.Scopes, ", ")})
		}
		v.Demo = d
	}
	return v
}

func loginPage(v views.LoginView) views.Page {
	return views.Page{Title: "Sign in", Main: views.LoginMain(v)}
}
