package engine

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"net/http"
	"time"
)

// Route is the pattern of the route r matches, such as
// "POST /core/v1/organizations/{organization}/ip_addresses", or "" when none
// does: a metric label and a log field that never holds a raw path.
func (e *Engine) Route(r *http.Request) string {
	if e.mux == nil {
		return ""
	}
	_, pattern := e.mux.Handler(r)
	if pattern == "/" {
		return "" // the catch-all that answers route_not_found
	}
	return pattern
}

// Ping reports whether the store answers a query: the readiness of
// embedded mode.
func (e *Engine) Ping(ctx context.Context) error {
	var one int
	if err := e.store.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("engine: the store does not answer: %w", err)
	}
	return nil
}

// Pool is how much of one network's addresses of one IP version is free
// and how much is held.
type Pool struct {
	Network string // the network's permalink
	Version int    // 4 or 6
	// Free and Used are counts of addresses; an IPv6 pool's free count is
	// beyond any integer type, and a float64 is what a metric holds anyway.
	Free, Used float64
}

// poolsQuery sums each subnet's free ranges by network and version; the
// widths are added in Go, since a range of a /48 is wider than SQLite's
// integers.
const poolsQuery = `SELECT n.permalink, s.version, f.first, f.last
	FROM free_ranges AS f
	JOIN subnets AS s ON s.seq = f.subnet_seq
	JOIN networks AS n ON n.id = s.network_id`

const usedQuery = `SELECT n.permalink, s.version, count(a.seq)
	FROM subnets AS s
	JOIN networks AS n ON n.id = s.network_id
	LEFT JOIN ip_addresses AS a ON a.subnet_seq = s.seq
	GROUP BY n.seq, s.version
	ORDER BY n.seq, s.version`

// Pools lists every network and version that has a subnet, in seed order,
// with its free and used addresses.
func (e *Engine) Pools(ctx context.Context) ([]Pool, error) {
	type key struct {
		network string
		version int
	}
	var pools []Pool
	index := map[key]int{}
	err := e.store.eachRow(ctx, usedQuery, func(rows *sql.Rows) error {
		var p Pool
		var used int64
		if err := rows.Scan(&p.Network, &p.Version, &used); err != nil {
			return err
		}
		p.Used = float64(used)
		index[key{p.Network, p.Version}] = len(pools)
		pools = append(pools, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: pools: %w", err)
	}
	free := make([]big.Int, len(pools))
	var first, last, width big.Int
	err = e.store.eachRow(ctx, poolsQuery, func(rows *sql.Rows) error {
		var k key
		var f, l []byte
		if err := rows.Scan(&k.network, &k.version, &f, &l); err != nil {
			return err
		}
		i, ok := index[k]
		if !ok {
			return fmt.Errorf("free range of an unknown pool %s/IPv%d", k.network, k.version)
		}
		first.SetBytes(f)
		last.SetBytes(l)
		width.Sub(&last, &first)
		free[i].Add(&free[i], width.Add(&width, big.NewInt(1)))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: pools: %w", err)
	}
	for i := range pools {
		pools[i].Free, _ = new(big.Float).SetInt(&free[i]).Float64()
	}
	return pools, nil
}

// closeWait bounds how long Close waits for requests still being served.
const closeWait = 10 * time.Second
