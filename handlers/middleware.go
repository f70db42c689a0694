package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
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
func (s *server) middleware(e *echo.Echo) {
	e.Use(
		middleware.RequestID(),
		s.requestLogger(),
		middleware.RecoverWithConfig(middleware.RecoverConfig{
			// The error handler logs the panic once, with its stack.
			LogErrorFunc: func(_ echo.Context, err error, stack []byte) error {
				return &panicError{err: err, stack: string(stack)}
			},
		}),
		s.securityHeaders(),
		middleware.BodyLimit(bodyLimit),
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

// requestLogger logs one line a request. It never logs bodies, and never
// the query of /login (it carries next, and a mistyped token must not end
// up in a log if someone puts it in a URL).
func (s *server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogURIPath: true, LogLatency: true, LogRequestID: true,
		HandleError: false,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			path := v.URIPath
			if q := c.Request().URL.RawQuery; q != "" && !strings.HasPrefix(path, "/login") {
				path += "?" + q
			}
			s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("method", v.Method), slog.String("path", path),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.String("request_id", v.RequestID), slog.Bool("htmx", isHTMX(c)))
			return nil
		},
	})
}

// securityHeaders sets the headers every answer carries; HSTS only when
// the dashboard is served over HTTPS (CookieSecure).
func (s *server) securityHeaders() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if s.secure {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
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
			return strings.HasPrefix(p, "/static/") || p == "/healthz"
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

func (s *server) handleHealth() echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.String(http.StatusOK, "ok")
	}
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
