package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"ipdesk/app"
)

// target is the ipdesk under load: built by app.New, the function the
// binary serves, in this process, so that the load measures the server's
// own code with nothing in between but loopback TCP.
type target struct {
	url     string
	app     *app.App
	srv     *http.Server
	dataDir string
	served  chan error
}

// Timeouts as the binary's defaults: -katapult-timeout 10s and
// -create-timeout 30s.
const (
	readTimeout   = 10 * time.Second
	createTimeout = 30 * time.Second
)

// startIpdesk seeds a fresh embedded store in a temporary folder and
// serves ipdesk on a free loopback port. Its error lines go to logTo.
func startIpdesk(ctx context.Context, cfg config, logTo io.Writer) (*target, error) {
	dir, err := os.MkdirTemp("", "ipdesk-load-")
	if err != nil {
		return nil, err
	}
	t := &target{dataDir: dir, served: make(chan error, 1)}
	fail := func(err error) (*target, error) {
		t.close()
		return nil, err
	}
	seed, err := loadSeed(cfg.users, cfg.orgs)
	if err != nil {
		return fail(err)
	}
	seedFile := filepath.Join(dir, "load-seed.json")
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		return fail(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	budget := app.NewBudget(readTimeout, createTimeout)
	// Only errors: one line a request would cost the run more than the
	// requests.
	logger := slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelError}))
	t.app, err = app.New(ctx, app.Config{
		DataDir: filepath.Join(dir, "data"), SeedFile: seedFile, RateLimit: cfg.rateLimit,
		SessionKeys: [][]byte{key}, Budget: budget, MetricsOnMain: true, Logger: logger,
	})
	if err != nil {
		return fail(fmt.Errorf("starting ipdesk: %w", err))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	t.url = "http://" + ln.Addr().String()
	t.srv = &http.Server{
		Handler:           t.app.Handler(),
		ReadHeaderTimeout: budget.ReadHeader,
		ReadTimeout:       budget.Body,
		WriteTimeout:      budget.Write,
		IdleTimeout:       budget.Idle,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	go func() { t.served <- t.srv.Serve(ln) }()
	return t, nil
}

// close stops the server, closes the store and removes the folder.
func (t *target) close() {
	if t.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := t.srv.Shutdown(ctx); err != nil {
			t.srv.Close()
		}
		if err := <-t.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "ipdesk-load: serving:", err)
		}
	}
	if t.app != nil {
		t.app.Close()
	}
	os.RemoveAll(t.dataDir)
}
