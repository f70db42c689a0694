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

// fill takes n addresses through the allocator itself, in one transaction,
// and returns their ids in the order they were taken.
func fill(b *testing.B, e *Engine, version, n int) []string {
	ids := make([]string, 0, n)
	inOneTransaction(b, e, func(tx *writeTx) error {
		req := benchRequest(e, version)
		for range n {
			row, err := tx.allocate(req)
			if err != nil {
				return err
			}
			ids = append(ids, row.ID)
		}
		return nil
	})
	return ids
}

// inOneTransaction runs fn in one transaction of the writer and commits it.
func inOneTransaction(b *testing.B, e *Engine, fn func(*writeTx) error) {
	tx, err := e.store.w.begin(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if err := fn(tx); err != nil {
		b.Fatal(err)
	}
	if err := tx.tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAllocationCostIsFlatAfterReleases is the same comparison in a
// /16 that releases have riddled with holes: 59,999 addresses taken, then
// every other one of them released, which leaves 30,000 free ranges. It
// reports the allocation's ratio (nth/first: the next allocation, which
// takes the lowest hole, ÷ the first of an empty subnet) and the
// release's (release-nth/first: releasing an address between two holes,
// which joins them, ÷ releasing the one address of an almost empty
// subnet). About 1 means flat: neither depends on how many addresses are
// taken or released.
func BenchmarkAllocationCostIsFlatAfterReleases(b *testing.B) {
	const cidr, taken = "198.18.0.0/16", 59_999
	empty, full := benchEngine(b, cidr), benchEngine(b, cidr)
	ids := fill(b, full, 4, taken)
	inOneTransaction(b, full, func(tx *writeTx) error {
		for i := 0; i < len(ids); i += 2 {
			if err := tx.release(ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	lone := fill(b, empty, 4, 1)[0]
	middle := ids[len(ids)/2|1] // held, with a hole on either side
	var first, nth, releaseFirst, releaseNth time.Duration
	for b.Loop() {
		first += timeAllocation(b, empty, 4)
		nth += timeAllocation(b, full, 4)
		releaseFirst += timeRelease(b, empty, lone)
		releaseNth += timeRelease(b, full, middle)
	}
	n := float64(b.N)
	b.ReportMetric(float64(first.Nanoseconds())/n, "ns-first/op")
	b.ReportMetric(float64(nth.Nanoseconds())/n, "ns-nth/op")
	b.ReportMetric(float64(nth)/float64(first), "nth/first")
	b.ReportMetric(float64(releaseNth)/float64(releaseFirst), "release-nth/first")
}

// timeRelease times the release of one address and rolls it back.
func timeRelease(b *testing.B, e *Engine, id string) time.Duration {
	tx, err := e.store.w.begin(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer tx.tx.Rollback()
	start := time.Now()
	if err := tx.release(id); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
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
