package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/krystal/go-katapult/next/core"
)

// started is a running ipdesk: the URL it printed, the demo token and
// what it logged.
type started struct {
	url   string
	token string
	line  string
	done  chan error
	logs  *syncBuffer
}

// syncBuffer is a log sink that tests read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startRun starts run() on a free port with the given flags and environment
// and waits until /healthz answers. The server stops when the test ends.
func startRun(t *testing.T, args []string, env map[string]string) started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := started{done: make(chan error, 1), logs: &syncBuffer{}}
	getenv := func(k string) string { return env[k] }
	go func() {
		err := run(ctx, append([]string{"ipdesk"}, args...), getenv, pw, s.logs)
		pw.Close()
		s.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("run returned %v after shutdown", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("run did not stop within 20 s of its context ending")
		}
	})

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, pr)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatalf("run printed nothing: %v", <-s.done)
		}
		s.line = line
	case <-time.After(30 * time.Second):
		t.Fatal("run printed no startup line within 30 s")
	}
	m := regexp.MustCompile(`(http://\S+?)/? `).FindStringSubmatch(s.line + " ")
	if m == nil {
		t.Fatalf("startup line %q has no URL", s.line)
	}
	s.url = m[1]
	if tm := regexp.MustCompile(`demo token (\S+?)\)?$`).FindStringSubmatch(s.line); tm != nil {
		s.token = tm[1]
	}
	waitHealthy(t, s.url)
	return s
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/healthz did not answer 200 within 10 s", base)
}

func TestRunServesTheEmbeddedAPIAndPrintsTheDemoToken(t *testing.T) {
	t.Parallel()
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	if s.token == "" {
		t.Fatalf("startup line %q names no demo token", s.line)
	}
	if strings.HasSuffix(s.url, ":0") {
		t.Fatalf("startup line %q shows port 0, not the real port", s.line)
	}

	c, err := core.NewClientWithResponses(s.url+"/core/v1", s.token)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.GetOrganizationsWithResponse(context.Background())
	if err != nil {
		t.Fatalf("GET /organizations: %v", err)
	}
	if res.StatusCode() != http.StatusOK || res.JSON200 == nil || len(res.JSON200.Organizations) == 0 {
		t.Fatalf("GET /organizations: status %d, body %s", res.StatusCode(), res.Body)
	}
	if res.HTTPResponse.Header.Get("X-Request-Id") == "" {
		t.Error("the API's answer has no X-Request-Id")
	}

	page, err := http.Get(s.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		t.Errorf("GET /login: status %d, want 200", page.StatusCode)
	}
}

func TestRunAnswersEveryPathUnderCoreV1InTheAPIsEnvelope(t *testing.T) {
	t.Parallel()
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/core/v1", "/core/v1/", "/core/v1//organizations", "/core/v1/./organizations", "/core/v1/organizations/../data_centers", "/core/v1/nothing"} {
		t.Run(path, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+s.token)
			res, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/json" ||
				res.Header.Get("X-Request-Id") == "" || !strings.Contains(string(body), `"code":"route_not_found"`) {
				t.Errorf("GET %s: status %d, Content-Type %q, X-Request-Id %q, body %s; want the API's 404 route_not_found envelope",
					path, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("X-Request-Id"), body)
			}
		})
	}
}

func TestRunKeepsAGeneratedSessionKeyPrivateAndReusesIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "session.key")
	k1, err := loadOrCreateSessionKey(path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("session key file mode %o, want 600", mode)
	}
	k2, err := loadOrCreateSessionKey(path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(k1) != hex.EncodeToString(k2) || len(k1) < minSessionKey {
		t.Errorf("second start read another key (%d bytes) than the first wrote (%d bytes)", len(k2), len(k1))
	}
}

func TestRunInRemoteModeDoesNotServeTheEmbeddedAPI(t *testing.T) {
	t.Parallel()
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()},
		map[string]string{"IPDESK_KATAPULT_URL": "http://127.0.0.1:9/"})
	if s.token != "" || !strings.Contains(s.line, "Katapult at http://127.0.0.1:9") {
		t.Fatalf("remote mode startup line %q: want Katapult's URL and no demo token", s.line)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(s.url + "/core/v1/organizations")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK || strings.Contains(res.Header.Get("Content-Type"), "json") {
		t.Errorf("GET /core/v1/organizations in remote mode: status %d, %s: want no embedded API", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestParseConfigLetsAFlagWinOverItsVariableAndTheVariableOverTheDefault(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("ab", 32)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want config
	}{
		{
			name: "defaults",
			want: config{addr: "127.0.0.1:8080", dataDir: "./data", rateLimit: 1000},
		},
		{
			name: "variables",
			env: map[string]string{"IPDESK_ADDR": ":9000", "IPDESK_DATA": "/srv/ipdesk", "IPDESK_KATAPULT_URL": "https://api.katapult.io/",
				"IPDESK_SEED": "s.json", "IPDESK_COOKIE_SECURE": "true", "IPDESK_RATE_LIMIT": "0", "IPDESK_SESSION_KEYS": key},
			want: config{addr: ":9000", dataDir: "/srv/ipdesk", katapultURL: "https://api.katapult.io", seedFile: "s.json",
				cookieSecure: true, rateLimit: 0, sessionKeys: [][]byte{make([]byte, 32)}},
		},
		{
			name: "flags over variables",
			args: []string{"-addr", "127.0.0.1:9001", "-rate-limit", "5", "-cookie-secure=false", "-katapult-url", "https://k.example/core/v1"},
			env:  map[string]string{"IPDESK_ADDR": ":9000", "IPDESK_RATE_LIMIT": "0", "IPDESK_COOKIE_SECURE": "true"},
			want: config{addr: "127.0.0.1:9001", dataDir: "./data", katapultURL: "https://k.example", rateLimit: 5},
		},
		{
			name: "a flag over a variable that would not parse",
			args: []string{"-rate-limit", "10", "-cookie-secure"},
			env:  map[string]string{"IPDESK_RATE_LIMIT": "lots", "IPDESK_COOKIE_SECURE": "maybe"},
			want: config{addr: "127.0.0.1:8080", dataDir: "./data", rateLimit: 10, cookieSecure: true},
		},
		{
			name: "a bare boolean flag",
			args: []string{"-cookie-secure"},
			want: config{addr: "127.0.0.1:8080", dataDir: "./data", rateLimit: 1000, cookieSecure: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseConfig(append([]string{"ipdesk"}, tt.args...), func(k string) string { return tt.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if got.addr != tt.want.addr || got.dataDir != tt.want.dataDir || got.katapultURL != tt.want.katapultURL ||
				got.seedFile != tt.want.seedFile || got.cookieSecure != tt.want.cookieSecure || got.rateLimit != tt.want.rateLimit ||
				len(got.sessionKeys) != len(tt.want.sessionKeys) {
				t.Errorf("parseConfig = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseSessionKeysAcceptsHexAndBase64(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		raw     string
		want    int
		wantErr bool
	}{
		{name: "one hex key", raw: strings.Repeat("0f", 32), want: 1},
		{name: "hex and base64, rotated", raw: strings.Repeat("0f", 32) + ", " + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", want: 2},
		{name: "unpadded URL base64", raw: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", want: 1},
		{name: "too short", raw: strings.Repeat("0f", 16), wantErr: true},
		{name: "an empty key between commas", raw: strings.Repeat("0f", 32) + ",,", wantErr: true},
		{name: "not an encoding", raw: strings.Repeat("!", 64), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			keys, err := parseSessionKeys(tt.raw)
			if (err != nil) != tt.wantErr || len(keys) != tt.want {
				t.Fatalf("parseSessionKeys(%q) = %d keys, %v", tt.raw, len(keys), err)
			}
		})
	}
}

func TestTheSessionKeysFromTheEnvironmentNeverReachTheUsage(t *testing.T) {
	t.Parallel()
	envKey := strings.Repeat("ab", 32)
	env := func(k string) string { return map[string]string{"IPDESK_SESSION_KEYS": envKey}[k] }
	var stderr strings.Builder
	if _, err := parseConfig([]string{"ipdesk", "-h"}, env, &stderr); err == nil {
		t.Fatal("parseConfig(-h) gave no ErrHelp")
	}
	if !strings.Contains(stderr.String(), "-session-keys") {
		t.Fatalf("parseConfig(-h) printed no usage: %q", stderr.String())
	}
	if strings.Contains(stderr.String(), envKey) {
		t.Errorf("parseConfig(-h) printed the session keys of IPDESK_SESSION_KEYS in its usage")
	}

	// The variable still counts, and a flag still wins over it.
	cfg, err := parseConfig([]string{"ipdesk"}, env, io.Discard)
	if err != nil || len(cfg.sessionKeys) != 1 || hex.EncodeToString(cfg.sessionKeys[0]) != envKey {
		t.Errorf("from the variable: keys %x, %v; want %s", cfg.sessionKeys, err, envKey)
	}
	flagKey := strings.Repeat("cd", 32)
	cfg, err = parseConfig([]string{"ipdesk", "-session-keys", flagKey}, env, io.Discard)
	if err != nil || len(cfg.sessionKeys) != 1 || hex.EncodeToString(cfg.sessionKeys[0]) != flagKey {
		t.Errorf("flag over variable: keys %x, %v; want %s", cfg.sessionKeys, err, flagKey)
	}
}
