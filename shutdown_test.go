package main

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the test opens the store the child left behind
)

// These tests stop a real ipdesk process with SIGTERM, as a container
// runtime or systemd would.

func TestSIGTERMLetsRequestsInFlightFinish(t *testing.T) {
	t.Parallel()
	bin := buildIpdesk(t)

	t.Run("remote mode: a create in flight gets its full answer, new connections are refused, exit 0", func(t *testing.T) {
		t.Parallel()
		kat := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
		proxy := newKatapultProxy(t, kat.url)
		proxy.holdCreates()
		// The create may take 10 s; the test lets it through long before.
		ch := startChild(t, bin, "-addr", "127.0.0.1:0", "-data", t.TempDir(), "-katapult-url", proxy.url,
			"-katapult-timeout", "2s", "-create-timeout", "10s")
		c := newWebClient(t)
		c.signIn(ch.url, kat.token)
		form := c.createForm(ch.url, "acme")

		type answer struct {
			p   *webPage
			err error
		}
		answered := make(chan answer, 1)
		go func() {
			p, err := c.post(ch.url+"/orgs/acme/ip-addresses", form)
			answered <- answer{p, err}
		}()
		proxy.waitCreate(t, 20*time.Second)
		ch.signal(t, syscall.SIGTERM)
		waitRefused(t, ch.addr, 10*time.Second)
		select {
		case a := <-answered:
			if a.err != nil {
				t.Fatalf("the create in flight lost its answer when SIGTERM came: %v", a.err)
			}
			t.Fatalf("the create was answered (%d) before Katapult answered it", a.p.status)
		default:
		}
		proxy.releaseCreates()

		var a answer
		select {
		case a = <-answered:
		case <-time.After(30 * time.Second):
			t.Fatal("the create in flight got no answer within 30 s of being let through")
		}
		if a.err != nil {
			t.Fatalf("the create in flight lost its answer to the shutdown: %v", a.err)
		}
		a.p.wantStatus(t, http.StatusSeeOther)
		loc := a.p.header.Get("Location")
		m := createdLocation.FindStringSubmatch(loc)
		if m == nil {
			t.Fatalf("the create answered a redirect to %q, want the new address's page with created=1", loc)
		}
		if got := proxy.forwarded.Load(); got != 1 {
			t.Errorf("%d creates reached Katapult, want 1", got)
		}
		if ids := apiAddresses(t, kat.url, kat.token, "acme"); len(ids) != 1 || ids[0] != m[1] {
			t.Errorf("Katapult holds %q, want only the created %s", ids, m[1])
		}
		ch.wantCleanExit(t, 30*time.Second)
	})

	t.Run("embedded mode: every create answered before the exit is kept, and the store is closed cleanly", func(t *testing.T) {
		t.Parallel()
		data := t.TempDir()
		ch := startChild(t, bin, "-addr", "127.0.0.1:0", "-data", data, "-rate-limit", "0")
		if ch.token == "" {
			t.Fatalf("the child printed no demo token: %q", ch.line)
		}

		const workers = 6
		var (
			mu      sync.Mutex
			created []string
			// afterTerm counts the answers that came after SIGTERM was sent.
			afterTerm int
			problems  []string
			termSent  = make(chan struct{})
			enough    = make(chan struct{})
			once      sync.Once
			wg        sync.WaitGroup
		)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
		defer client.CloseIdleConnections()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					id, status, err := apiCreateErr(client, ch.url, ch.token, "acme", "uk-lon-01-public", "ipv6")
					mu.Lock()
					switch {
					case err == nil:
						created = append(created, id)
						select {
						case <-termSent:
							afterTerm++
						default:
						}
						if len(created) == 20 {
							once.Do(func() { close(enough) })
						}
					case status != 0:
						problems = append(problems, fmt.Sprintf("status %d: %v", status, err))
					}
					mu.Unlock()
					if err != nil {
						select {
						case <-termSent:
						default:
							if status == 0 {
								mu.Lock()
								problems = append(problems, "before SIGTERM: "+err.Error())
								mu.Unlock()
							}
						}
						return // after SIGTERM: the listener is closed
					}
				}
			}()
		}
		select {
		case <-enough:
		case <-time.After(60 * time.Second):
			t.Fatal("20 creates did not succeed within 60 s")
		}
		close(termSent)
		ch.signal(t, syscall.SIGTERM)
		wg.Wait()
		ch.wantCleanExit(t, 30*time.Second)
		if len(problems) > 0 {
			t.Errorf("creates answered with an error around the shutdown: %q", problems)
		}

		// The store was closed: SQLite folded its write-ahead log into the
		// database and removed it, and the database is sound.
		db := filepath.Join(data, "katapult.db")
		if _, err := os.Stat(db + "-wal"); err == nil {
			t.Errorf("the store's write-ahead log %s-wal is left behind: the store was not closed", filepath.Base(db))
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Error(err)
		}
		checkIntegrity(t, db)

		// A restart on the same data folder has every create that was
		// answered, and none that was not.
		again := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", data, "-rate-limit", "0"}, nil)
		kept := map[string]bool{}
		for _, id := range apiAddresses(t, again.url, again.token, "acme") {
			kept[id] = true
		}
		t.Logf("%d creates were answered before the exit, %d of them after SIGTERM was sent", len(created), afterTerm)
		for _, id := range created {
			if !kept[id] {
				t.Errorf("address %s was answered as created but is gone after the restart", id)
			}
		}
		if len(kept) != len(created) {
			t.Errorf("the restarted store has %d addresses, %d creates were answered: a create lost its answer", len(kept), len(created))
		}
	})
}

// createdLocation is where a plain post of a successful create is sent.
var createdLocation = regexp.MustCompile(`^/orgs/acme/ip-addresses/(ip_[A-Za-z0-9]{16})\?created=1$`)

// buildIpdesk builds the binary once for the test (and its subtests), with
// the race detector when the tests have it, so that the build reuses their
// compiled packages and the child checks itself for races too.
func buildIpdesk(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipped: building ipdesk needs the go command on PATH")
	}
	bin := filepath.Join(t.TempDir(), "ipdesk")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	start := time.Now()
	out, err := exec.Command(goBin, append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go %s took %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return bin
}

func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// child is ipdesk running as a process of its own.
type child struct {
	cmd    *exec.Cmd
	line   string // the startup line
	url    string
	addr   string
	token  string
	stderr *syncBuffer
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

// startChild starts the binary with flags and no IPDESK_* variables, and
// waits for its startup line and /healthz. It is killed at the test's end
// if it is still running.
func startChild(t *testing.T, bin string, args ...string) *child {
	t.Helper()
	ch := &child{stderr: &syncBuffer{}, exited: make(chan struct{})}
	ch.cmd = exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "IPDESK_") {
			ch.cmd.Env = append(ch.cmd.Env, kv)
		}
	}
	first := &firstLine{line: make(chan string, 1)}
	ch.cmd.Stdout = first
	ch.cmd.Stderr = ch.stderr
	if err := ch.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		ch.err = ch.cmd.Wait()
		close(ch.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-ch.exited:
		default:
			_ = ch.cmd.Process.Kill()
			<-ch.exited
		}
		if t.Failed() {
			t.Logf("the child's log:\n%s", ch.stderr.String())
		}
	})
	select {
	case ch.line = <-first.line:
	case <-ch.exited:
		t.Fatalf("ipdesk exited at start (%v):\n%s", ch.err, ch.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("ipdesk printed no startup line within 30 s:\n%s", ch.stderr.String())
	}
	m := regexp.MustCompile(`http://(\S+?)/? `).FindStringSubmatch(ch.line + " ")
	if m == nil {
		t.Fatalf("startup line %q has no URL", ch.line)
	}
	ch.addr, ch.url = m[1], "http://"+m[1]
	if tm := regexp.MustCompile(`demo token (\S+?)\)?$`).FindStringSubmatch(ch.line); tm != nil {
		ch.token = tm[1]
	}
	waitHealthy(t, ch.url)
	return ch
}

func (ch *child) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := ch.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("sending %s: %v", sig, err)
	}
}

// wantCleanExit waits for the process to end, and wants exit code 0 and
// the log line of a shutdown that dropped nothing.
func (ch *child) wantCleanExit(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-ch.exited:
	case <-time.After(within):
		t.Fatalf("ipdesk did not exit within %s of SIGTERM", within)
	}
	if ch.err != nil {
		t.Errorf("ipdesk exited with %v (code %d), want 0", ch.err, ch.cmd.ProcessState.ExitCode())
	}
	logs := ch.stderr.String()
	if !strings.Contains(logs, `"msg":"shutting down`) || !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("the log does not say it shut down and stopped:\n%s", logs)
	}
}

// firstLine is a writer that hands over the first line written to it and
// discards the rest.
type firstLine struct {
	mu   sync.Mutex
	buf  []byte
	sent bool
	line chan string
}

func (f *firstLine) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.sent {
		f.buf = append(f.buf, p...)
		if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
			f.sent = true
			f.line <- string(f.buf[:i])
		}
	}
	return len(p), nil
}

// waitRefused waits until a new connection to addr is refused: the
// listener is closed.
func waitRefused(t *testing.T, addr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
		} else if errors.Is(err, syscall.ECONNREFUSED) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still takes new connections %s after SIGTERM (last: %v)", addr, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkIntegrity opens an SQLite database read-only and wants
// PRAGMA integrity_check to be ok.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatalf("integrity check of %s: %v", path, err)
	}
	if res != "ok" {
		t.Errorf("integrity check of %s: %s", path, res)
	}
}
