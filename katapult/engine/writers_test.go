package engine

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReadsAnswerWhileCreatesWaitForTheWriteLock: creates queued behind a
// write lock must not hold every pooled connection, or a read of one
// address waits for them. The load program found it: under 200 users on a
// busy machine the result page's read of the new address timed out after
// 10 s (502) while creates waited in SQLite's busy handler.
func TestReadsAnswerWhileCreatesWaitForTheWriteLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := openEngine(t, Config{DataDir: dir})
	var entered atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			entered.Add(1)
		}
		e.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	made := create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv6"))
	entered.Store(0)

	// Another process, as it were, holds the write lock.
	other, err := sql.Open("sqlite", filepath.Join(dir, dbFileName)+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	lock, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var release sync.Once
	unlock := func() {
		release.Do(func() {
			if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Error(err)
			}
		})
	}
	defer unlock()

	// More creates than the store has connections.
	const creates = 12
	done := make(chan error, creates)
	for range creates {
		go func() {
			done <- sendOK(srv, http.MethodPost, "/core/v1/organizations/_/ip_addresses",
				`{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":"ipv6"}`)
		}()
	}
	waitUntil(t, "every create to reach the engine", func() bool { return entered.Load() == creates })
	// Unfixed, the waiting creates take every connection within
	// microseconds; fixed, they never do, and the wait ends at its bound.
	deadline := time.Now().Add(500 * time.Millisecond)
	for e.store.db.Stats().InUse < e.store.db.Stats().MaxOpenConnections && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}

	// The read must not wait for the lock: give it 3 s, then let the
	// creates through so that an unfixed engine fails instead of hanging.
	read := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		if err := sendOK(srv, http.MethodGet, "/core/v1/ip_addresses/_?ip_address[id]="+*made.Id, ""); err != nil {
			t.Errorf("the read: %v", err)
		}
		read <- time.Since(start)
	}()
	var took time.Duration
	select {
	case took = <-read:
	case <-time.After(3 * time.Second):
		unlock()
		took = <-read
		t.Errorf("reading one address took %s while %d creates waited for the write lock: they held every connection",
			took.Round(time.Millisecond), creates)
	}
	unlock()
	for range creates {
		if err := <-done; err != nil {
			t.Errorf("a create: %v", err)
		}
	}
	t.Logf("the read took %s while the creates waited", took.Round(time.Microsecond))
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sendOK sends a request with the staff token and wants 200; it reports
// through its error, so that it may run in any goroutine.
func sendOK(srv *httptest.Server, method, path, body string) error {
	return sendAs(srv, staffToken, method, path, body)
}

// sendAs is sendOK with any token.
func sendAs(srv *httptest.Server, token, method, path, body string) error {
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s answered %d: %s", method, path, res.StatusCode, b)
	}
	return err
}
