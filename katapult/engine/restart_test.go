package engine

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krystal/go-katapult/next/core"
)

// firstRun opens an engine on the demo seed in dir, lets run use it with
// the staff token over HTTP, then closes it, as a process that stops.
func firstRun(t *testing.T, dir string, run func(c *core.ClientWithResponses)) {
	t.Helper()
	e, err := Open(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, e)
	run(client(t, srv, staffToken))
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	srv.Close()
}

func TestARestartKeepsEveryAddressAndIgnoresANewSeed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var made core.IPAddress
	firstRun(t, dir, func(c *core.ClientWithResponses) {
		made = create(t, c, createBodyOf("acme", "nl-ams-01-small", "ipv4"))
	})

	var logs syncBuffer
	again := openEngine(t, Config{DataDir: dir, SeedFile: poolsSeed, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "seed file ignored") {
		t.Errorf("no log line says the seed was ignored: %s", logs.String())
	}
	if got := again.DemoTokens(); got[0].Token != staffToken {
		t.Fatalf("tokens after restart = %+v, want the demo seed's", got)
	}
	c := client(t, serve(t, again), staffToken)

	res, err := c.GetIpAddressWithResponse(context.Background(), &core.GetIpAddressParams{IpAddressId: made.Id})
	if err != nil {
		t.Fatalf("the address made before the restart is gone: %v: %s", err, res.Body)
	}
	if *res.JSON200.IpAddress.Address != "192.0.2.52" {
		t.Errorf("address after restart = %s", *res.JSON200.IpAddress.Address)
	}
	next := create(t, c, createBodyOf("acme", "nl-ams-01-small", "ipv4"))
	if *next.Address != "192.0.2.53" {
		t.Errorf("next address after restart = %s, want 192.0.2.53 (192.0.2.52 is taken)", *next.Address)
	}
}

func TestIDsGeneratedForASeedStayTheSameAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	orgID := func() string {
		e, err := Open(context.Background(), Config{DataDir: dir, SeedFile: poolsSeed})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		srv := serve(t, e)
		defer srv.Close()
		res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/organizations/_?organization[sub_domain]=test", "test-token", nil)
		wantStatus(t, res, body, http.StatusOK)
		return string(body)
	}
	before := orgID()
	if after := orgID(); after != before || !strings.Contains(before, `"id":"org_`) {
		t.Errorf("organization before restart %s, after %s", before, after)
	}
}

// TestAStoreOfThePreviousSchemaIsUpgradedAndKeepsItsAddresses: a data
// folder written by the ipdesk before addresses could be released and
// allocated (schema version 1) opens, keeps its addresses, gives its tokens
// ids, and serves edits and releases.
func TestAStoreOfThePreviousSchemaIsUpgradedAndKeepsItsAddresses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var made core.IPAddress
	firstRun(t, dir, func(c *core.ClientWithResponses) {
		made = create(t, c, createBodyOf("acme", "nl-ams-01-small", "ipv4"))
	})

	// Take the store back to version 1, as the previous ipdesk left it.
	old, err := sql.Open("sqlite", filepath.Join(dir, dbFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`ALTER TABLE organizations DROP COLUMN max_unallocated_ips`,
		`DROP INDEX tokens_by_api_token_id`,
		`ALTER TABLE tokens DROP COLUMN api_token_id`,
		`ALTER TABLE tokens DROP COLUMN user_id`,
		`DROP TABLE users`,
		`ALTER TABLE ip_addresses DROP COLUMN allocation_type`,
		`ALTER TABLE ip_addresses DROP COLUMN allocation_id`,
		`ALTER TABLE ip_addresses DROP COLUMN allocation_name`,
		`ALTER TABLE ip_addresses DROP COLUMN allocation_locked`,
		`PRAGMA user_version = 1`,
	} {
		if _, err := old.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	old.Close()

	again := openEngine(t, Config{DataDir: dir})
	c := client(t, serve(t, again), staffToken)
	if got, ok := getAddress(t, c, *made.Id); !ok || *got.Address != "192.0.2.52" {
		t.Fatalf("the address after the upgrade: found %v, %v", ok, got.Address)
	}
	var missing int
	if err := again.store.db.QueryRow(`SELECT count(*) FROM tokens WHERE api_token_id IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Errorf("tokens without an id after the upgrade: %d (%v)", missing, err)
	}
	patch(t, c, core.PatchIpAddressJSONRequestBody{IpAddress: core.IPAddressLookup{Id: made.Id}, ReverseDns: ptr("a.example.com")})
	release(t, c, *made.Id)
	if got := create(t, c, createBodyOf("acme", "nl-ams-01-small", "ipv4")); *got.Address != "192.0.2.52" {
		t.Errorf("the next create after the release got %s, want 192.0.2.52", *got.Address)
	}
}
