package engine

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
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
	dir, made := oldStoreWithAnAddress(t)
	again := openEngine(t, Config{DataDir: dir})
	c := client(t, serve(t, again), staffToken)
	if got, ok := getAddress(t, c, *made.Id); !ok || *got.Address != "192.0.2.3" {
		t.Fatalf("the address after the upgrade: found %v, %v", ok, got.Address)
	}
	var missing int
	if err := again.store.db.QueryRow(`SELECT count(*) FROM tokens WHERE api_token_id IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Errorf("tokens without an id after the upgrade: %d (%v)", missing, err)
	}
	patch(t, c, core.PatchIpAddressJSONRequestBody{IpAddress: core.IPAddressLookup{Id: made.Id}, ReverseDns: ptr("a.example.com")})
	release(t, c, *made.Id)
	if got := create(t, c, createBodyOf("acme", "uk-lon-01-public", "ipv4")); *got.Address != "192.0.2.3" {
		t.Errorf("the next create after the release got %s, want 192.0.2.3", *got.Address)
	}
}

// addressAnswer reads one address as GET /ip_addresses/_ answers it, from a
// fresh engine on dir, which is closed again before it returns.
func addressAnswer(t *testing.T, dir, token, id string) []byte {
	t.Helper()
	e, err := Open(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv := serve(t, e)
	defer srv.Close()
	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/ip_addresses/_?ip_address[id]="+id, token, nil)
	wantStatus(t, res, body, http.StatusOK)
	return body
}

func TestSubnetIDsGivenOrGeneratedStayTheSameAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := seedParts{nets: []string{netJSON("pub", `{"id":"sbnt_GivenBySeed0001","cidr":"192.0.2.0/30"},{"cidr":"198.51.100.0/30"}`)}}.json()
	e := openEngine(t, Config{DataDir: dir, SeedFile: writeSeed(t, seed)})
	srv := serve(t, e)
	var made []string
	for range 4 { // two addresses of each /30
		_, id, _ := createRaw(t, srv, "t1", "acme", "pub", "ipv4")
		made = append(made, id)
	}
	srv.Close()
	e.Close()
	first := string(subnetOf(t, addressAnswer(t, dir, "t1", made[0]))["id"])
	generated := string(subnetOf(t, addressAnswer(t, dir, "t1", made[2]))["id"])
	if first != `"sbnt_GivenBySeed0001"` || !subnetIDPattern.MatchString(strings.Trim(generated, `"`)) {
		t.Fatalf("subnet ids = %s, %s; want the seed's and a generated one", first, generated)
	}
	if again := string(subnetOf(t, addressAnswer(t, dir, "t1", made[3]))["id"]); again != generated {
		t.Errorf("the generated subnet id was %s, after a restart %s", generated, again)
	}
}

func TestAStoreOfSchemaVersion1IsUpgradedInPlace(t *testing.T) {
	t.Parallel()
	dir, made := oldStoreWithAnAddress(t)
	sub := subnetOf(t, addressAnswer(t, dir, staffToken, *made.Id))
	id := string(sub["id"])
	if !subnetIDPattern.MatchString(strings.Trim(id, `"`)) || string(sub["gateway"]) != "null" || string(sub["address"]) != `"192.0.2.0"` {
		t.Errorf("subnet after the upgrade = %v, want a new id, no gateway (it was not kept), its address", sub)
	}
	if again := string(subnetOf(t, addressAnswer(t, dir, staffToken, *made.Id))["id"]); again != id {
		t.Errorf("subnet id after the upgrade %s, after one more restart %s", id, again)
	}
	srv := serve(t, openEngine(t, Config{DataDir: dir}))
	res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/organizations/_/available_networks?organization[sub_domain]=acme", staffToken, nil)
	wantStatus(t, res, body, http.StatusOK)
	if !strings.Contains(string(body), `"virtual_networks":[]`) {
		t.Errorf("available networks of an upgraded store = %s, want no virtual networks", body)
	}
	next := create(t, client(t, srv, staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	if *next.Address != "192.0.2.4" {
		t.Errorf("next address after the upgrade = %s, want 192.0.2.4", *next.Address)
	}
}

// oldStoreWithAnAddress is a folder with a store of schema version 1, on
// the demo seed, holding acme's first IPv4 address of uk-lon-01-public.
func oldStoreWithAnAddress(t *testing.T) (dir string, made core.IPAddress) {
	t.Helper()
	dir = t.TempDir()
	e := openEngine(t, Config{DataDir: dir})
	made = create(t, client(t, serve(t, e), staffToken), createBodyOf("acme", "uk-lon-01-public", "ipv4"))
	e.Close()
	downgradeToVersion1(t, dir)
	return dir, made
}

// downgradeToVersion1 turns the store in dir back into what ipdesk wrote
// before addresses had allocations, organizations limits and tokens ids and
// users, subnets ids and gateways, and seeds virtual networks.
func downgradeToVersion1(t *testing.T, dir string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, dbFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`DROP INDEX subnets_by_id`, `ALTER TABLE subnets DROP COLUMN id`, `ALTER TABLE subnets DROP COLUMN gateway`,
		`DROP TABLE virtual_networks`,
		`ALTER TABLE organizations DROP COLUMN max_unallocated_ips`,
		`DROP INDEX tokens_by_api_token_id`, `ALTER TABLE tokens DROP COLUMN api_token_id`,
		`ALTER TABLE tokens DROP COLUMN user_id`, `DROP TABLE users`,
		`ALTER TABLE ip_addresses DROP COLUMN allocation_type`, `ALTER TABLE ip_addresses DROP COLUMN allocation_id`,
		`ALTER TABLE ip_addresses DROP COLUMN allocation_name`, `ALTER TABLE ip_addresses DROP COLUMN allocation_locked`,
		`PRAGMA user_version = 1`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

func TestProcessesOpeningOneOldStoreAtOnceUpgradeItOnce(t *testing.T) {
	t.Parallel()
	dir, made := oldStoreWithAnAddress(t)

	// Each Open has its own connections to the file, as another process would.
	const n = 4
	engines := make([]*Engine, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { engines[i], errs[i] = Open(context.Background(), Config{DataDir: dir}) })
	}
	wg.Wait()
	ids := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("open %d: %v", i, errs[i])
		}
		srv := serve(t, engines[i])
		res, body := rawRequest(t, srv, http.MethodGet, "/core/v1/ip_addresses/_?ip_address[id]="+*made.Id, staffToken, nil)
		wantStatus(t, res, body, http.StatusOK)
		ids[string(subnetOf(t, body)["id"])] = true
		engines[i].Close()
	}
	if len(ids) != 1 {
		t.Errorf("the processes see the subnet as %v, want one id", ids)
	}
}
