package engine

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/krystal/go-katapult/next/core"
)

func TestARestartKeepsEveryAddressAndIgnoresANewSeed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := Open(context.Background(), Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, first)
	made := create(t, client(t, srv, staffToken), createBodyOf("acme", "nl-ams-01-small", "ipv4"))
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	var logs syncBuffer
	again := openEngine(t, Config{DataDir: dir, SeedFile: poolsSeed, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "seed file ignored") {
		t.Errorf("no log line says the seed was ignored: %s", logs.String())
	}
	if got := again.DemoTokens(); got[0].Token != staffToken {
		t.Fatalf("tokens after restart = %+v, want the demo seed's", got)
	}
	srv = serve(t, again)
	c := client(t, srv, staffToken)

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
