package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the engine's SQLite, for the yardstick
)

// yardstickDSN opens the yardstick as the engine opens its store: WAL,
// the same busy timeout, transactions that take the write lock at BEGIN,
// and SQLite's default synchronous (FULL: each commit syncs the WAL).
const yardstickDSN = "_busy_timeout=10000&_journal_mode=WAL&_txlock=immediate"

// yardstick is the fastest durable create SQLite allows on this disk: one
// writer, one prepared INSERT of a 16-byte key, one commit each.
type yardstick struct {
	db          *sql.DB
	ins         *sql.Stmt
	synchronous int // as SQLite reports it: 2 is FULL
}

// openYardstick creates its database in dir, which should be on the disk
// of the engine's data folder.
func openYardstick(ctx context.Context, dir string) (*yardstick, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "yardstick.db")+"?"+yardstickDSN)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one writer, one connection
	y := &yardstick{db: db}
	fail := func(err error) (*yardstick, error) {
		db.Close()
		return nil, fmt.Errorf("the SQLite yardstick: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS commits (seq INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE)`); err != nil {
		return fail(err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&y.synchronous); err != nil {
		return fail(err)
	}
	if y.ins, err = db.PrepareContext(ctx, `INSERT INTO commits (key) VALUES (?)`); err != nil {
		return fail(err)
	}
	return y, nil
}

// run commits one insert per transaction for d and reports commits a
// second.
func (y *yardstick) run(ctx context.Context, d time.Duration) (float64, error) {
	key := make([]byte, 16)
	start := time.Now()
	end := start.Add(d)
	n := 0
	for time.Now().Before(end) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
		tx, err := y.db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		if _, err := tx.StmtContext(ctx, y.ins).ExecContext(ctx, key); err != nil {
			tx.Rollback()
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func (y *yardstick) close() error {
	y.ins.Close()
	return y.db.Close()
}
