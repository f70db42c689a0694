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

	"ipdesk/app"
	"ipdesk/katapult"
)

// serve builds ipdesk from cfg, listens, prints the URL to open and serves
// until ctx ends. Then it stops taking requests, lets those in flight
// finish (a create included) within the budget's grace, and closes the
// store.
func serve(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	keys := cfg.sessionKeys
	if len(keys) == 0 {
		k, err := loadOrCreateSessionKey(filepath.Join(cfg.dataDir, "session.key"), logger)
		if err != nil {
			return err
		}
		keys = [][]byte{k}
	}
	// Listen first: a port that is taken is reported before a store is
	// created and seeded for nothing.
	listeners, err := listen(cfg)
	if err != nil {
		return err
	}
	budget := app.NewBudget(cfg.readTimeout, cfg.createTimeout)
	a, err := app.New(ctx, app.Config{
		KatapultURL: cfg.katapultURL, DataDir: cfg.dataDir, SeedFile: cfg.seedFile, RateLimit: cfg.rateLimit,
		SessionKeys: keys, CookieSecure: cfg.cookieSecure, Budget: budget,
		MetricsOnMain: cfg.metricsAddr == "", Logger: logger, TrustedProxies: cfg.trustedProxies,
		Database: cfg.database, Retention: cfg.retention,
	})
	if err != nil {
		for _, ln := range listeners {
			ln.Close()
		}
		return err
	}
	defer a.Close()
	ln := listeners[0]
	servers := []*http.Server{newServer(a.Handler(), budget, logger)}
	if len(listeners) > 1 {
		servers = append(servers, newServer(a.MetricsHandler(), budget, logger))
	}
	fmt.Fprintln(stdout, startupLine(ln.Addr(), cfg, a.DemoTokens()))
	attrs := []any{"addr", ln.Addr().String(), "embedded", a.Embedded(),
		// Durations as Go writes them ("56s"), not as nanoseconds.
		"katapult_timeout", budget.Read.String(), "create_timeout", budget.Create.String(),
		"request_deadline", budget.Request.String(), "write_timeout", budget.Write.String(),
		"shutdown_grace", budget.Shutdown.String()}
	if len(listeners) > 1 {
		// The real address: -metrics-addr may ask for port 0.
		attrs = append(attrs, "metrics_addr", listeners[1].Addr().String())
	}
	logger.Info("serving", attrs...)

	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	select {
	case err := <-errc:
		for _, srv := range servers {
			srv.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return shutdown(servers, errc, a, budget, logger)
}

// listen opens the main listener and, with -metrics-addr, the metrics one.
func listen(cfg config) ([]net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("listen on -addr %s: %w", cfg.addr, err)
	}
	if cfg.metricsAddr == "" {
		return []net.Listener{ln}, nil
	}
	mln, err := net.Listen("tcp", cfg.metricsAddr)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen on -metrics-addr %s: %w", cfg.metricsAddr, err)
	}
	return []net.Listener{ln, mln}, nil
}

// shutdown stops taking requests, waits up to the budget's grace for those
// in flight, then closes the store. It is an error only when an answer had
// to be dropped or the store did not close.
func shutdown(servers []*http.Server, errc <-chan error, a *app.App, budget app.Budget, logger *slog.Logger) error {
	logger.Info("shutting down: no new requests; waiting for those in flight", "grace", budget.Shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), budget.Shutdown)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
			errs = append(errs, fmt.Errorf("shutdown: requests still running after %s were cut off: %w", budget.Shutdown, err))
		}
	}
	for range servers {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if err := a.Close(); err != nil {
		errs = append(errs, fmt.Errorf("closing the store: %w", err))
	}
	if len(errs) == 0 {
		logger.Info("stopped")
	}
	return errors.Join(errs...)
}

// newServer is an HTTP server whose timeouts come from the budget.
func newServer(h http.Handler, b app.Budget, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: b.ReadHeader,
		ReadTimeout:       b.Body,
		WriteTimeout:      b.Write,
		IdleTimeout:       b.Idle,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// startupLine is the one line printed on stdout: the URL to open and, in
// embedded mode, the public demo token to sign in with.
func startupLine(addr net.Addr, cfg config, demo []katapult.DemoToken) string {
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
// The file is written whole or not at all (a temporary file, synced, then
// renamed); one that is empty or does not hold a key (left by a crash of an
// older ipdesk, or cut short by a full disk) is replaced, with a warning:
// it never held a key that signed anything.
func loadOrCreateSessionKey(path string, logger *slog.Logger) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, derr := decodeSecret(strings.TrimSpace(string(b)))
		if derr == nil {
			return k, nil
		}
		logger.Warn("session key file holds no usable key: replacing it; signed-in users sign in again", "file", path, "problem", derr.Error())
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("session key file: %w", err)
	}
	k := make([]byte, minSessionKey)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24+)
	if err := writeFileAtomic(path, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("session key file: %w", err)
	}
	return k, nil
}

// writeFileAtomic writes data to path so that path holds either its old
// content or all of data, even across a crash: a temporary file in the
// same folder, synced, renamed over path, and the folder synced.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
