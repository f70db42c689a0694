package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/krystal/go-katapult/next/core"

	"ipdesk/katapult"
)

// release releases an address with the generated client and wants 200.
func release(t testing.TB, c *core.ClientWithResponses, id string) {
	t.Helper()
	res, err := c.DeleteIpAddressWithResponse(context.Background(), core.DeleteIpAddressJSONRequestBody{
		IpAddress: core.IPAddressLookup{Id: &id}})
	if err != nil {
		t.Fatalf("release %s: %v", id, err)
	}
	wantStatus(t, res.HTTPResponse, res.Body, http.StatusOK)
}

func TestAReleasedAddressIsHandedOutAgainByTheLowestFreeRule(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	c := client(t, serve(t, e), staffToken)
	small := func() core.IPAddress { return create(t, c, createBodyOf("acme", "nl-ams-01-small", "ipv4")) }
	a, b, d := small(), small(), small() // .52, .53, .54: the whole pool
	res, _ := c.PostOrganizationIpAddressesWithResponse(context.Background(), createBodyOf("acme", "nl-ams-01-small", "ipv4"))
	wantError(t, res.HTTPResponse, res.Body, katapult.CodeNoAvailableAddresses)

	release(t, c, *b.Id)
	if got := small(); *got.Address != *b.Address || *got.Id == *b.Id {
		t.Errorf("after releasing %s, the next create got %s (id %s, the released one was %s)", *b.Address, *got.Address, *got.Id, *b.Id)
	}
	release(t, c, *d.Id)
	release(t, c, *a.Id)
	for _, want := range []string{*a.Address, *d.Address} {
		if got := small(); *got.Address != want {
			t.Errorf("next create got %s, want %s, the lowest free", *got.Address, want)
		}
	}
}

func TestAReleaseLeavesTheAddressesCountedRight(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{})
	c := client(t, serve(t, e), staffToken)
	pool := func() Pool {
		pools, err := e.Pools(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pools {
			if p.Network == "uk-lon-01-edge" && p.Version == 4 {
				return p
			}
		}
		t.Fatal("no IPv4 pool of uk-lon-01-edge")
		return Pool{}
	}
	before := pool()
	ip := create(t, c, createBodyOf("acme", "uk-lon-01-edge", "ipv4"))
	if p := pool(); p.Used != before.Used+1 || p.Free != before.Free-1 {
		t.Errorf("after a create: %+v, before %+v", p, before)
	}
	release(t, c, *ip.Id)
	if p := pool(); p != before {
		t.Errorf("after the release: %+v, want %+v", p, before)
	}
	list, err := c.GetOrganizationIpAddressesWithResponse(context.Background(),
		&core.GetOrganizationIpAddressesParams{OrganizationSubDomain: ptr("acme")})
	if err != nil || list.JSON200.Pagination.Total.MustGet() != 0 || len(list.JSON200.IpAddresses) != 0 {
		t.Errorf("acme's list after the release: %s (%v)", list.Body, err)
	}
}

// freeRangesOf reads a subnet's free ranges as the store holds them.
func freeRangesOf(t testing.TB, e *Engine, cidr string) []addrRange {
	t.Helper()
	rows, err := e.store.db.Query(`SELECT f.first, f.last FROM free_ranges AS f JOIN subnets AS s ON s.seq = f.subnet_seq
		WHERE s.cidr = ? ORDER BY f.first`, cidr)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []addrRange
	for rows.Next() {
		var f, l []byte
		if err := rows.Scan(&f, &l); err != nil {
			t.Fatal(err)
		}
		first, _ := addrFromKey(f)
		last, _ := addrFromKey(l)
		out = append(out, addrRange{first, last})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReleasesKeepTheFreeRangesTheFewestTheyCanBe: whatever the order of
// creates and releases, a subnet's free ranges are exactly the free
// addresses in the fewest ranges, as if the seed had been loaded with the
// held addresses reserved: a release joins the ranges on either side.
func TestReleasesKeepTheFreeRangesTheFewestTheyCanBe(t *testing.T) {
	t.Parallel()
	const cidr = "198.51.100.0/27" // 30 addresses, less the gateway
	seed := seedParts{nets: []string{netJSON("pub", `{"cidr":"`+cidr+`","gateway":"198.51.100.1"}`)}}.json()
	e := openEngine(t, Config{SeedFile: writeSeed(t, seed)})
	req := newAddress{organizationID: mustFind(t, e, "acme"), networkID: mustNetwork(t, e, "pub"), version: 4}
	prefix, gateway := netip.MustParsePrefix(cidr), netip.MustParseAddr("198.51.100.1")
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	held := map[netip.Addr]string{}
	for step := range 400 {
		var what string
		if len(held) > 0 && (len(held) == 29 || rng.IntN(2) == 0) {
			addrs := slices.SortedFunc(mapKeys(held), netip.Addr.Compare)
			a := addrs[rng.IntN(len(addrs))]
			if err := e.store.release(ctx, held[a]); err != nil {
				t.Fatalf("step %d: release %s: %v", step, a, err)
			}
			delete(held, a)
			what = "release " + a.String()
		} else {
			row, err := e.store.allocate(ctx, req)
			if err != nil {
				t.Fatalf("step %d: create: %v", step, err)
			}
			if _, dup := held[row.Addr]; dup {
				t.Fatalf("step %d: %s handed out while held", step, row.Addr)
			}
			lowest := freeRanges(prefix, append(slices.Collect(mapKeys(held)), gateway))[0].first
			if row.Addr != lowest {
				t.Fatalf("step %d: created %s, want the lowest free, %s", step, row.Addr, lowest)
			}
			held[row.Addr] = row.ID
			what = "create " + row.Addr.String()
		}
		want := freeRanges(prefix, append(slices.Collect(mapKeys(held)), gateway))
		if got := freeRangesOf(t, e, cidr); !slices.Equal(got, want) {
			t.Fatalf("step %d (%s): free ranges %v, want %v", step, what, got, want)
		}
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestParallelCreatesAndReleasesNeverGiveOneAddressToTwoHolders: clients
// create and release at once in a pool too small for all of them. An
// address a client holds is never handed to another until that client has
// sent its release; two releases of one address free it once.
func TestParallelCreatesAndReleasesNeverGiveOneAddressToTwoHolders(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{SeedFile: poolsSeed})
	srv := serve(t, e)
	c := client(t, srv, "test-token")
	var (
		mu     sync.Mutex
		holder = map[string]int{} // address → the client holding it
		faults []string
	)
	fault := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		faults = append(faults, fmt.Sprintf(format, args...))
	}
	const clients, rounds = 8, 30
	var wg sync.WaitGroup
	for me := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(me), 7))
			var mine []core.IPAddress
			for range rounds {
				if len(mine) > 0 && rng.IntN(3) == 0 {
					i := rng.IntN(len(mine))
					ip := mine[i]
					mine = slices.Delete(mine, i, i+1)
					// Let go of it before the release is sent: once it is
					// committed, another client may get it at once.
					mu.Lock()
					delete(holder, *ip.Address)
					mu.Unlock()
					if err := sendAs(srv, "test-token", http.MethodDelete, "/core/v1/ip_addresses/_",
						`{"ip_address":{"id":"`+*ip.Id+`"}}`); err != nil {
						fault("client %d: release %s: %v", me, *ip.Address, err)
					}
					continue
				}
				res, err := c.PostOrganizationIpAddressesWithResponse(context.Background(), createBodyOf("test", "pool", "ipv4"))
				switch {
				case err == nil && res.StatusCode() == http.StatusOK:
					ip := res.JSON200.IpAddress
					mu.Lock()
					if other, held := holder[*ip.Address]; held {
						faults = append(faults, fmt.Sprintf("client %d got %s, which client %d holds", me, *ip.Address, other))
					}
					holder[*ip.Address] = me
					mu.Unlock()
					mine = append(mine, ip)
				case res != nil && res.StatusCode() == http.StatusServiceUnavailable:
					if code := errorOf(t, res.Body).Code; code != katapult.CodeNoAvailableAddresses {
						fault("client %d: create refused with %s", me, code)
					}
				default:
					fault("client %d: create: %v", me, err)
				}
			}
			// Release what is left twice at once: one release wins.
			for _, ip := range mine {
				mu.Lock()
				delete(holder, *ip.Address)
				mu.Unlock()
				results := make(chan int, 2)
				for range 2 {
					go func() {
						res, body := rawRequest(t, srv, http.MethodDelete, "/core/v1/ip_addresses/_?ip_address[id]="+*ip.Id, "test-token", nil)
						if res.StatusCode != http.StatusOK && errorOf(t, body).Code != katapult.CodeIPAddressNotFound {
							fault("a release of %s answered %s", *ip.Address, body)
						}
						results <- res.StatusCode
					}()
				}
				if a, b := <-results, <-results; (a == http.StatusOK) == (b == http.StatusOK) {
					fault("two releases of %s answered %d and %d, want one 200", *ip.Address, a, b)
				}
			}
		})
	}
	wg.Wait()
	for _, f := range faults {
		t.Error(f)
	}
	if n := heldAddresses(t, e); n != 0 {
		t.Errorf("addresses held at the end = %d, want 0", n)
	}
	// Every address is free again, in the seed's own ranges.
	for _, tc := range []struct{ cidr, gateway string }{{"192.0.2.0/28", "192.0.2.1"}, {"192.0.2.16/28", ""}} {
		var taken []netip.Addr
		if tc.gateway != "" {
			taken = append(taken, netip.MustParseAddr(tc.gateway))
		}
		want := freeRanges(netip.MustParsePrefix(tc.cidr), taken)
		if got := freeRangesOf(t, e, tc.cidr); !slices.Equal(got, want) {
			t.Errorf("free ranges of %s at the end: %v, want %v", tc.cidr, got, want)
		}
	}
}

func TestAReleasedAddressStaysFreeAcrossARestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var made []core.IPAddress
	firstRun(t, dir, func(c *core.ClientWithResponses) {
		for range 3 {
			made = append(made, create(t, c, createBodyOf("acme", "nl-ams-01-small", "ipv4")))
		}
		release(t, c, *made[1].Id)
	})

	c := client(t, serve(t, openEngine(t, Config{DataDir: dir})), staffToken)
	if _, ok := getAddress(t, c, *made[1].Id); ok {
		t.Error("the released address is back after the restart")
	}
	for _, ip := range []core.IPAddress{made[0], made[2]} {
		if _, ok := getAddress(t, c, *ip.Id); !ok {
			t.Errorf("%s is gone after the restart", *ip.Address)
		}
	}
	if got := create(t, c, createBodyOf("acme", "nl-ams-01-small", "ipv4")); *got.Address != *made[1].Address {
		t.Errorf("the next create after the restart got %s, want the released %s", *got.Address, *made[1].Address)
	}
}

func TestTheReleaseQueriesAreIndexSearches(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{SeedFile: poolsSeed})
	plan := queryPlan(t, e, rangeBeforeQuery, 1, addrKey(netip.MustParseAddr("192.0.2.5")))
	if len(plan) != 1 || !strings.HasPrefix(plan[0], "SEARCH free_ranges USING PRIMARY KEY") {
		t.Errorf("plan = %q, want one search of free_ranges by its primary key", plan)
	}
}

func TestAStoreWhoseFreeRangesHoldAHeldAddressRefusesItsRelease(t *testing.T) {
	t.Parallel()
	e := openEngine(t, Config{SeedFile: poolsSeed})
	c := client(t, serve(t, e), "test-token")
	ip := create(t, c, createBodyOf("test", "pool", "ipv4"))
	// Damage the store: the held address is also free.
	if _, err := e.store.db.Exec(`INSERT INTO free_ranges (subnet_seq, first, last)
		SELECT subnet_seq, address, address FROM ip_addresses WHERE id = ?`, *ip.Id); err != nil {
		t.Fatal(err)
	}
	err := e.store.release(context.Background(), *ip.Id)
	if !errors.Is(err, errFreeAndHeld) {
		t.Fatalf("release: %v, want %v", err, errFreeAndHeld)
	}
	if _, ok := getAddress(t, c, *ip.Id); !ok {
		t.Error("the refused release was kept")
	}
}
