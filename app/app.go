// Package app builds the whole of ipdesk as one http.Handler: the embedded
// Katapult-compatible API (when no Katapult URL is given) or the client of
// the real one, the per-token cache, the dashboard, and what every request
// meets first: request id, log line, metrics, time budget, security
// headers, /healthz, /readyz and /metrics. main serves it; the tests build
// it with the same function.
package app

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ipdesk/handlers"
	"ipdesk/journal"
	"ipdesk/katapult"
	"ipdesk/katapult/engine"
)

const (
	// cacheTTL is how long organization and network lists are kept per
	// token: short enough that a change in Katapult shows soon. (The data
	// center list, the same for every token, is shared for longer: see
	// katapult.NewCache.)
	cacheTTL = time.Minute
	// unknownTokenLimit is how many requests with an unknown token the
	// embedded API takes a minute from one client address: plenty for a
	// client with a mistyped token to learn so, too few to guess with.
	unknownTokenLimit = 30
	// embeddedBase is where the dashboard's client reaches the embedded API:
	// an in-memory round trip, so the host is never resolved.
	embeddedBase = "http://ipdesk.embedded/core/v1"
)

// Config is everything New needs; main fills it from the command line.
type Config struct {
	// KatapultURL is Katapult's origin ("https://api.katapult.io");
	// "/core/v1" is appended. Empty: serve the embedded API.
	KatapultURL string
	// DataDir holds the embedded API's store.
	DataDir string
	// SeedFile seeds a fresh embedded store; "" is the built-in demo seed.
	SeedFile string
	// RateLimit is the embedded API's requests a minute per token; 0 is off.
	RateLimit int
	// SessionKeys sign and encrypt the session cookie: the first signs,
	// all verify.
	SessionKeys [][]byte
	// CookieSecure marks cookies Secure and sends HSTS.
	CookieSecure bool
	// Budget bounds Katapult calls and each request (NewBudget).
	Budget Budget
	// MetricsOnMain serves /metrics on Handler; false when main gives it a
	// listener of its own (MetricsHandler).
	MetricsOnMain bool
	// Logger gets one line a request and every error; nil discards.
	Logger *slog.Logger
	// Doer sends the dashboard's requests to a remote Katapult; nil is an
	// *http.Client that follows no redirects. Ignored in embedded mode.
	Doer interface {
		Do(*http.Request) (*http.Response, error)
	}
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client that the sign-in and unknown-token limits count against;
	// none: the peer's address is the client's.
	TrustedProxies []netip.Prefix
	// Database is the journal's: "" for SQLite in DataDir, or a
	// postgres:// URL that replicas share.
	Database string
	// Retention is how long journal rows are kept; 0 is
	// journal.DefaultRetention.
	Retention time.Duration
}

// App is ipdesk, built.
type App struct {
	handler http.Handler
	metrics http.Handler
	log     *slog.Logger
	engine  *engine.Engine // nil in remote mode
	journal *journal.DB
	stop    context.CancelFunc // ends the journal's daily pruning
	demo    []katapult.DemoToken
	// ready answers /readyz: the store, or Katapult's API, answers.
	ready    func(context.Context) error
	closeOne sync.Once
	closeErr error
}

// New builds ipdesk from cfg. In embedded mode it opens (and on first start
// seeds) the store in cfg.DataDir; Close closes it.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Budget.Request <= 0 {
		return nil, errors.New("app: Config.Budget is not set (use NewBudget)")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{log: log}
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	a.metrics = m.handler(reg)

	opts := []katapult.Option{
		katapult.WithLogger(log),
		katapult.WithTimeouts(cfg.Budget.Read, cfg.Budget.Create),
		katapult.WithObserver(m.observeKatapult),
	}
	var (
		base string
		api  http.Handler // the embedded API on the listener; nil in remote mode
	)
	if cfg.KatapultURL == "" {
		eng, err := engine.Open(ctx, engine.Config{
			DataDir: cfg.DataDir, SeedFile: cfg.SeedFile, RateLimit: cfg.RateLimit,
			Logger:            log.With("component", "engine"),
			UnknownTokenLimit: unknownTokenLimit, ClientIP: handlers.ClientIP(cfg.TrustedProxies),
		})
		if err != nil {
			return nil, err
		}
		a.engine, a.demo, api, base = eng, eng.DemoTokens(), eng.Handler(), embeddedBase
		// The dashboard's own calls are exempt from the limit on unknown
		// tokens: it limits sign-ins per client itself.
		opts = append(opts, katapult.WithDoer(katapult.HandlerDoer(eng.InProcessHandler())))
		a.ready = eng.Ping
		reg.MustRegister(poolCollector{eng: eng, log: log})
	} else {
		base = cfg.KatapultURL + "/core/v1"
		if cfg.Doer != nil {
			opts = append(opts, katapult.WithDoer(cfg.Doer))
		}
	}
	jdb, err := openJournal(ctx, cfg)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.journal = jdb
	pruneCtx, stop := context.WithCancel(context.Background())
	a.stop = stop
	go a.pruneDaily(pruneCtx, cfg.Retention)
	client, err := katapult.NewClient(base, opts...)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("app: %w", err)
	}
	if a.ready == nil {
		a.ready = newRemoteReadiness(client, time.Now).check
	}
	katapultReady := a.ready
	a.ready = func(ctx context.Context) error {
		if err := katapultReady(ctx); err != nil {
			return err
		}
		if err := jdb.Ping(ctx); err != nil {
			return fmt.Errorf("the journal's database does not answer: %w", err)
		}
		return nil
	}
	dashboard, err := handlers.New(handlers.Config{
		API:            katapult.NewCache(client, cacheTTL, time.Now),
		SessionKeys:    cfg.SessionKeys,
		CookieSecure:   cfg.CookieSecure,
		DemoTokens:     a.demo,
		Logger:         log,
		OnCreate:       m.countCreate,
		TrustedProxies: cfg.TrustedProxies,
		Journal:        jdb,
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.handler = a.front(frontConfig{
		dashboard: dashboard, api: api, metrics: m, budget: cfg.Budget,
		secure: cfg.CookieSecure, metricsOnMain: cfg.MetricsOnMain,
	})
	return a, nil
}

// Handler is the whole of ipdesk, to serve on the main listener.
func (a *App) Handler() http.Handler { return a.handler }

// MetricsHandler serves the Prometheus metrics, for a listener of their
// own.
func (a *App) MetricsHandler() http.Handler { return a.metrics }

// DemoTokens are the embedded API's public tokens; nil in remote mode.
func (a *App) DemoTokens() []katapult.DemoToken { return a.demo }

// Embedded reports whether ipdesk serves its own Katapult-compatible API.
func (a *App) Embedded() bool { return a.engine != nil }

// Close waits for the embedded API's requests still running, then closes
// its store. Call it once the server has stopped taking requests.
func (a *App) Close() error {
	a.closeOne.Do(func() {
		if a.stop != nil {
			a.stop()
		}
		var errs []error
		if a.journal != nil {
			errs = append(errs, a.journal.Close())
		}
		if a.engine != nil {
			errs = append(errs, a.engine.Close())
		}
		a.closeErr = errors.Join(errs...)
	})
	return a.closeErr
}

// openJournal opens the journal's database: SQLite in the data folder, or
// cfg.Database. Its fingerprint key comes from the first session key, so
// that replicas sharing -session-keys name a token the same way.
func openJournal(ctx context.Context, cfg Config) (*journal.DB, error) {
	if len(cfg.SessionKeys) == 0 {
		return nil, errors.New("app: Config.SessionKeys is empty")
	}
	key, err := hkdf.Key(sha256.New, cfg.SessionKeys[0], nil, "ipdesk journal token fingerprint", 32)
	if err != nil {
		return nil, fmt.Errorf("app: the journal's fingerprint key: %w", err)
	}
	db, err := journal.Open(ctx, cfg.Database, cfg.DataDir, journal.Options{
		FingerprintKey: key,
		// A create still pending after its whole time budget has no
		// answer coming: its outcome is unknown.
		PendingTimeout: cfg.Budget.Request + time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("the journal: %w", err)
	}
	return db, nil
}

// pruneDaily deletes journal rows older than the retention, and expired
// sessions, at start and then once a day, until ctx ends.
func (a *App) pruneDaily(ctx context.Context, retention time.Duration) {
	if retention <= 0 {
		retention = journal.DefaultRetention
	}
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		p, err := a.journal.Prune(ctx, time.Now().Add(-retention))
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			a.log.Warn("journal: pruning failed; it is tried again in a day", "err", err)
		default:
			a.log.Debug("journal: pruned", "rows", p.Rows, "sessions", p.Sessions)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
