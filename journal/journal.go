// Package journal is the dashboard's own state: the journal of every
// create, edit and release (who, when, which organization, what was asked,
// the reference, the outcome), the claim of each form's one-time token that
// makes one click one address across replicas, and the sign-in sessions
// that sign-out revokes server-side.
//
// It speaks database/sql to SQLite (modernc, in the data folder; the
// default) or PostgreSQL (pgx; for replicas that share one journal), with
// versioned migrations applied by Open.
//
// The handlers' use, in order:
//   - sign-in: CreateSession, and Fingerprint for a token that has no user;
//   - every request: SessionActive;
//   - create, edit, release: Claim before the call is sent, Complete after;
//     a Claim that returns ErrClaimed carries the first post's row, shown
//     instead of sending the call again (Get follows it while it is pending);
//   - the activity pages: List, ExportCSV; an address's page: ForAddress;
//   - sign-out: RevokeSession;
//   - at start and daily: Prune.
package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	msqlite "modernc.org/sqlite"       // the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultRetention is how long journal rows are kept unless the operator
// says otherwise: the caller prunes rows older than this at start and
// daily.
const DefaultRetention = 400 * 24 * time.Hour

// DefaultPendingTimeout is Options.PendingTimeout's default.
const DefaultPendingTimeout = 2 * time.Minute

// FileName is the SQLite journal's file in the data folder.
const FileName = "ipdesk.db"

// Options are Open's settings besides where the database is.
type Options struct {
	// FingerprintKey keys Fingerprint's HMAC: at least 32 bytes, secret,
	// the same on every replica (derive it from the session keys).
	// Required.
	FingerprintKey []byte
	// PendingTimeout: a row still pending this long after it was claimed
	// reads as OutcomeUnknown (the process that claimed it died, or lost
	// the answer). Set it above the longest a create may take (the create
	// timeout and a margin). Zero means DefaultPendingTimeout. (On SQLite,
	// Open also marks every row still pending unknown: see Open.)
	PendingTimeout time.Duration
	// Now is the clock (UTC is taken of it); nil means time.Now. For tests.
	Now func() time.Time
}

// DB is an open journal. Its methods are safe for concurrent use.
type DB struct {
	r, w    *sql.DB // reads; writes (on SQLite one connection, on PostgreSQL the same pool)
	dialect dialect
	where   string // for logs: never a password
	key     []byte
	pending time.Duration
	now     func() time.Time
	// isActive is SessionActive's query, prepared once: it runs on every
	// signed-in request.
	isActive *sql.Stmt
}

type dialect string

const (
	sqlite   dialect = "sqlite"
	postgres dialect = "postgres"
)

// sqliteOptions: WAL lets reads go on while a row is written; the busy
// timeout makes a write wait for another process's write lock instead of
// failing; immediate transactions take the write lock at BEGIN, so a
// migration never fails to upgrade its lock halfway.
const sqliteOptions = "_busy_timeout=10000&_journal_mode=WAL&_txlock=immediate"

// Open opens the journal and brings its schema up to date. dsn empty means
// SQLite at dataDir/ipdesk.db (created if missing); a postgres:// or
// postgresql:// URL means PostgreSQL (pgx). Anything else is refused. A
// database whose schema is newer than this binary knows is refused with a
// message saying so; processes that start at once on one database migrate
// it once. On SQLite, Open marks rows left pending unknown at once: a SQLite
// journal belongs to one process, so they are calls of an earlier process
// that died before their answer (a late Complete still lands).
func Open(ctx context.Context, dsn, dataDir string, opts Options) (*DB, error) {
	if len(opts.FingerprintKey) < 32 {
		return nil, fmt.Errorf("%w: the fingerprint key has %d bytes; want at least 32", ErrInvalid, len(opts.FingerprintKey))
	}
	db := &DB{key: opts.FingerprintKey, pending: opts.PendingTimeout, now: opts.Now}
	if db.pending <= 0 {
		db.pending = DefaultPendingTimeout
	}
	if db.now == nil {
		db.now = time.Now
	}
	var err error
	switch {
	case dsn == "":
		err = db.openSQLite(filepath.Join(dataDir, FileName))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		err = db.openPostgres(dsn)
	default:
		return nil, fmt.Errorf("journal: database %q: want nothing (SQLite in the data folder) or a postgres:// URL", redact(dsn))
	}
	if err != nil {
		return nil, err
	}
	if err := db.start(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: %s: %w", db.where, err)
	}
	return db, nil
}

func (db *DB) openSQLite(path string) error {
	if strings.ContainsRune(path, '?') {
		return fmt.Errorf("journal: data folder %q: a '?' in the path is not supported", path)
	}
	db.dialect, db.where = sqlite, "SQLite "+path
	var err error
	if db.r, err = sql.Open("sqlite", path+"?"+sqliteOptions); err != nil {
		return fmt.Errorf("journal: %s: %w", db.where, err)
	}
	db.r.SetMaxOpenConns(4)
	if db.w, err = sql.Open("sqlite", path+"?"+sqliteOptions); err != nil {
		db.r.Close()
		return fmt.Errorf("journal: %s: %w", db.where, err)
	}
	// One writer: SQLite writes one transaction at a time anyway, and a
	// second write connection would only wait in its busy handler.
	db.w.SetMaxOpenConns(1)
	db.w.SetConnMaxIdleTime(0)
	db.w.SetConnMaxLifetime(0)
	return nil
}

func (db *DB) openPostgres(dsn string) error {
	db.dialect, db.where = postgres, "PostgreSQL "+redact(dsn)
	r, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("journal: %s: %w", db.where, err)
	}
	r.SetMaxOpenConns(16)
	r.SetMaxIdleConns(4)
	r.SetConnMaxIdleTime(5 * time.Minute)
	db.r, db.w = r, r
	return nil
}

// start checks the database answers, migrates it and prepares the
// per-request query.
func (db *DB) start(ctx context.Context) error {
	if err := db.ping(ctx); err != nil {
		return fmt.Errorf("cannot reach the database: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		return err
	}
	if db.dialect == sqlite {
		// A SQLite journal has one process (replicas share PostgreSQL):
		// rows pending at start were left by a process that died during
		// the call. PostgreSQL's may be other replicas' calls in flight;
		// those read as unknown after PendingTimeout instead.
		if _, err := db.w.ExecContext(ctx, `UPDATE journal SET outcome = 'unknown' WHERE outcome = 'pending'`); err != nil {
			return fmt.Errorf("mark the calls of an earlier process unknown: %w", err)
		}
	}
	var err error
	db.isActive, err = db.r.PrepareContext(ctx, `SELECT expires_us FROM sessions WHERE id_hash = $1`)
	return err
}

// ping opens the first connection. On SQLite that connection switches a
// new file to WAL, which needs the file to itself and fails (SQLITE_BUSY,
// without waiting in the busy handler) while another process opens it
// too: a few tries, a moment apart, get past that.
func (db *DB) ping(ctx context.Context) error {
	for try := 1; ; try++ {
		err := db.r.PingContext(ctx)
		var busy *msqlite.Error
		if err == nil || db.dialect != sqlite || try == 50 || !errors.As(err, &busy) || busy.Code()&0xff != sqlite3.SQLITE_BUSY {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// String names the database for logs: the dialect and the file, or the
// URL without its password.
func (db *DB) String() string { return db.where }

// Ping reports whether the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	return db.r.PingContext(ctx)
}

// Close closes the database. Calls after the first return an error.
func (db *DB) Close() error {
	var errs []error
	if db.isActive != nil {
		errs = append(errs, db.isActive.Close())
	}
	if db.w != nil && db.w != db.r {
		errs = append(errs, db.w.Close())
	}
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	return errors.Join(errs...)
}

// redact returns dsn with its password (if any) replaced, for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "(unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// clock is the current time in microseconds since 1970, UTC: the form
// every time has in the database.
func (db *DB) clock() int64 { return db.now().UnixMicro() }

// fromMicros turns a stored time into a UTC time.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
