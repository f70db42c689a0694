package journal

import (
	"context"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// migrations holds one folder of goose SQL files per dialect: the tables
// differ in their id column (AUTOINCREMENT, IDENTITY) and boolean type,
// the queries of the package do not.
//
//go:embed migrations
var migrations embed.FS

// versionTable is goose's table of applied versions, named for ipdesk so
// that a database shared with other programs that use goose is not
// confused.
const versionTable = "ipdesk_schema_version"

// migrationLockID is the PostgreSQL advisory lock held while migrating
// the journal's tables in schema: the first of several processes starting
// at once migrates, the others wait for it and then find nothing to do.
// Advisory locks are per database; the schema is in the id so that
// journals in two schemas of one database do not wait for each other.
func migrationLockID(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("ipdesk journal migration\x00" + schema))
	return int64(h.Sum64())
}

// ErrSchemaTooNew is returned by Open for a database migrated by a newer
// ipdesk: this one does not know its tables and refuses to use them.
var ErrSchemaTooNew = errors.New("journal: the database's schema is newer than this ipdesk")

// migrate applies the migrations this binary has and the database lacks.
func (db *DB) migrate(ctx context.Context) error {
	files, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{goose.WithTableName(versionTable), goose.WithDisableGlobalRegistry(true)}
	gooseDialect := goose.DialectSQLite3
	if db.dialect == postgres {
		gooseDialect = goose.DialectPostgres
		// Held around everything below, the version table's creation
		// included (goose's own locker leaves that out and polls once a
		// second): replicas starting at once wait for one another only
		// as long as the migration takes.
		unlock, err := db.lockMigrations(ctx)
		if err != nil {
			return err
		}
		defer unlock()
	}
	// Not Close'd: closing a provider closes the database it was given.
	p, err := goose.NewProvider(gooseDialect, db.w, files, opts...)
	if err != nil {
		return err
	}
	var known int64
	for _, s := range p.ListSources() {
		known = max(known, s.Version)
	}
	for {
		current, err := p.GetDBVersion(ctx)
		if err != nil {
			return fmt.Errorf("read the schema version: %w", err)
		}
		if current > known {
			return fmt.Errorf("%w: it is at version %d and this ipdesk knows versions up to %d; run the ipdesk that migrated it, or a newer one", ErrSchemaTooNew, current, known)
		}
		_, upErr := p.Up(ctx)
		if upErr == nil {
			return nil
		}
		// SQLite has no lock that goose can hold across a migration: a
		// process that read the version just before another one applied
		// the same migration fails on its tables. If the version moved on
		// meanwhile, look again; if it did not, the failure is real.
		if db.dialect == sqlite {
			if after, err := p.GetDBVersion(ctx); err == nil && after > current {
				continue
			}
		}
		return fmt.Errorf("migrate the schema from version %d: %w", current, upErr)
	}
}

// lockMigrations takes the migration lock on a connection of its own and
// returns what releases it. pg_advisory_lock waits for the lock (ctx ends
// the wait); the session holds it until it is released or ends.
func (db *DB) lockMigrations(ctx context.Context) (unlock func(), err error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var schema string
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(current_schema(), '')`).Scan(&schema); err != nil {
		conn.Close()
		return nil, fmt.Errorf("read the current schema: %w", err)
	}
	id := migrationLockID(schema)
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, id); err != nil {
		conn.Close()
		return nil, fmt.Errorf("wait for the migration lock: %w", err)
	}
	return func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, id); err != nil {
			// A session that may still hold the lock must not go back
			// to the pool: ending it releases the lock.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}
