// Package journaltest gives tests of the journal, and of the processes that
// use it, a PostgreSQL of their own.
package journaltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Postgres is a schema of its own in the PostgreSQL of
// IPDESK_TEST_POSTGRES, dropped after the test, as a postgres:// URL whose
// search_path is that schema: tests run in parallel in one database. When
// the variable is unset the test is skipped, except in CI (CI=true), where
// it fails: CI must test both databases.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("IPDESK_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("IPDESK_TEST_POSTGRES is unset: in CI the journal's tests must run against PostgreSQL too (.ci/run starts one with .ci/postgres)")
		}
		t.Skip("IPDESK_TEST_POSTGRES is unset: skipping the PostgreSQL variant (see README, Testing)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("PostgreSQL at IPDESK_TEST_POSTGRES: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
