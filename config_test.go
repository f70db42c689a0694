package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestRunRefusesABadValueInOneLineThatNamesItsFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // each in the message
		// serving is set for refusals made after the logger exists: the
		// log may say what happened before, but never dumps the usage.
		serving bool
	}{
		{name: "a duration with a bad unit", args: []string{"-katapult-timeout", "10x"}, want: []string{"-katapult-timeout", "10x"}},
		{name: "a zero create timeout", args: []string{"-create-timeout", "0"}, want: []string{"-create-timeout", "above 0"}},
		{name: "a create timeout over the maximum", args: []string{"-create-timeout", "10m"}, want: []string{"-create-timeout", "5m0s"}},
		{name: "a negative read timeout", args: []string{"-katapult-timeout", "-1s"}, want: []string{"-katapult-timeout"}},
		{name: "an unknown log format", args: []string{"-log-format", "xml"}, want: []string{"-log-format", "xml"}},
		{name: "an unknown log level", args: []string{"-log-level", "loud"}, want: []string{"-log-level", "loud"}},
		{name: "a short session key", args: []string{"-session-keys", strings.Repeat("ab", 16)}, want: []string{"-session-keys", "at least 32"}},
		{name: "a session key that is no encoding", args: []string{"-session-keys", strings.Repeat("!", 64)}, want: []string{"-session-keys", "neither hex nor base64"}},
		{name: "a Katapult URL that does not parse", args: []string{"-katapult-url", "::bad"}, want: []string{"-katapult-url", "::bad"}},
		{name: "a Katapult URL without scheme", args: []string{"-katapult-url", "api.katapult.io"}, want: []string{"-katapult-url", "http(s) origin"}},
		{name: "a Katapult URL with a query", args: []string{"-katapult-url", "https://api.katapult.io/?x=1"}, want: []string{"-katapult-url", "query"}},
		{name: "a metrics address without port", args: []string{"-metrics-addr", "nonsense"}, want: []string{"-metrics-addr", "nonsense"}},
		{name: "a negative rate limit", args: []string{"-rate-limit", "-1"}, want: []string{"-rate-limit", "negative"}},
		{name: "a rate limit that is not a number", args: []string{"-rate-limit", "lots"}, want: []string{"-rate-limit", "lots"}},
		{name: "an unknown flag", args: []string{"-databse", "postgres://x"}, want: []string{"-databse", "ipdesk -h"}},
		{name: "a database that is not PostgreSQL", args: []string{"-database", "mysql://x"}, want: []string{"-database", "postgres://"}},
		{name: "a journal kept less than a day", args: []string{"-journal-retention", "1h"}, want: []string{"-journal-retention", "1h0m0s"}},
		{name: "a positional argument", args: []string{"serve"}, want: []string{"serve", "flags only"}},
		{name: "a read timeout variable that is no duration", env: map[string]string{"IPDESK_KATAPULT_TIMEOUT": "abc"}, want: []string{"IPDESK_KATAPULT_TIMEOUT", "-katapult-timeout", "abc"}},
		{name: "a create timeout variable over the maximum", env: map[string]string{"IPDESK_CREATE_TIMEOUT": "6m"}, want: []string{"-create-timeout", "6m0s"}},
		{name: "a log format variable", env: map[string]string{"IPDESK_LOG_FORMAT": "yaml"}, want: []string{"-log-format", "yaml"}},
		{name: "a rate limit variable that is not a number", env: map[string]string{"IPDESK_RATE_LIMIT": "lots"}, want: []string{"IPDESK_RATE_LIMIT", "-rate-limit"}},
		{name: "a cookie variable that is not a boolean", env: map[string]string{"IPDESK_COOKIE_SECURE": "maybe"}, want: []string{"IPDESK_COOKIE_SECURE", "-cookie-secure"}},
		{name: "a session keys variable, not repeated", env: map[string]string{"IPDESK_SESSION_KEYS": "short-secret-value"}, want: []string{"-session-keys"}},
		{name: "a listen address with a bad port", args: []string{"-addr", "127.0.0.1:port"}, want: []string{"-addr", "127.0.0.1:port"}, serving: true},
		{name: "trusted proxies: a word", args: []string{"-trusted-proxies", "loadbalancer"}, want: []string{"-trusted-proxies", "loadbalancer"}},
		{name: "trusted proxies: a prefix too long", args: []string{"-trusted-proxies", "10.0.0.0/33"}, want: []string{"-trusted-proxies", "10.0.0.0/33"}},
		{name: "trusted proxies: one bad item among good ones", args: []string{"-trusted-proxies", "10.0.0.0/8,10.0.0.300"}, want: []string{"-trusted-proxies", "10.0.0.300"}},
		{name: "trusted proxies: an address with a zone", args: []string{"-trusted-proxies", "fe80::1%eth0"}, want: []string{"-trusted-proxies", "fe80::1%eth0"}},
		{name: "trusted proxies: from the variable", env: map[string]string{"IPDESK_TRUSTED_PROXIES": "10.0.0.0/x"}, want: []string{"-trusted-proxies", "10.0.0.0/x"}},
		{name: "a seed file that does not exist", args: []string{"-seed", "/nonexistent/seed.json"}, want: []string{"/nonexistent/seed.json"}, serving: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			// Should run serve after all, it stops on its own.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args := append([]string{"ipdesk", "-addr", "127.0.0.1:0", "-data", t.TempDir()}, tt.args...)
			err := run(ctx, args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if err == nil {
				t.Fatalf("run(%q) with %v served, want a refusal", tt.args, tt.env)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("run(%q): the message is more than one line: %q", tt.args, msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("run(%q) with %v = %q, want it to name %q", tt.args, tt.env, msg, w)
				}
			}
			if strings.Contains(msg, "short-secret-value") {
				t.Errorf("run: the message %q repeats the session key", msg)
			}
			if stdout.Len() != 0 {
				t.Errorf("run(%q) printed %q on stdout, want nothing", tt.args, stdout.String())
			}
			switch {
			case !tt.serving && stderr.Len() != 0:
				t.Errorf("run(%q) printed %q on stderr, want only the returned message", tt.args, stderr.String())
			case strings.Contains(stderr.String(), "Usage") || strings.Contains(stderr.String(), "-katapult-timeout"):
				t.Errorf("run(%q) dumped the usage on stderr: %q", tt.args, stderr.String())
			}
		})
	}
}

func TestRunWithHelpPrintsEveryFlagAndSucceeds(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "-help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			if err := run(context.Background(), []string{"ipdesk", arg}, func(string) string { return "" }, &stdout, &stderr); err != nil {
				t.Fatalf("run %s = %v, want nil", arg, err)
			}
			for _, f := range []string{"-addr", "-data", "-katapult-url", "-seed", "-session-keys", "-cookie-secure", "-rate-limit",
				"-log-format", "-log-level", "-metrics-addr", "-katapult-timeout", "-create-timeout", "-healthcheck"} {
				if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + `\b`).MatchString(stderr.String()) {
					t.Errorf("the usage lists no %s:\n%s", f, stderr.String())
				}
			}
			for _, def := range []string{`default "127.0.0.1:8080"`, `default "json"`, `default "info"`, "default 10s", "default 30s", "default 1000"} {
				if !strings.Contains(stderr.String(), def) {
					t.Errorf("the usage does not show the default %s:\n%s", def, stderr.String())
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("run %s printed %q on stdout", arg, stdout.String())
			}
		})
	}
}

func TestRunReplacesASessionKeyFileThatHoldsNoKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content string
	}{
		{name: "empty", content: ""},
		{name: "half written", content: "0123456789"},
		{name: "a short key", content: strings.Repeat("ab", 16) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "session.key")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", dir}, nil)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).Match(b) {
				t.Errorf("session.key holds %q, want 64 hex digits", b)
			}
			assertMode(t, path, 0o600)
			assertNoTempFiles(t, dir)
			warned := false
			for _, l := range jsonLogLines(t, s.logs.String()) {
				if l["level"] == "WARN" && strings.Contains(l["msg"].(string), "session key file") && l["file"] == path {
					warned = true
				}
			}
			if !warned {
				t.Errorf("no warning names the replaced session key file; the log:\n%s", s.logs.String())
			}
		})
	}
}

func TestLoadOrCreateSessionKeyKeepsAGoodKeyWithoutAWarning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "session.key")
	key := strings.Repeat("cd", 32)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	k, err := loadOrCreateSessionKey(path, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil || len(k) != 32 || k[0] != 0xcd {
		t.Fatalf("loadOrCreateSessionKey = %x, %v; want the key in the file", k, err)
	}
	if logs.Len() != 0 {
		t.Errorf("a good key file was logged about: %s", logs.String())
	}
	if b, _ := os.ReadFile(path); string(b) != key+"\n" {
		t.Errorf("a good key file was rewritten: %q", b)
	}
}

func TestWriteFileAtomicLeavesNoTemporaryFile(t *testing.T) {
	t.Parallel()
	t.Run("written", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := filepath.Join(dir, "session.key")
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		// Not 0600, which os.CreateTemp gives anyway.
		if err := writeFileAtomic(path, []byte("new\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != "new\n" {
			t.Errorf("the file holds %q, want the new content", b)
		}
		assertMode(t, path, 0o640)
		assertNoTempFiles(t, dir)
	})
	t.Run("failed", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		// A folder where the file should go: the rename fails.
		path := filepath.Join(dir, "session.key")
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(path, "keep"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := writeFileAtomic(path, []byte("new\n"), 0o600); err == nil {
			t.Fatal("writeFileAtomic over a folder succeeded")
		}
		assertNoTempFiles(t, dir)
	})
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", path, got, want)
	}
}

// assertNoTempFiles checks that dir holds nothing that looks like a
// temporary file of writeFileAtomic.
func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.Contains(e.Name(), "tmp") {
			t.Errorf("%s holds %s, a temporary file left behind", dir, e.Name())
		}
	}
}

// jsonLogLines parses a JSON log, failing on any line that is not JSON.
func jsonLogLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Errorf("a log line is not JSON (%v): %s", err, sc.Bytes())
			continue
		}
		out = append(out, l)
	}
	return out
}

func TestHealthcheckAsksTheRunningServer(t *testing.T) {
	t.Parallel()
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	addr := strings.TrimPrefix(s.url, "http://")
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(sick.Close)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // "" is success; else in the error
	}{
		{name: "a serving ipdesk", args: []string{"-healthcheck", "-addr", addr}},
		{name: "the address from the environment", args: []string{"-healthcheck"}, env: map[string]string{"IPDESK_ADDR": addr}},
		{name: "an unspecified host, asked on loopback", args: []string{"-healthcheck", "-addr", "0.0.0.0:" + port}},
		{name: "a host left out, asked on loopback", args: []string{"-healthcheck", "-addr", ":" + port}},
		// (Go's dialer itself takes an unspecified host for the local
		// system: these hold whichever does it.)
		{name: "an unspecified IPv6 host, asked on loopback", args: []string{"-healthcheck", "-addr", "[::]:" + port}},
		{name: "the variable", args: []string{"-addr", addr}, env: map[string]string{"IPDESK_HEALTHCHECK": "true"}},
		{name: "nothing listens", args: []string{"-healthcheck", "-addr", closedAddr}, want: "http://" + closedAddr + "/healthz"},
		{name: "a server that is not healthy", args: []string{"-healthcheck", "-addr", strings.TrimPrefix(sick.URL, "http://")}, want: "/healthz answered 503"},
		{name: "an address without port", args: []string{"-healthcheck", "-addr", "localhost"}, want: "-addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			err := run(context.Background(), append([]string{"ipdesk"}, tt.args...), func(k string) string { return tt.env[k] }, &stdout, &stderr)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("run(%q) = %v, want nil", tt.args, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "-healthcheck")):
				t.Errorf("run(%q) = %v, want an error of -healthcheck naming %q", tt.args, err, tt.want)
			}
			if stdout.Len() != 0 || stderr.Len() != 0 {
				t.Errorf("run(%q) printed %q and %q; a check prints nothing", tt.args, stdout.String(), stderr.String())
			}
		})
	}
}

func TestRunServesMetricsOnTheirOwnListenerWhenAsked(t *testing.T) {
	t.Parallel()
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-metrics-addr", "127.0.0.1:0"}, nil)
	var serving map[string]any
	for _, l := range jsonLogLines(t, s.logs.String()) {
		if l["msg"] == "serving" {
			serving = l
		}
	}
	if serving == nil {
		t.Fatalf("no serving line in the log:\n%s", s.logs.String())
	}
	metricsAddr, _ := serving["metrics_addr"].(string)
	if serving["addr"] != strings.TrimPrefix(s.url, "http://") || serving["embedded"] != true ||
		serving["katapult_timeout"] == nil || serving["create_timeout"] == nil || serving["shutdown_grace"] == nil ||
		!strings.HasPrefix(metricsAddr, "127.0.0.1:") || strings.HasSuffix(metricsAddr, ":0") {
		t.Fatalf("the serving line %v: want the main and the metrics listeners' real addresses, the mode and the time budget", serving)
	}

	res, body := getBody(t, "http://"+metricsAddr+"/metrics")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "# TYPE http_request_duration_seconds histogram") {
		t.Errorf("GET /metrics on -metrics-addr: status %d, body:\n%s", res.StatusCode, body)
	}
	res, body = getBody(t, s.url+"/metrics")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Header.Get("Content-Type"), "text/html") || strings.Contains(body, "# TYPE") {
		t.Errorf("GET /metrics on -addr with -metrics-addr set: status %d, %s; want the 404 page", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestRunServesMetricsOnTheMainListenerByDefault(t *testing.T) {
	t.Parallel()
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	res, body := getBody(t, s.url+"/metrics")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "# TYPE ipdesk_creates_total counter") {
		t.Errorf("GET /metrics: status %d, body:\n%s", res.StatusCode, body)
	}
	for _, l := range jsonLogLines(t, s.logs.String()) {
		if l["msg"] == "serving" && l["metrics_addr"] != nil {
			t.Errorf("the serving line names a metrics listener that does not exist: %v", l)
		}
	}
}

func getBody(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res, string(b)
}

func TestRunLogsJSONByDefaultAndTextWhenAsked(t *testing.T) {
	t.Parallel()
	textLine := regexp.MustCompile(`^time=\S+ level=(DEBUG|INFO|WARN|ERROR) msg=`)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		json bool
	}{
		{name: "default", json: true},
		{name: "-log-format json", args: []string{"-log-format", "json"}, json: true},
		{name: "-log-format text", args: []string{"-log-format", "text"}},
		{name: "IPDESK_LOG_FORMAT", env: map[string]string{"IPDESK_LOG_FORMAT": "text"}},
		{name: "a flag over its variable", args: []string{"-log-format", "json"}, env: map[string]string{"IPDESK_LOG_FORMAT": "text"}, json: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startRun(t, append([]string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, tt.args...), tt.env)
			getBody(t, s.url+"/login")
			// The request's line is written once its answer has gone out:
			// wait for it.
			waitUntil(t, func() bool { return strings.Contains(s.logs.String(), "/login") })
			lines := strings.Split(strings.TrimSuffix(s.logs.String(), "\n"), "\n")
			if len(lines) < 2 {
				t.Fatalf("the log has %d lines, want the serving line and a request's:\n%s", len(lines), s.logs.String())
			}
			for _, l := range lines {
				var v map[string]any
				isJSON := json.Unmarshal([]byte(l), &v) == nil
				switch {
				case tt.json && !isJSON:
					t.Errorf("a line is not JSON: %s", l)
				case !tt.json && (isJSON || !textLine.MatchString(l)):
					t.Errorf("a line is not key=value text: %s", l)
				}
			}
			serving := `"msg":"serving"`
			if !tt.json {
				serving = "msg=serving addr=" + strings.TrimPrefix(s.url, "http://")
			}
			if !strings.Contains(s.logs.String(), serving) {
				t.Errorf("no serving line (%s) in the log:\n%s", serving, s.logs.String())
			}
		})
	}
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the condition did not come true within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
