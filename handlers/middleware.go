package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"ipdesk/reqinfo"
)

// bodyLimit bounds request bodies: the largest form is a few hundred bytes.
const bodyLimit = "64K"

// csrfContextKey is where Echo's CSRF middleware leaves the token.
const csrfContextKey = "csrf"

// contentSecurityPolicy allows no inline script or style: htmx is told not
// to inject its indicator styles and not to eval anything.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// middleware builds the stack, in the order requests meet it. Sessions are
// checked per route (routes.go), since the sign-in page and static files
// need none.
//
// There is no Gzip middleware. Static files are gzipped once per process
// and sent so to clients that accept it (package static): htmx alone goes
// from 51 KB to 17 KB. Pages are sent as rendered, for two reasons:
//   - CPU: gzip at its fastest level costs more on the 6 KB form page than
//     a whole /healthz answer (BenchmarkGzipOfTheFormPage in the root
//     package; when this was written it took the form page from 133 to
//     about 250 µs of server CPU over loopback), against the goal of
//     serving the form at half /healthz's rate. A page of a few KB arrives in the first round trip
//     either way; gzip would save bytes, not time.
//   - BREACH: pages carry the CSRF token, the same for a day, and some
//     reflect the request (the organizations search, the form's
//     preselected network). Whoever sees the lengths of compressed answers
//     and can make the victim's browser send many such requests could
//     learn the token a character at a time. Should pages ever be
//     compressed, compress only answers to requests marked
//     Sec-Fetch-Site: same-origin or none, which no other site can cause.
func (s *server) middleware(e *echo.Echo) {
	e.Use(
		requestID(),
		annotate(),
		middleware.RecoverWithConfig(middleware.RecoverConfig{
			// The error handler logs the panic once, with its stack.
			LogErrorFunc: func(_ echo.Context, err error, stack []byte) error {
				return &panicError{err: err, stack: string(stack)}
			},
		}),
		s.securityHeaders(),
		middleware.BodyLimit(bodyLimit),
		formWithinLimit(),
		s.csrf(),
	)
}

// panicError is a recovered panic on its way to the error handler.
type panicError struct {
	err   error
	stack string
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.err) }
func (e *panicError) Unwrap() error { return e.err }

// requestID gives every answer an X-Request-Id, shown on error pages to
// report. The server in front (package app) sets one for every request it
// logs; this one is kept then, so that a page and its log line agree. A
// client's own X-Request-Id header is never trusted.
func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			if h.Get(echo.HeaderXRequestID) == "" {
				h.Set(echo.HeaderXRequestID, uuid.NewString())
			}
			return next(c)
		}
	}
}

// annotate tells the request's log line and metrics (package reqinfo) the
// route pattern that matched, never the raw path, and the organization of
// /orgs/{org}/….
func annotate() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			info := reqinfo.From(c.Request().Context())
			if p := c.Path(); p != "" {
				info.SetRoute(p)
			}
			if org := c.Param("org"); org != "" && validOrgRef(org) {
				info.SetOrg(org)
			}
			return next(c)
		}
	}
}

// SecurityHeaders sets the headers every answer of the dashboard carries,
// HSTS only when it is served over HTTPS (secure). The dashboard sets them
// itself; the server in front uses this too, so that answers made before
// the dashboard is reached (a redirect to a clean path) carry them as well.
func SecurityHeaders(secure bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			setSecurityHeaders(w.Header(), secure)
			next.ServeHTTP(w, r)
		})
	}
}

// securityHeaderValues are the headers of setSecurityHeaders, keys in canonical
// form, HSTS last.
var securityHeaderValues = [...][2]string{
	{"Content-Security-Policy", contentSecurityPolicy},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "same-origin"},
	{"X-Frame-Options", "DENY"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Strict-Transport-Security", "max-age=63072000; includeSubDomains"},
}

// setSecurityHeaders sets the security headers, each to its one value, as
// Header.Set would, but with one allocation for all of their values
// instead of one each (the values share one array, each its own slice of
// it, capacity one, as Header.Clone makes them).
func setSecurityHeaders(h http.Header, secure bool) {
	n := len(securityHeaderValues)
	if !secure {
		n-- // no HSTS over plain HTTP
	}
	vals := make([]string, n)
	for i, kv := range securityHeaderValues[:n] {
		vals[i] = kv[1]
		h[kv[0]] = vals[i : i+1 : i+1]
	}
}

// securityHeaders is SecurityHeaders as Echo middleware, for answers that
// do not already carry them: ipdesk's front (package app) sets them before
// the dashboard is reached, and they are set once.
func (s *server) securityHeaders() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if h := c.Response().Header(); h.Get(securityHeaderValues[0][0]) == "" {
				setSecurityHeaders(h, s.secure)
			}
			return next(c)
		}
	}
}

// csrfError is any CSRF failure: the error handler renders it as a 403 page.
type csrfError struct{ cause error }

func (e *csrfError) Error() string { return "csrf: " + e.cause.Error() }
func (e *csrfError) Unwrap() error { return e.cause }

// csrf checks every post: browsers that send Sec-Fetch-Site are judged by
// it (only same-origin passes), others by the double-submit cookie against
// the `_csrf` field or the X-CSRF-Token header (htmx sends it through
// hx-headers). Whatever Echo's middleware refuses, before the request
// reaches a handler, becomes a csrfError, which the error handler renders
// as an HTML page.
func (s *server) csrf() echo.MiddlewareFunc {
	check := middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/static/")
		},
		TokenLookup:    "header:" + echo.HeaderXCSRFToken + ",form:_csrf",
		ContextKey:     csrfContextKey,
		CookieName:     "ipdesk_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		CookieSecure:   s.secure,
		// Echo lets a same-site post (a sibling sub-domain) fall back to
		// the double-submit cookie, which a sibling can overwrite. ipdesk's
		// own forms are always same-origin: refuse every other post.
		AllowSecFetchSiteFunc: func(echo.Context) (bool, error) {
			return false, errors.New("post from another site")
		},
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			passed := false
			err := check(func(c echo.Context) error {
				passed = true
				return next(c)
			})(c)
			if err != nil && !passed {
				return &csrfError{cause: err}
			}
			return err
		}
	}
}

// csrfToken is the token to put in forms and hx-headers.
func csrfToken(c echo.Context) string {
	t, _ := c.Get(csrfContextKey).(string)
	return t
}

// handleStatic serves the embedded files; an unknown name gets the
// dashboard's 404 page like any unknown route.
func (s *server) handleStatic() echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.assets.Has(c.Request().URL.Path) {
			return echo.ErrNotFound
		}
		s.assets.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
