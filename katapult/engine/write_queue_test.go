package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

// holdWriteLock takes the store's write lock from another connection, as
// another process would, until the returned release (also run at cleanup).
func holdWriteLock(t *testing.T, dir string) (release func()) {
	t.Helper()
	other, err := sql.Open("sqlite", filepath.Join(dir, dbFileName)+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Error(err)
			}
			conn.Close()
			other.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// createAnswer is what a client got for a create.
type createAnswer struct {
	status  int
	address string
	code    katapult.Code
	err     error
}

// sendCreate sends an IPv6 create for acme in London and answers on the
// channel it returns.
func sendCreate(ctx context.Context, c *core.ClientWithResponses) <-chan createAnswer {
	out := make(chan createAnswer, 1)
	go func() {
		res, err := c.PostOrganizationIpAddressesWithResponse(ctx, createBodyOf("acme", "uk-lon-01-public", "ipv6"))
		var a createAnswer
		switch {
		case res == nil || res.HTTPResponse == nil:
			a.err = err // no answer: the client's own error
		case res.JSON200 != nil:
			a.status, a.address = res.StatusCode(), *res.JSON200.IpAddress.Address
		default:
			// The client reports a refusal as an error; the envelope says
			// which.
			var env struct{ Error errorBody }
			a.status, a.err = res.StatusCode(), json.Unmarshal(res.Body, &env)
			a.code = env.Error.Code
		}
		out <- a
	}()
	return out
}

// pendingIs waits until the store has n creates queued or running.
func pendingIs(t *testing.T, e *Engine, n int64) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%d creates to be queued or running", n), func() bool { return e.store.w.pending.Load() == n })
}

// TestCreatesWaitingForTheWriteLockAreAnsweredInTheOrderTheyCame: creates
// queue for the store's one write connection and are served first come,
// first served, so that none waits behind ones that came after it (a
// random or last-come order made the slowest creates wait for hundreds of
// others). The addresses, handed out in ascending order, show the order.
func TestCreatesWaitingForTheWriteLockAreAnsweredInTheOrderTheyCame(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := openEngine(t, Config{DataDir: dir})
	c := client(t, serve(t, e), staffToken)
	release := holdWriteLock(t, dir)

	const creates = 8
	answers := make([]<-chan createAnswer, creates)
	for i := range answers {
		answers[i] = sendCreate(context.Background(), c)
		pendingIs(t, e, int64(i+1)) // each one queued before the next is sent
	}
	release()
	var prev netip.Addr
	for i, ch := range answers {
		a := within(t, "an answer", ch)
		if a.err != nil || a.status != http.StatusOK {
			t.Fatalf("create %d: status %d, code %q, error %v; want 200", i+1, a.status, a.code, a.err)
		}
		addr := netip.MustParseAddr(a.address)
		if i > 0 && addr.Compare(prev) <= 0 {
			t.Errorf("create %d got %s, create %d before it %s: it was served before one that came earlier", i+1, addr, i, prev)
		}
		prev = addr
	}
}

// TestACreateWhoseClientGaveUpWhileWaitingCreatesNothing: a client that
// hangs up while its create waits, in the queue or for another process's
// write lock, gets no address, and none is held for it; the wait ends
// when the client goes, not when the lock does.
func TestACreateWhoseClientGaveUpWhileWaitingCreatesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		ahead int // creates sent before the one that gives up, which stay
	}{
		{"its transaction waited for another process's write lock", 0},
		{"it was queued behind another create", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			e := openEngine(t, Config{DataDir: dir})
			seeded := heldAddresses(t, e)
			c := client(t, serve(t, e), staffToken)
			release := holdWriteLock(t, dir)

			var stay []<-chan createAnswer
			for i := range tt.ahead {
				stay = append(stay, sendCreate(context.Background(), c))
				pendingIs(t, e, int64(i+1))
			}
			ctx, hangUp := context.WithCancel(context.Background())
			gone := sendCreate(ctx, c)
			pendingIs(t, e, int64(tt.ahead+1))
			hangUp()
			if a := within(t, "the given-up create's answer", gone); !errors.Is(a.err, context.Canceled) {
				t.Fatalf("the create given up got %+v, want the client's own cancellation", a)
			}
			pendingIs(t, e, int64(tt.ahead)) // before the lock is let go
			release()
			for i, ch := range stay {
				if a := within(t, "an answer", ch); a.status != http.StatusOK {
					t.Errorf("create %d ahead of it: %+v, want 200", i+1, a)
				}
			}
			if n := heldAddresses(t, e) - seeded; n != tt.ahead {
				t.Errorf("addresses made = %d, want %d: the create given up took one", n, tt.ahead)
			}
		})
	}
}

// TestCloseWaitsForACreateStillWaitingAndKeepsIt: Close lets a create that
// is waiting for the write lock finish and answer; the address survives a
// reopen, and a create after Close is refused as service_unavailable.
func TestCloseWaitsForACreateStillWaitingAndKeepsIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e, err := Open(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	c := client(t, serve(t, e), staffToken)
	release := holdWriteLock(t, dir)
	made := sendCreate(context.Background(), c)
	pendingIs(t, e, 1)

	closed := make(chan error, 1)
	go func() { closed <- e.Close() }()
	// Give a wrong Close time to return early.
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a create was still waiting", err)
	case <-time.After(200 * time.Millisecond):
	}
	release()
	a := within(t, "the create's answer", made)
	if a.status != http.StatusOK {
		t.Fatalf("the create Close waited for: %+v, want 200", a)
	}
	if err := within(t, "Close to return", closed); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if after := within(t, "the answer after Close", sendCreate(context.Background(), c)); after.code != katapult.CodeServiceUnavailable {
		t.Errorf("a create after Close: %+v, want service_unavailable", after)
	}

	again := openEngine(t, Config{DataDir: dir})
	row, ok, err := again.store.findIP(context.Background(), lookup{"address", a.address})
	if err != nil || !ok {
		t.Fatalf("address %s after reopening: found %v, %v; want it kept", a.address, ok, err)
	}
	if row.Addr.String() != a.address {
		t.Errorf("reopened store has %s, want %s", row.Addr, a.address)
	}
}

// TestAWriteQueuedWhenTheStoreClosesIsRefusedNotLost: the store's close
// (which Engine.Close reaches after its wait, even with requests left)
// finishes the transaction under way and refuses the ones queued, which
// then write nothing; none of them hangs.
func TestAWriteQueuedWhenTheStoreClosesIsRefusedNotLost(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := openEngine(t, Config{DataDir: dir})
	seeded := heldAddresses(t, e)
	req := newAddress{organizationID: mustFind(t, e, "acme"), networkID: mustNetwork(t, e, "uk-lon-01-public"), version: 6}
	release := holdWriteLock(t, dir)
	results := make([]chan error, 2)
	for i := range results {
		results[i] = make(chan error, 1)
		go func() {
			_, err := e.store.allocate(context.Background(), req)
			results[i] <- err
		}()
		pendingIs(t, e, int64(i+1))
	}
	closed := make(chan error, 1)
	go func() { closed <- e.store.close() }()
	if err := within(t, "the queued write's answer", results[1]); !errors.Is(err, errStoreClosed) {
		t.Errorf("the queued write: %v, want %v", err, errStoreClosed)
	}
	release()
	if err := within(t, "the answer of the write under way", results[0]); err != nil {
		t.Errorf("the write under way when the store closed: %v, want it committed", err)
	}
	if err := within(t, "close to return", closed); err != nil {
		t.Errorf("close: %v", err)
	}
	again := openEngine(t, Config{DataDir: dir})
	if n := heldAddresses(t, again) - seeded; n != 1 {
		t.Errorf("addresses made, after reopening = %d, want 1 (the write under way)", n)
	}
}

// TestAPanicInAWriteRollsItBackAndTheNextCreateWorks: a panic inside the
// writer's transaction reaches the caller (the API answers it as an
// unhandled_exception), what the transaction wrote is rolled back, and the
// writer goes on serving.
func TestAPanicInAWriteRollsItBackAndTheNextCreateWorks(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	seeded := heldAddresses(t, e)
	req := newAddress{organizationID: mustFind(t, e, "acme"), networkID: mustNetwork(t, e, "uk-lon-01-public"), version: 6}
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = e.store.w.write(context.Background(), func(tx *writeTx) error {
			if _, err := tx.allocate(req); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if s, _ := recovered.(string); !strings.Contains(s, "boom") {
		t.Fatalf("recovered %v, want the writer's panic", recovered)
	}
	if n := heldAddresses(t, e) - seeded; n != 0 {
		t.Errorf("addresses made despite the panic = %d, want 0", n)
	}
	if a := within(t, "the next create's answer", sendCreate(context.Background(), client(t, serve(t, e), staffToken))); a.status != http.StatusOK {
		t.Errorf("the create after the panic: %+v, want 200", a)
	}
}

// TestTheWriteConnectionCommitsEachCreateDurably: the connection creates
// go through has WAL, a full sync of every commit (a create acknowledged is
// on disk, not only in the WAL's page cache), foreign keys and a busy
// timeout, as the read connections have.
func TestTheWriteConnectionCommitsEachCreateDurably(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	ctx := context.Background()
	var mode string
	var synchronous, fk, busy int
	for pragma, dest := range map[string]any{
		"journal_mode": &mode, "synchronous": &synchronous, "foreign_keys": &fk, "busy_timeout": &busy,
	} {
		if err := e.store.w.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(dest); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
	}
	const full = 2 // SQLite's synchronous=FULL
	if mode != "wal" || synchronous < full || fk != 1 || busy < 1000 {
		t.Errorf("write connection: journal_mode %s, synchronous %d, foreign_keys %d, busy_timeout %d ms; want wal, at least %d (FULL), 1, at least 1000",
			mode, synchronous, fk, busy, full)
	}
	if n := e.store.w.db.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("the writer may open %d connections, want 1", n)
	}
}

// within receives from ch, or fails the test after 15 s.
func within[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatalf("waited 15 s for %s", what)
		panic("unreachable")
	}
}

func mustFind(t *testing.T, e *Engine, subDomain string) string {
	t.Helper()
	o, ok := e.cat.orgBy.find(lookup{"sub_domain", subDomain})
	if !ok {
		t.Fatalf("no organization %q", subDomain)
	}
	return o.ID
}

func mustNetwork(t *testing.T, e *Engine, permalink string) string {
	t.Helper()
	n, ok := e.cat.networkBy.find(lookup{"permalink", permalink})
	if !ok {
		t.Fatalf("no network %q", permalink)
	}
	return n.ID
}
