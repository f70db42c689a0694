// Package engine is ipdesk's embedded Katapult-compatible Core API: with no
// Katapult URL configured, the dashboard (and curl, Terraform, Krystal's Go
// client) use it under /core/v1. It keeps its data in one SQLite file,
// seeded on first start with demo data or a given seed file, and hands out
// IP addresses from the seed's subnets.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"ipdesk/katapult"
)

// dbFileName is the store's file in the data folder.
const dbFileName = "katapult.db"

// Config is what Open needs.
type Config struct {
	DataDir   string           // folder for the SQLite file; created if missing
	SeedFile  string           // "" = the built-in demo seed
	RateLimit int              // requests a minute per token; 0 = off
	Logger    *slog.Logger     // nil = discard
	Now       func() time.Time // nil = time.Now

	// UnknownTokenLimit is how many requests with an unknown token a
	// client address may send a minute (guesses.go); 0 = off.
	UnknownTokenLimit int
	// ClientIP finds a request's client address; nil = the peer's.
	ClientIP func(*http.Request) string
}

// Engine serves the API. Its methods are safe for concurrent use.
type Engine struct {
	log     *slog.Logger
	now     func() time.Time
	store   *store
	cat     *catalog
	limiter *rateLimiter // nil when there is no rate limit
	guesses *guessGuard  // nil when unknown tokens are not limited
	handler http.Handler
	mux     *http.ServeMux // the route table, for Route
	// open is held shared by every request being served and taken whole by
	// Close, so that Close waits for them (a create whose caller gave up is
	// still committing) and requests after it find closed set.
	open   sync.RWMutex
	closed atomic.Bool
}

// Open opens the store in cfg.DataDir, creating it if needed. A fresh store
// is seeded, in one transaction, from cfg.SeedFile or the built-in demo
// seed, which must pass validation (a refusal is a *SeedError naming the
// item). A store that has data keeps it: a seed file is then ignored, with
// a log line.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("engine: no data folder given")
	}
	e := &Engine{log: cfg.Logger, now: cfg.Now}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if cfg.RateLimit > 0 {
		e.limiter = newRateLimiter(cfg.RateLimit, e.now)
	}
	e.guesses = newGuessGuard(cfg.UnknownTokenLimit, cfg.ClientIP, e.now)
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("engine: data folder: %w", err)
	}
	path := filepath.Join(cfg.DataDir, dbFileName)
	st, err := openStore(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := e.seed(ctx, st, cfg.SeedFile, path); err != nil {
		st.close()
		return nil, err
	}
	if e.cat, err = st.loadCatalog(ctx); err != nil {
		st.close()
		return nil, err
	}
	e.store = st
	e.handler = e.routes()
	return e, nil
}

// seed loads the seed into a fresh store; a store that has one keeps it.
func (e *Engine) seed(ctx context.Context, st *store, seedFile, path string) error {
	done, err := seeded(ctx, st.db)
	if err != nil {
		return fmt.Errorf("engine: store %s: %w", path, err)
	}
	if !done {
		s, err := readSeed(seedFile)
		if err != nil {
			return err
		}
		if done, err = st.loadSeed(ctx, s, e.now()); err != nil {
			return fmt.Errorf("engine: seed store %s: %w", path, err)
		}
		if done {
			e.log.InfoContext(ctx, "engine: store seeded", "store", path, "seed", seedName(seedFile))
			return nil
		}
	}
	if seedFile != "" {
		e.log.InfoContext(ctx, "engine: seed file ignored: the store already has data", "store", path, "seed", seedFile)
	}
	return nil
}

func seedName(path string) string {
	if path == "" {
		return "built-in demo seed"
	}
	return path
}

// Handler serves the full paths /core/v1/... Send it the requests under
// /core/v1 as they came: it answers an unclean path ("//", "/./") with its
// own route_not_found, where a ServeMux in front would redirect with HTML.
func (e *Engine) Handler() http.Handler {
	return e.handler
}

// DemoTokens lists the store's tokens in seed order; the first is the one
// to print at startup.
func (e *Engine) DemoTokens() []katapult.DemoToken {
	out := make([]katapult.DemoToken, 0, len(e.cat.tokens))
	for _, t := range e.cat.tokens {
		out = append(out, katapult.DemoToken{Token: t.Token, Name: t.Name, Scopes: append([]string(nil), t.Scopes...)})
	}
	return out
}

// Close waits for the requests still being served (up to closeWait: a
// create whose caller has gone is still committing, and must end cleanly),
// then closes the store. Requests that arrive after Close fail.
func (e *Engine) Close() error {
	done := make(chan struct{})
	go func() {
		e.open.Lock()
		e.closed.Store(true)
		e.open.Unlock()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
		e.log.Warn("engine: closing the store with requests still being served", "waited", closeWait)
	}
	return e.store.close()
}
