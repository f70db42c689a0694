package engine

import (
	"context"
	"database/sql"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

const poolsSeed = "testdata/pools.json"

func TestAllocationTakesTheLowestFreeAddressOfTheFirstSubnetInSeedOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version core.IPAddressVersionEnum
		want    []string // address/mask, in the order they are handed out
	}{
		{"IPv4 skips the gateway, reserved, network and broadcast addresses, then follows seed order", "ipv4", []string{
			"198.51.100.66/29", "198.51.100.68/29", "198.51.100.69/29", "198.51.100.70/29",
			"198.51.100.0/31", "198.51.100.1/31", "198.51.100.200/32",
		}},
		{"IPv6 keeps a /127 whole, then skips the subnet-router and reserved addresses", "ipv6", []string{
			"2001:db8:1::/127", "2001:db8:1::1/127", "2001:db8:2::2/64", "2001:db8:2::3/64",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, openEngine(t, Config{SeedFile: poolsSeed}))
			c := client(t, srv, "test-token")
			for _, want := range tt.want {
				ip := create(t, c, createBodyOf("test", "order", tt.version))
				if *ip.AddressWithMask != want {
					t.Fatalf("address = %s, want %s", *ip.AddressWithMask, want)
				}
			}
		})
	}
}

func TestTheAllocationQueryIsAnIndexSearchAndNeverAScan(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{SeedFile: poolsSeed})
	plan := queryPlan(t, e, nextFreeQuery, "netw_x", 4)
	searches := 0
	for _, step := range plan {
		if strings.HasPrefix(step, "SEARCH") && strings.Contains(step, "USING") {
			searches++
		}
		if strings.Contains(step, "SCAN") || strings.Contains(step, "TEMP B-TREE") {
			t.Errorf("plan step %q scans or sorts", step)
		}
	}
	if searches != 2 {
		t.Errorf("plan = %q, want an index search of subnets and one of free_ranges", plan)
	}
}

// queryPlan is SQLite's plan of a query, one step a line.
func queryPlan(t *testing.T, e *Engine, query string, args ...any) []string {
	t.Helper()
	rows, err := e.store.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestTheStoreRefusesToHoldOneAddressTwiceEvenIfTheAllocatorErrs(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{SeedFile: poolsSeed})
	srv := serve(t, e)
	c := client(t, srv, "test-token")
	first := create(t, c, createBodyOf("test", "pool", "ipv4"))

	// Break the free list: give the taken address back as if it were free.
	_, err := e.store.db.Exec(`UPDATE free_ranges SET first = ? WHERE first = ?`,
		addrKey(netip.MustParseAddr(*first.Address)), addrKey(netip.MustParseAddr("192.0.2.3")))
	if err != nil {
		t.Fatal(err)
	}
	res, _ := c.PostOrganizationIpAddressesWithResponse(context.Background(), createBodyOf("test", "pool", "ipv4"))
	wantError(t, res.HTTPResponse, res.Body, katapult.CodeServiceUnavailable)
	var n int
	if err := e.store.db.QueryRow(`SELECT count(*) FROM ip_addresses`).Scan(&n); err != nil || n != 1 {
		t.Errorf("addresses held = %d (%v), want 1", n, err)
	}
	// The create is one transaction: its free-range update was rolled back
	// with the refused insert, so the broken range is still as it was.
	if err := e.store.db.QueryRow(`SELECT count(*) FROM free_ranges WHERE first = ?`,
		addrKey(netip.MustParseAddr(*first.Address))).Scan(&n); err != nil || n != 1 {
		t.Errorf("free ranges starting at %s = %d (%v), want 1: the failed create's update was kept", *first.Address, n, err)
	}
}

func TestTheStoreUsesWALABusyTimeoutAndForeignKeysOnEveryConnection(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	ctx := context.Background()
	// Hold several connections at once, so that more than one is checked.
	var conns []*sql.Conn
	for range 3 {
		c, err := e.store.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var mode string
		var busy, fk int
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || busy < 1000 || fk != 1 {
			t.Errorf("connection %d: journal_mode %s, busy_timeout %d ms, foreign_keys %d; want wal, at least 1000, 1", i, mode, busy, fk)
		}
		c.Close()
	}
}

func TestParallelCreatesIntoASmallPoolGiveEachAddressOnceAndThenRunDry(t *testing.T) {
	t.Parallel()
	const creates, pool = 64, 27 // 192.0.2.0/28 less 3, 192.0.2.16/28 less 2
	srv := serve(t, openEngine(t, Config{SeedFile: poolsSeed}))
	c := client(t, srv, "test-token")
	var (
		mu    sync.Mutex
		got   []string
		dry   int
		wg    sync.WaitGroup
		other []string
	)
	start := make(chan struct{})
	for range creates {
		wg.Go(func() {
			<-start
			res, err := c.PostOrganizationIpAddressesWithResponse(context.Background(), createBodyOf("test", "pool", "ipv4"))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && res.StatusCode() == http.StatusOK:
				got = append(got, *res.JSON200.IpAddress.Address)
			case res != nil && res.StatusCode() == http.StatusServiceUnavailable && errorOf(t, res.Body).Code == katapult.CodeNoAvailableAddresses:
				dry++
			default:
				other = append(other, string(res.Body))
			}
		})
	}
	close(start)
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("unexpected answers: %q", other)
	}
	slices.Sort(got)
	if len(got) != pool || len(slices.Compact(slices.Clone(got))) != pool || dry != creates-pool {
		t.Errorf("created %d (distinct %d), ran dry %d; want %d distinct and %d dry",
			len(got), len(slices.Compact(slices.Clone(got))), dry, pool, creates-pool)
	}
}
