package journal

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"ipdesk/journal/journaltest"
)

// testKey is the fingerprint key of the tests' journals.
var testKey = bytes.Repeat([]byte("k"), 32)

// place is where a test's journal lives: an SQLite data folder, or a
// schema of its own in the PostgreSQL database of IPDESK_TEST_POSTGRES.
// Opening one place twice gives two handles on one journal, as two
// processes would have.
type place struct {
	name string // "sqlite" or "postgres"
	dsn  string // "" for SQLite
	dir  string // the data folder (SQLite)
}

// eachDB runs f as a subtest on a fresh SQLite journal, then on a fresh
// PostgreSQL one.
func eachDB(t *testing.T, f func(t *testing.T, p place)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, sqlitePlace(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, postgresPlace(t))
	})
}

func sqlitePlace(t testing.TB) place {
	return place{name: "sqlite", dir: t.TempDir()}
}

// postgresPlace is a schema of its own for the test, dropped after it:
// tests run in parallel in one database.
func postgresPlace(t testing.TB) place {
	return place{name: "postgres", dsn: journaltest.Postgres(t)}
}

// open opens the journal at p, closed when the test ends.
func (p place) open(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := p.tryOpen(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (p place) tryOpen(opts Options) (*DB, error) {
	if opts.FingerprintKey == nil {
		opts.FingerprintKey = testKey
	}
	return Open(context.Background(), p.dsn, p.dir, opts)
}

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// staff is a signed-in user of the tests.
var staff = Who{UserID: "user_jane", UserName: "Jane Smith"}

// aCreate is a create's row as a handler fills it before the call.
func aCreate(token string) Entry {
	return Entry{
		Who:       staff,
		Org:       Org{ID: "org_acme", SubDomain: "acme"},
		Action:    ActionCreate,
		Request:   Request{NetworkID: "netw_lon", NetworkName: "Public Network", Version: "ipv4", VIP: true, Label: "web-1"},
		Reference: "TCK-1001",
		RequestID: "req-1",
		FormToken: token,
	}
}

// claim claims e and fails the test on an error.
func claim(t testing.TB, db *DB, e Entry) Entry {
	t.Helper()
	got, err := db.Claim(context.Background(), e)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return got
}

// ids lists the rows' ids in order.
func ids(es []Entry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
