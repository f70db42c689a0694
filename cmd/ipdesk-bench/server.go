package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopWait is how long a server may take to stop after SIGTERM before it
// is killed: ipdesk's default shutdown grace (56 s) and some.
const stopWait = time.Minute

// server is ipdesk (or the hello-world yardstick) running as a process of
// its own on a loopback port.
type server struct {
	name   string
	addr   string // host:port
	url    string // http://addr
	pprof  string // the profiler's host:port; "" when not profiled
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // of Wait, once exited is closed
	logs   *os.File
}

// freeAddr finds a loopback port nobody listens on. Another process could
// take it before the server does; on loopback, in a bench run, none does.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// launch starts bin with args and no IPDESK_* variables (so that the
// flags alone set it up), its stdout and stderr in a log file of the run.
// It does not wait for the server to answer.
func (b *bench) launch(name, bin, addr string, args ...string) (*server, error) {
	s := &server{name: name, addr: addr, url: "http://" + addr, exited: make(chan struct{})}
	logs, err := os.CreateTemp(b.work, name+"-*.log")
	if err != nil {
		return nil, err
	}
	s.logs = logs
	s.cmd = exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "IPDESK_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	if b.cfg.buildRace {
		// The race detector's runtime waits a second at exit by default:
		// the smoke test stops many servers.
		s.cmd.Env = append(s.cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	if bin == b.served && b.cfg.profile != "" {
		if s.pprof, err = freeAddr(); err != nil {
			logs.Close()
			return nil, err
		}
		s.cmd.Env = append(s.cmd.Env, pprofEnv+"="+s.pprof)
	}
	s.cmd.Stdout, s.cmd.Stderr = logs, logs
	if err := s.cmd.Start(); err != nil {
		logs.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// startIpdesk starts the served binary on addr ("" for a free port) with
// dataDir and more flags, and waits until /healthz answers 200.
func (b *bench) startIpdesk(ctx context.Context, name, addr, dataDir string, args ...string) (*server, error) {
	if addr == "" {
		var err error
		if addr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	s, err := b.launch(name, b.served, addr, append([]string{"-addr", addr, "-data", dataDir}, args...)...)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.waitHealthy(wctx); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s did not become healthy: %w%s", name, err, s.tail())
	}
	return s, nil
}

// healthPoll is how soon a refused connection is tried again while a
// server starts: short against the start-up figure's few milliseconds.
const healthPoll = 250 * time.Microsecond

// waitHealthy asks /healthz until it answers 200. A refused connection is
// tried again at once (the process has not listened yet); an accepted one
// waits for its answer, which comes when the server serves.
func (s *server) waitHealthy(ctx context.Context) error {
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/healthz", nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("it exited (%v)", s.err)
		case <-ctx.Done():
			if err == nil {
				err = errors.New("no 200")
			}
			return fmt.Errorf("%w (last try: %v)", ctx.Err(), err)
		case <-time.After(healthPoll):
		}
	}
}

// stop sends SIGTERM and waits for the process to end, killing it after
// stopWait. It reports an exit other than 0.
func (s *server) stop() error {
	defer s.logs.Close()
	select {
	case <-s.exited:
		return s.exitErr()
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopWait):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("%s did not stop within %s of SIGTERM: killed", s.name, stopWait)
	}
	return s.exitErr()
}

func (s *server) exitErr() error {
	if s.err != nil {
		return fmt.Errorf("%s exited: %v%s", s.name, s.err, s.tail())
	}
	return nil
}

// tail is the end of the server's log, for an error message.
func (s *server) tail() string {
	b, err := os.ReadFile(s.logs.Name())
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\nits log ends with:\n" + string(b)
}

// memory is what /proc says about a process's resident memory, in bytes.
type memory struct {
	peak, now int64 // VmHWM, VmRSS
}

// memory reads the server's resident memory from /proc.
func (s *server) memory() (memory, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(s.cmd.Process.Pid), "status"))
	if err != nil {
		return memory{}, fmt.Errorf("reading the server's memory (Linux only): %w", err)
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || fields[2] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "VmHWM:":
			m.peak = kb * 1024
		case "VmRSS:":
			m.now = kb * 1024
		}
	}
	if m.peak == 0 {
		return memory{}, errors.New("/proc/PID/status has no VmHWM")
	}
	return m, sc.Err()
}

// profileWhile saves the server's CPU profile while load runs: it asks
// the profiler for seconds of profile, runs load meanwhile, and writes
// the profile to -profile's folder as name.pprof. Without -profile it
// does nothing.
func (b *bench) profileWhile(ctx context.Context, s *server, name string, load func(ctx context.Context, d time.Duration)) error {
	if b.cfg.profile == "" || s.pprof == "" {
		return nil
	}
	// Two seconds of profile; one for the smoke test's short windows
	// (the profiler counts whole seconds).
	seconds := 2
	if b.cfg.window < time.Second {
		seconds = 1
	}
	type fetched struct {
		body []byte
		err  error
	}
	got := make(chan fetched, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", s.pprof, seconds), nil)
		if err != nil {
			got <- fetched{err: err}
			return
		}
		res, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
		if err != nil {
			got <- fetched{err: err}
			return
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("the profiler answered %d: %s", res.StatusCode, body)
		}
		got <- fetched{body, err}
	}()
	// The profile starts when the server takes the request; the load
	// covers it with some to spare at both ends.
	time.Sleep(50 * time.Millisecond)
	load(ctx, time.Duration(seconds)*time.Second+300*time.Millisecond)
	f := <-got
	if f.err != nil {
		return fmt.Errorf("profile %s: %w", name, f.err)
	}
	path := filepath.Join(b.cfg.profile, name+".pprof")
	if err := os.WriteFile(path, f.body, 0o644); err != nil {
		return err
	}
	b.logf("saved %s", path)
	return nil
}
