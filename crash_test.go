package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The crash-safety suite (RELIABILITY.md): a real ipdesk process in
// embedded mode takes creates through its API and through the dashboard,
// plain and htmx, from several clients at once, and is killed with SIGKILL
// at a random moment; it restarts on the same data folder, several
// rounds. Every create that was answered as done must survive with the
// same id and address, no address may be held twice, and creates after a
// restart must take new addresses. The helpers are in crash_helpers_test.go
// and crash_store_test.go.
//
// IPDESK_CRASH_ROUNDS sets the number of rounds (3 by default, as in
// `make test`; `make test-crash` runs more). IPDESK_CRASH_SEED replays a
// schedule: the moment of each kill and each client's choices of
// organization, network and version (the interleaving of the clients is
// the scheduler's, so a replay is close, not identical).

// crashArgs are the child's flags on data folder data: the crash seed
// (every network a /16 of IPv4 from the benchmarking range 198.18.0.0/15
// and a /48 of IPv6, so that no pool runs dry; two tokens) and no rate
// limit.
func crashArgs(t *testing.T, data string) []string {
	t.Helper()
	seed, err := filepath.Abs(filepath.Join("testdata", "crash-seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	return []string{"-addr", "127.0.0.1:0", "-data", data, "-rate-limit", "0", "-seed", seed}
}

// The crash seed's tokens: one for API clients, one for staff on the
// dashboard.
const (
	crashAPIToken   = "crash-api-token"
	crashStaffToken = "crash-staff-token"
)

// TestCrashSafetyKeepsEveryAnsweredCreateAcrossSIGKILL is not parallel:
// its clients keep both cores busy for the length of each round, and the
// package's other tests measure time.
func TestCrashSafetyKeepsEveryAnsweredCreateAcrossSIGKILL(t *testing.T) {
	rounds := crashEnvInt(t, "IPDESK_CRASH_ROUNDS", 3)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("IPDESK_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("IPDESK_CRASH_SEED=%q is not a number", s)
		}
	}
	t.Logf("%d rounds, schedule seed %d (replay: IPDESK_CRASH_SEED=%d IPDESK_CRASH_ROUNDS=%d go test -count=1 -run %s .)",
		rounds, seed, seed, rounds, t.Name())
	rng := rand.New(rand.NewPCG(seed, 0))

	bin := buildIpdesk(t)
	data := t.TempDir()
	args := crashArgs(t, data)
	ch := startChild(t, bin, args...)
	clients := newCrashClients(t, ch.url, rng)
	led := newCrashLedger()
	started := time.Now()
	for round := 1; round <= rounds; round++ {
		checkFreshCreates(t, ch.url, clients, led, round)
		sum := crashRound(t, ch, clients, led, round, rng)
		ch = startChild(t, bin, args...)
		held := led.verify(t, ch.url, round)
		t.Logf("round %d: SIGKILL %s after at least %d answers, of every kind; %d creates answered this round (%s), %d in all; the store holds %d (%d committed but never answered)",
			round, sum.delay.Round(time.Millisecond), crashAcksBeforeKill, sum.acked, sum.byKind, led.len(), held, held-led.len())
		if t.Failed() {
			t.Fatalf("round %d lost or duplicated addresses; replay with IPDESK_CRASH_SEED=%d", round, seed)
		}
	}
	checkFreshCreates(t, ch.url, clients, led, rounds+1)
	held := led.verify(t, ch.url, rounds+1)
	ch.signal(t, syscall.SIGTERM)
	ch.wantCleanExit(t, 30*time.Second)
	checkCrashStore(t, filepath.Join(data, "katapult.db"), led, held)
	if t.Failed() {
		return
	}
	t.Logf("%d rounds in %s: %d creates answered, all kept; %d addresses in the store, none twice; integrity ok",
		rounds, time.Since(started).Round(100*time.Millisecond), led.len(), held)
}

// crashAcksBeforeKill is how many creates a round answers (one of each
// kind of client at least) before the kill's random delay starts, so that
// every round kills a server that is busy with every kind of create.
const crashAcksBeforeKill = 8

// crashMaxDelay bounds the random delay between the last of those answers
// and SIGKILL.
const crashMaxDelay = 600 * time.Millisecond

// crashRoundSummary is what a round did.
type crashRoundSummary struct {
	delay  time.Duration
	acked  int
	byKind string
}

// crashRound runs every client against ch until SIGKILL, at a random
// moment after the round's first answers, and waits for the process to be
// gone and the clients to stop.
func crashRound(t *testing.T, ch *child, clients []*crashClient, led *crashLedger, round int, rng *rand.Rand) crashRoundSummary {
	t.Helper()
	var (
		killed   atomic.Bool
		stop     = make(chan struct{})
		enough   = make(chan struct{})
		once     sync.Once
		acked    atomic.Int64
		perKind  sync.Map // kind → *atomic.Int64
		problems = &crashProblems{}
		wg       sync.WaitGroup
	)
	for _, c := range clients {
		n, _ := perKind.LoadOrStore(c.kind, new(atomic.Int64))
		// Each client draws from its own source, seeded from the schedule.
		c.rng = rand.New(rand.NewPCG(rng.Uint64(), uint64(round)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				a, answered, err := c.create(ch.url)
				if a.id != "" {
					a.round = round
					if msg := led.add(a); msg != "" {
						problems.add(msg)
					}
					n.(*atomic.Int64).Add(1)
					acked.Add(1)
					if everyKindAnswered(&perKind, &acked) {
						once.Do(func() { close(enough) })
					}
				}
				if err != nil && (answered || !killed.Load()) {
					// An answer that is not a success, or a broken
					// connection while the server was alive.
					problems.add(fmt.Sprintf("%s client: %v", c.kind, err))
				}
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		close(stop)
		killed.Store(true)
		ch.signal(t, syscall.SIGKILL)
		wg.Wait()
		t.Fatalf("round %d: fewer than %d creates, or none of a kind of client, answered within 60 s; problems: %q", round, crashAcksBeforeKill, problems.list())
	}
	delay := time.Duration(rng.Int64N(int64(crashMaxDelay)))
	// The random moment of the kill: a delay on purpose, not a wait for
	// something.
	time.Sleep(delay)
	killed.Store(true)
	ch.signal(t, syscall.SIGKILL)
	select {
	case <-ch.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("ipdesk did not die within 10 s of SIGKILL")
	}
	close(stop)
	wg.Wait()
	for _, p := range problems.list() {
		t.Errorf("round %d: %s", round, p)
	}
	var byKind string
	for _, kind := range crashKinds {
		if n, ok := perKind.Load(kind); ok {
			if byKind != "" {
				byKind += ", "
			}
			byKind += fmt.Sprintf("%d %s", n.(*atomic.Int64).Load(), kind)
		}
	}
	return crashRoundSummary{delay: delay, acked: int(acked.Load()), byKind: byKind}
}

// everyKindAnswered reports whether the round has answered enough creates
// to be killed, one of each kind of client at least.
func everyKindAnswered(perKind *sync.Map, acked *atomic.Int64) bool {
	if acked.Load() < crashAcksBeforeKill {
		return false
	}
	for _, kind := range crashKinds {
		n, ok := perKind.Load(kind)
		if !ok || n.(*atomic.Int64).Load() == 0 {
			return false
		}
	}
	return true
}

// checkFreshCreates creates one address through each kind of client, one
// after the other, before a round's load starts: the first creates after a
// restart must take addresses that no answered create holds.
func checkFreshCreates(t *testing.T, base string, clients []*crashClient, led *crashLedger, round int) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range clients {
		if seen[c.kind] {
			continue
		}
		seen[c.kind] = true
		a, _, err := c.create(base)
		if err != nil {
			t.Fatalf("the first %s create of round %d: %v", c.kind, round, err)
		}
		a.round = round
		if msg := led.add(a); msg != "" {
			t.Errorf("the first %s create of round %d: %s", c.kind, round, msg)
		}
	}
}

// crashProblems collects what the clients saw go wrong.
type crashProblems struct {
	mu   sync.Mutex
	msgs []string
}

func (p *crashProblems) add(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.msgs) < 20 {
		p.msgs = append(p.msgs, msg)
	}
}

func (p *crashProblems) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.msgs...)
}

// crashEnvInt reads a positive count from the environment.
func crashEnvInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q is not a positive number", name, s)
	}
	return n
}

// crashHTTP is the API clients' HTTP client: a few kept-alive connections,
// and a bound on a request that a dead server never answers.
func crashHTTP() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
}
