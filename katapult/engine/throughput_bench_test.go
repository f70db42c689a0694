package engine

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// createLoadConns is the figure's concurrency: 32 clients, each on its own
// keep-alive connection.
const createLoadConns = 32

// createsPerRound is how many creates, and then how many trivial commits,
// one round of BenchmarkDurableCreatesOverHTTP times.
const createsPerRound = 1000

// BenchmarkDurableCreatesOverHTTP is issue 8's engine figure: durable
// creates a second over HTTP from 32 connections, with no rate limit, as a
// ratio to the commits a second of a trivial SQLite WAL transaction (one
// row inserted, one commit) on the same disk. Each round times
// createsPerRound creates, then as many trivial commits, so the two are
// measured interleaved on the same machine state; absolute rates alone
// drift on a shared machine. It also reports the creates' p50 and p99.
//
//	go test -run '^$' -bench DurableCreates -benchtime 12x ./katapult/engine/
//
// With IPDESK_BENCH_URL set (such as http://127.0.0.1:8080, an ipdesk
// started with -rate-limit 0 on the demo seed) it sends the creates there
// instead, to measure the whole server; the trivial commits then run in
// IPDESK_BENCH_DIR, which should be on the same disk as that ipdesk's
// data folder.
func BenchmarkDurableCreatesOverHTTP(b *testing.B) {
	dir := b.TempDir()
	if d := os.Getenv("IPDESK_BENCH_DIR"); d != "" {
		var err error
		if dir, err = os.MkdirTemp(d, "bench"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
	}
	url := os.Getenv("IPDESK_BENCH_URL")
	if url == "" {
		e := openEngine(b, Config{DataDir: filepath.Join(dir, "engine")})
		srv := httptest.NewServer(e.Handler())
		b.Cleanup(srv.Close)
		url = srv.URL
	}
	tr := &http.Transport{MaxIdleConnsPerHost: createLoadConns, MaxConnsPerHost: createLoadConns}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	base := newTrivialCommits(b, filepath.Join(dir, "trivial.db"))

	var createTime, commitTime, createCPU time.Duration
	var lat, commitLat []time.Duration
	for b.Loop() {
		cpu := processCPU()
		took, l := createLoad(b, hc, url, createsPerRound)
		createCPU += processCPU() - cpu
		createTime += took
		lat = append(lat, l...)
		took, l = base.run(b, createsPerRound)
		commitTime += took
		commitLat = append(commitLat, l...)
	}
	n := float64(b.N * createsPerRound)
	creates := n / createTime.Seconds()
	commits := n / commitTime.Seconds()
	slices.Sort(lat)
	b.ReportMetric(creates, "creates/s")
	b.ReportMetric(commits, "commits/s")
	b.ReportMetric(creates/commits, "ratio")
	// Client and server together when both are in this process; the
	// client alone when the creates go to IPDESK_BENCH_URL.
	b.ReportMetric(float64(createCPU.Microseconds())/n, "cpu-µs/create")
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	// The disk's own tail: a create can be no faster than its commit.
	slices.Sort(commitLat)
	b.ReportMetric(ms(commitLat[len(commitLat)*99/100]), "commit-p99-ms")
	b.ReportMetric(0, "ns/op") // a round's time says nothing on its own
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// createBenchBody is an IPv6 address from the demo seed's London /48,
// which never runs dry.
var createBenchBody = []byte(`{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":"ipv6"}`)

// createLoad sends n creates from createLoadConns clients and returns the
// wall time they took and each one's latency.
func createLoad(b *testing.B, hc *http.Client, url string, n int) (time.Duration, []time.Duration) {
	b.Helper()
	work := make(chan struct{}, n)
	for range n {
		work <- struct{}{}
	}
	close(work)
	lat := make([][]time.Duration, createLoadConns)
	errs := make(chan error, createLoadConns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range createLoadConns {
		wg.Go(func() {
			for range work {
				t0 := time.Now()
				if err := postCreate(hc, url); err != nil {
					errs <- err
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return took, slices.Concat(lat...)
}

func postCreate(hc *http.Client, url string) error {
	req, err := http.NewRequest(http.MethodPost, url+"/core/v1/organizations/_/ip_addresses", bytes.NewReader(createBenchBody))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+staffToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("create answered %d: %s", res.StatusCode, body)
	}
	return err
}

// trivialCommits is the figure's yardstick: the cheapest durable write
// SQLite makes, one single-row insert committed on its own, in WAL mode
// with the store's synchronous setting, on one connection.
type trivialCommits struct {
	db     *sql.DB
	insert *sql.Stmt
}

func newTrivialCommits(b *testing.B, path string) *trivialCommits {
	b.Helper()
	db, err := sql.Open("sqlite", path+"?_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (n INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	insert, err := db.Prepare(`INSERT INTO t (v) VALUES (?)`)
	if err != nil {
		b.Fatal(err)
	}
	return &trivialCommits{db: db, insert: insert}
}

// run commits n transactions one after the other and returns the time
// they took and each one's.
func (tc *trivialCommits) run(b *testing.B, n int) (time.Duration, []time.Duration) {
	b.Helper()
	ctx := context.Background()
	lat := make([]time.Duration, 0, n)
	start := time.Now()
	for i := range n {
		t0 := time.Now()
		tx, err := tc.db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Stmt(tc.insert).Exec(i); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	return time.Since(start), lat
}
