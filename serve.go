package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ipdesk/handlers"
	"ipdesk/katapult"
	"ipdesk/katapult/engine"
)

// Timeouts of the HTTP server. Write covers the slowest page: a create that
// waits for Katapult (the adapter gives up on a create after 30 s).
const (
	readHeaderTimeout = 10 * time.Second
	writeTimeout      = 45 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 15 * time.Second
	// cacheTTL is how long organization, network and data center lists are
	// kept per token: short enough that a change in Katapult shows soon.
	cacheTTL = time.Minute
	// embeddedBase is where the dashboard's client reaches the embedded API:
	// an in-memory round trip, so the host is never resolved.
	embeddedBase = "http://ipdesk.embedded/core/v1"
)

// serve builds every dependency from cfg, listens, prints the URL to open and
// serves until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	keys := cfg.sessionKeys
	if len(keys) == 0 {
		k, err := loadOrCreateSessionKey(filepath.Join(cfg.dataDir, "session.key"))
		if err != nil {
			return err
		}
		keys = [][]byte{k}
	}

	mux := http.NewServeMux()
	var (
		api        *katapult.Client
		engineAPI  http.Handler // the embedded API; nil in remote mode
		demoTokens []handlers.DemoToken
		err        error
	)
	if cfg.embedded() {
		eng, err := engine.Open(ctx, engine.Config{
			DataDir: cfg.dataDir, SeedFile: cfg.seedFile, RateLimit: cfg.rateLimit,
			Logger: logger.With("component", "engine"),
		})
		if err != nil {
			return err
		}
		defer eng.Close()
		engineAPI = eng.Handler()
		api, err = katapult.NewClient(embeddedBase, katapult.WithDoer(katapult.HandlerDoer(eng.Handler())), katapult.WithLogger(logger))
		if err != nil {
			return err
		}
		for _, t := range eng.DemoTokens() {
			demoTokens = append(demoTokens, handlers.DemoToken{Token: t.Token, Name: t.Name, Scopes: t.Scopes})
		}
	} else {
		api, err = katapult.NewClient(cfg.katapultURL+"/core/v1", katapult.WithLogger(logger))
		if err != nil {
			return err
		}
	}

	dashboard, err := handlers.New(handlers.Config{
		API:          katapult.NewCache(api, cacheTTL, time.Now),
		SessionKeys:  keys,
		CookieSecure: cfg.cookieSecure,
		DemoTokens:   demoTokens,
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	mux.Handle("/", dashboard)
	handler := http.Handler(mux)
	if engineAPI != nil {
		handler = apiOrDashboard(engineAPI, mux)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintln(stdout, startupLine(ln.Addr(), cfg, demoTokens))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// apiOrDashboard sends /core/v1 and everything under it to the embedded API
// as it came, and the rest to the dashboard's mux. A ServeMux in front would
// redirect an unclean path ("/core/v1", "//", "/./") with an HTML page and
// no X-Request-Id; the API answers those itself, in its envelope.
func apiOrDashboard(api, dashboard http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/core/v1" || strings.HasPrefix(r.URL.Path, "/core/v1/") {
			api.ServeHTTP(w, r)
			return
		}
		dashboard.ServeHTTP(w, r)
	})
}

// startupLine is the one line printed on stdout: the URL to open and, in
// embedded mode, the public demo token to sign in with.
func startupLine(addr net.Addr, cfg config, demo []handlers.DemoToken) string {
	host := addr.String()
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	line := "ipdesk: open http://" + host + "/"
	if cfg.embedded() {
		line += " (embedded demo Katapult API at /core/v1"
		if len(demo) > 0 {
			line += "; sign in with demo token " + demo[0].Token
		}
		line += ")"
	} else {
		line += " (Katapult at " + cfg.katapultURL + ")"
	}
	return line
}

// loadOrCreateSessionKey keeps one generated session secret in the data
// folder, so that sessions survive a restart when -session-keys is unset.
func loadOrCreateSessionKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, derr := decodeSecret(strings.TrimSpace(string(b)))
		if derr != nil {
			return nil, fmt.Errorf("session key file %s: %w", path, derr)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("session key file: %w", err)
	}
	k := make([]byte, minSessionKey)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("session key file: %w", err)
	}
	if _, err := fmt.Fprintln(f, hex.EncodeToString(k)); err != nil {
		f.Close()
		return nil, fmt.Errorf("session key file: %w", err)
	}
	return k, f.Close()
}
