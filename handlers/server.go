// Package handlers is the dashboard: Echo handlers and middleware that sign
// staff in with their Katapult API token, list organizations, render the
// create form, create IP addresses through the katapult port and explain
// every error. New returns the whole of it as one http.Handler.
package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"ipdesk/journal"
	"ipdesk/katapult"
	"ipdesk/static"
	"ipdesk/throttle"
	"ipdesk/views"
)

// API is what the dashboard needs of Katapult: the port, behind the
// per-token cache (katapult.NewCache), and what that cache holds, told
// without a call: the pages with a call budget use it.
type API interface {
	katapult.API
	// CachedOrganizations is the token's organization list if a fresh one
	// is held; it never calls Katapult.
	CachedOrganizations(tok katapult.Token) ([]katapult.Organization, bool)
	// CachedPolicyLimits and CachedUnallocated are an organization's
	// limits and its count of unallocated addresses, if fresh ones are
	// held; they never call Katapult.
	CachedPolicyLimits(tok katapult.Token, org katapult.OrgRef) (katapult.PolicyLimits, bool)
	CachedUnallocated(tok katapult.Token, org katapult.OrgRef) (int, bool)
}

// Config is everything the dashboard depends on.
type Config struct {
	// API is the port to Katapult, wrapped in the per-token cache.
	API API
	// SessionKeys are secrets of at least 32 bytes: the first signs new
	// cookies, all of them verify (key rotation).
	SessionKeys [][]byte
	// CookieSecure marks cookies Secure and sends HSTS: set it when the
	// dashboard is served over HTTPS.
	CookieSecure bool
	// DemoTokens are the embedded engine's public tokens; nil in remote mode.
	DemoTokens []katapult.DemoToken
	Logger     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnCreate is told how each post of the create form ended (one of the
	// Create* outcomes); nil means nobody is told. ipdesk counts them in a
	// metric.
	OnCreate func(outcome string)
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client (ClientIP); none means the peer's address is the client's.
	TrustedProxies []netip.Prefix
	// SignInBurst is how many failed sign-ins a client address may make in
	// a row, and SignInEvery how often one more is allowed after that; 0
	// means 10 and 6 s.
	SignInBurst int
	SignInEvery time.Duration
	// Journal keeps who did what and claims each form's one-time token;
	// nil in tests that do not look at it.
	Journal *journal.DB
}

// How a post of the create form ended, as Config.OnCreate is told.
const (
	// CreateCreated: Katapult created the address.
	CreateCreated = "created"
	// CreateRefused: Katapult answered with an error; nothing was created.
	CreateRefused = "refused"
	// CreateUnknown: the create was sent and its outcome is unknown.
	CreateUnknown = "unknown"
	// CreateUnavailable: Katapult could not be reached; nothing was sent.
	CreateUnavailable = "unavailable"
	// CreateInvalid: ipdesk refused the form itself; nothing was sent.
	CreateInvalid = "invalid"
	// CreateReplayed: the form had been posted before; its first outcome
	// was shown and nothing was sent.
	CreateReplayed = "replayed"
)

// server holds the dashboard's dependencies. It keeps no state between
// requests: everything per user lives in the session cookie, so that any
// number of replicas can serve one user. flights only merges concurrent
// posts of one form while they run.
type server struct {
	api        API
	store      *sessionStore
	assets     *static.Assets
	log        *slog.Logger
	now        func() time.Time
	demo       []katapult.DemoToken
	secure     bool
	htmxConfig templ.Component // the htmx-config meta tag, rendered once
	flights    singleflight.Group
	onCreate   func(outcome string)
	signIns    *throttle.Limiter // failed sign-ins per client address
	zones      zoneCache         // time zones of result pages (present.go)
	journal    *journal.DB       // nil: nothing is journaled
	buffers    pageBuffers       // pages are rendered into (render.go)
}

// New builds the dashboard: every route of DESIGN.md, its middleware and
// the static files. It fails on a configuration that cannot work.
func New(cfg Config) (http.Handler, error) {
	if cfg.API == nil {
		return nil, errors.New("handlers: Config.API is nil")
	}
	store, err := newSessionStore(cfg.SessionKeys, cfg.CookieSecure)
	if err != nil {
		return nil, err
	}
	assets, err := static.New()
	if err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	htmxMeta, err := views.Prerendered(views.HTMXConfigMeta(htmxConfig()))
	if err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	s := &server{
		api:        cfg.API,
		store:      store,
		assets:     assets,
		log:        cfg.Logger,
		now:        cfg.Now,
		demo:       cfg.DemoTokens,
		secure:     cfg.CookieSecure,
		journal:    cfg.Journal,
		htmxConfig: htmxMeta,
		onCreate:   cfg.OnCreate,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.onCreate == nil {
		s.onCreate = func(string) {}
	}
	s.signIns = newSignInLimiter(cfg, s.now)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// No proxy is trusted unless the configuration names some: the peer
	// address is the client.
	e.IPExtractor = ClientIP(cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	s.middleware(e)
	s.routes(e)
	return e, nil
}
