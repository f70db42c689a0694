package engine

import (
	"context"
	"testing"
	"time"
)

// BenchmarkAllocationCostIsFlat compares the cost of allocating the first
// address of a big subnet with the cost of allocating the 60,000th of a /16
// and the 100,000th of a /48. It reports their ratio: about 1 means flat.
// Each measured allocation is rolled back, so every iteration measures the
// same position. The fills take a few seconds, which is why this is a
// benchmark (go test -run '^$' -bench AllocationCost) and not a test.
func BenchmarkAllocationCostIsFlat(b *testing.B) {
	cases := []struct {
		name    string
		cidr    string
		version int
		taken   int
	}{
		{"60000th-of-an-IPv4-slash16", "198.18.0.0/16", 4, 59_999},
		{"100000th-of-an-IPv6-slash48", "2001:db8:100::/48", 6, 99_999},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			empty := benchEngine(b, tc.cidr)
			full := benchEngine(b, tc.cidr)
			fill(b, full, tc.version, tc.taken)
			var first, nth time.Duration
			for b.Loop() {
				first += timeAllocation(b, empty, tc.version)
				nth += timeAllocation(b, full, tc.version)
			}
			n := float64(b.N)
			b.ReportMetric(float64(first.Nanoseconds())/n, "ns-first/op")
			b.ReportMetric(float64(nth.Nanoseconds())/n, "ns-nth/op")
			b.ReportMetric(float64(nth)/float64(first), "nth/first")
		})
	}
}

// benchEngine opens an engine whose one network holds one subnet.
func benchEngine(b *testing.B, cidr string) *Engine {
	seed := seedParts{nets: []string{netJSON("big", `{"cidr":"`+cidr+`"}`)},
		orgs: []string{`{"name":"A","sub_domain":"acme","activated":true,"networks":["big"]}`}}.json()
	return openEngine(b, Config{SeedFile: writeSeed(b, seed)})
}

func benchRequest(e *Engine, version int) newAddress {
	n, _ := e.cat.networkBy.find(lookup{"permalink", "big"})
	o, _ := e.cat.orgBy.find(lookup{"sub_domain", "acme"})
	return newAddress{organizationID: o.ID, networkID: n.ID, version: version}
}

// fill takes n addresses through the allocator itself, in one transaction.
func fill(b *testing.B, e *Engine, version, n int) {
	ctx := context.Background()
	tx, err := e.store.w.begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	req := benchRequest(e, version)
	for range n {
		if _, err := tx.allocate(req); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// timeAllocation times one allocation and rolls it back.
func timeAllocation(b *testing.B, e *Engine, version int) time.Duration {
	ctx := context.Background()
	tx, err := e.store.w.begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.tx.Rollback()
	req := benchRequest(e, version)
	start := time.Now()
	if _, err := tx.allocate(req); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
