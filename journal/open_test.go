package journal

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestAJournalKeepsItsRowsAcrossARestart(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		db := p.open(t, Options{})
		first := claim(t, db, aCreate("form-1"))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		again := p.open(t, Options{})
		got, err := again.Get(context.Background(), first.ID)
		if err != nil {
			t.Fatalf("Get after reopening: %v", err)
		}
		if got.Request != first.Request || got.FormToken != "form-1" || !got.At.Equal(first.At) {
			t.Errorf("after reopening: %+v, want %+v", got, first)
		}
	})
}

func TestTheSQLiteJournalIsIpdeskDbInTheDataFolderInWALMode(t *testing.T) {
	t.Parallel()
	p := sqlitePlace(t)
	db := p.open(t, Options{})
	if _, err := os.Stat(filepath.Join(p.dir, "ipdesk.db")); err != nil {
		t.Fatalf("the journal's file: %v", err)
	}
	if db.String() != "SQLite "+filepath.Join(p.dir, "ipdesk.db") {
		t.Errorf("String() = %q", db.String())
	}
	ctx := context.Background()
	for name, conn := range map[string]*sql.DB{"reads": db.r, "writes": db.w} {
		var mode string
		var busy int
		if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || busy < 1000 {
			t.Errorf("%s connection: journal_mode %s, busy_timeout %d ms; want wal, at least 1000", name, mode, busy)
		}
	}
	if n := db.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("the write pool may open %d connections; want 1 (one writer)", n)
	}
}

func TestOpenRefusesASchemaNewerThanItKnows(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		db := p.open(t, Options{})
		// What a newer ipdesk leaves behind: a version this one lacks.
		if _, err := db.w.ExecContext(context.Background(),
			`INSERT INTO `+versionTable+` (version_id, is_applied) VALUES (99, TRUE)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err := p.tryOpen(Options{})
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("Open of a database at version 99: %v; want ErrSchemaTooNew", err)
		}
		if !strings.Contains(err.Error(), "version 99") || !strings.Contains(err.Error(), "up to 1") {
			t.Errorf("the message %q does not name both versions", err)
		}
	})
}

func TestProcessesStartingAtOnceMigrateOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		const n = 6
		dbs := make([]*DB, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				dbs[i], errs[i] = p.tryOpen(Options{})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open %d of %d: %v", i+1, n, err)
				continue
			}
			t.Cleanup(func() { dbs[i].Close() })
		}
		if t.Failed() {
			return
		}
		var applied int
		if err := dbs[0].r.QueryRowContext(context.Background(),
			`SELECT COUNT(*) FROM `+versionTable+` WHERE version_id = 1`).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if applied != 1 {
			t.Errorf("version 1 was applied %d times; want once", applied)
		}
		// Every handle works on the one journal.
		for i, db := range dbs {
			claim(t, db, aCreate("form-"+string(rune('a'+i))))
		}
	})
}

func TestOpenRefusesWhatIsNotSQLiteOrPostgreSQL(t *testing.T) {
	t.Parallel()
	for _, dsn := range []string{"mysql://u@127.0.0.1/x", "ipdesk.db", "sqlite:///tmp/x.db"} {
		_, err := Open(context.Background(), dsn, t.TempDir(), Options{FingerprintKey: testKey})
		if err == nil || !strings.Contains(err.Error(), "postgres://") {
			t.Errorf("Open(%q): %v; want a refusal that says what is accepted", dsn, err)
		}
	}
}

func TestOpenNeverShowsThePostgreSQLPassword(t *testing.T) {
	t.Parallel()
	// Port 1 refuses connections: Open fails, and says where it tried.
	for _, dsn := range []string{
		"postgres://ipdesk:s3cretpw@127.0.0.1:1/journal?connect_timeout=2",
		"postgresql://127.0.0.1:1/journal?user=ipdesk&password=s3cretpw&connect_timeout=2",
	} {
		_, err := Open(context.Background(), dsn, t.TempDir(), Options{FingerprintKey: testKey})
		if err == nil {
			t.Fatalf("Open(%s) succeeded; want a connection error", dsn)
		}
		if strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("the error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("the error does not say where: %v", err)
		}
	}
	if got := redact("postgres://ipdesk:s3cretpw@db:5432/j?sslmode=require"); strings.Contains(got, "s3cretpw") {
		t.Errorf("redact left the password: %s", got)
	}
}

func TestOpenRefusesAShortFingerprintKey(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), "", t.TempDir(), Options{FingerprintKey: []byte("short")})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("Open with a 5-byte key: %v; want ErrInvalid", err)
	}
}
