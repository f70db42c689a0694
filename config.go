package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"ipdesk/journal"
	"ipdesk/katapult"
)

// config is everything the command line and the environment decide.
type config struct {
	addr         string
	dataDir      string
	katapultURL  string
	seedFile     string
	sessionKeys  [][]byte
	database     string
	retention    time.Duration
	cookieSecure bool
	rateLimit    int
	logFormat    string
	logLevel     slog.Level
	metricsAddr  string
	// readTimeout and createTimeout bound one Katapult call; the server's
	// own timeouts are derived from them (app.NewBudget).
	readTimeout   time.Duration
	createTimeout time.Duration
	// healthcheck asks the ipdesk listening on addr for /healthz and exits:
	// the container's HEALTHCHECK, in an image that has no curl.
	healthcheck bool
	// trustedProxies are the proxies whose X-Forwarded-For names the
	// client that sign-in limits count against; none: the peer is.
	trustedProxies []netip.Prefix
}

// embedded reports whether ipdesk serves its own Katapult-compatible API.
func (c config) embedded() bool { return c.katapultURL == "" }

// minSessionKey is the shortest secret -session-keys accepts.
const minSessionKey = 32

// maxKatapultTimeout bounds -katapult-timeout and -create-timeout: the
// server's write timeout and shutdown grace grow with them, and a page that
// waits longer than this is not one staff would wait for.
const maxKatapultTimeout = 5 * time.Minute

// Log formats of -log-format.
const (
	logJSON = "json"
	logText = "text"
)

// parseConfig reads the flags of DESIGN.md. Each flag has an IPDESK_*
// environment twin: a flag wins over its variable, which wins over the
// default. Variables are applied after parsing, to the flags the command
// line left alone, so that the usage text shows only built-in defaults
// (never a secret from the environment) and a bad variable is reported only
// when it is used.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	var sessionKeys, logLevel, trustedProxies string
	fs := flag.NewFlagSet("ipdesk", flag.ContinueOnError)
	// A bad flag is reported by run in one line; the usage is printed
	// only when asked for with -h.
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "listen address (IPDESK_ADDR)")
	fs.StringVar(&cfg.dataDir, "data", "./data", "data folder: embedded store and generated session key (IPDESK_DATA)")
	fs.StringVar(&cfg.katapultURL, "katapult-url", "", "Katapult's origin, e.g. https://api.katapult.io; empty: serve the embedded API (IPDESK_KATAPULT_URL)")
	fs.StringVar(&cfg.seedFile, "seed", "", "JSON seed for a fresh embedded store instead of the demo seed (IPDESK_SEED)")
	fs.StringVar(&sessionKeys, "session-keys", "", "comma-separated secrets of at least 32 bytes, hex or base64; the first signs new cookies (IPDESK_SESSION_KEYS)")
	fs.BoolVar(&cfg.cookieSecure, "cookie-secure", false, "mark cookies Secure: set it when served over HTTPS (IPDESK_COOKIE_SECURE)")
	fs.IntVar(&cfg.rateLimit, "rate-limit", 1000, "embedded API: requests a minute per token; 0 turns it off (IPDESK_RATE_LIMIT)")
	fs.StringVar(&cfg.logFormat, "log-format", logJSON, "log format: json or text (IPDESK_LOG_FORMAT)")
	fs.StringVar(&logLevel, "log-level", "info", "least severe log level: debug, info, warn or error (IPDESK_LOG_LEVEL)")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", "", "listen address of /metrics alone, e.g. 127.0.0.1:9090; empty: /metrics on -addr (IPDESK_METRICS_ADDR)")
	fs.DurationVar(&cfg.readTimeout, "katapult-timeout", katapult.DefaultReadTimeout, "how long one Katapult read may take (IPDESK_KATAPULT_TIMEOUT)")
	fs.DurationVar(&cfg.createTimeout, "create-timeout", katapult.DefaultCreateTimeout, "how long one Katapult create may take (IPDESK_CREATE_TIMEOUT)")
	fs.StringVar(&trustedProxies, "trusted-proxies", "", "comma-separated CIDRs of the proxies whose X-Forwarded-For names the client, e.g. 10.0.0.0/8; empty: the peer address is the client (IPDESK_TRUSTED_PROXIES)")
	fs.StringVar(&cfg.database, "database", "", "the journal's database: empty for SQLite <data>/ipdesk.db, or a postgres:// URL shared by replicas (IPDESK_DATABASE)")
	fs.DurationVar(&cfg.retention, "journal-retention", journal.DefaultRetention, "how long journal rows are kept, e.g. 9600h (IPDESK_JOURNAL_RETENTION)")
	fs.BoolVar(&cfg.healthcheck, "healthcheck", false, "check that the ipdesk listening on -addr answers /healthz, and exit 0 if it does (IPDESK_HEALTHCHECK)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
			return config{}, err
		}
		return config{}, fmt.Errorf("%w (ipdesk -h lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q: ipdesk takes flags only", fs.Arg(0))
	}
	if err := applyEnv(fs, getenv); err != nil {
		return config{}, err
	}
	if cfg.rateLimit < 0 {
		return config{}, fmt.Errorf("-rate-limit: %d is negative; 0 turns the limit off", cfg.rateLimit)
	}
	if cfg.logFormat != logJSON && cfg.logFormat != logText {
		return config{}, fmt.Errorf("-log-format: %q is neither %s nor %s", cfg.logFormat, logJSON, logText)
	}
	if err := cfg.logLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return config{}, fmt.Errorf("-log-level: %q is not debug, info, warn or error", logLevel)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"katapult-timeout", cfg.readTimeout}, {"create-timeout", cfg.createTimeout}} {
		if d.v <= 0 || d.v > maxKatapultTimeout {
			return config{}, fmt.Errorf("-%s: %s is out of range: give a duration above 0 and at most %s, such as 10s", d.name, d.v, maxKatapultTimeout)
		}
	}
	if cfg.retention < 24*time.Hour {
		return config{}, fmt.Errorf("-journal-retention: %s is too short: keep the journal at least a day (24h); the default is %s", cfg.retention, journal.DefaultRetention)
	}
	if d := cfg.database; d != "" && !strings.HasPrefix(d, "postgres://") && !strings.HasPrefix(d, "postgresql://") {
		return config{}, errors.New("-database: give a postgres:// URL, or nothing for SQLite in the data folder")
	}
	if cfg.metricsAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.metricsAddr); err != nil {
			return config{}, fmt.Errorf("-metrics-addr: %q is not a host:port listen address", cfg.metricsAddr)
		}
	}
	var err error
	if cfg.sessionKeys, err = parseSessionKeys(sessionKeys); err != nil {
		return config{}, err
	}
	if cfg.katapultURL, err = parseKatapultURL(cfg.katapultURL); err != nil {
		return config{}, err
	}
	if cfg.trustedProxies, err = parseTrustedProxies(trustedProxies); err != nil {
		return config{}, err
	}
	return cfg, nil
}

// parseTrustedProxies reads the comma-separated CIDRs of -trusted-proxies;
// a bare address is a range of one.
func parseTrustedProxies(raw string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("-trusted-proxies: %q is not a CIDR such as 10.0.0.0/8 or 2001:db8::/32", part)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// applyEnv sets each flag the command line did not set from its variable
// (IPDESK_ and the flag's name in capitals, - as _), parsed by the flag
// itself. An empty variable counts as unset.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "IPDESK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v := getenv(name)
		if set[f.Name] || v == "" || err != nil {
			return
		}
		if ferr := fs.Set(f.Name, v); ferr != nil {
			if f.Name == "session-keys" {
				v = "…" // a secret: never repeated in a message
			}
			err = fmt.Errorf("%s: %q is not a valid value for -%s", name, v, f.Name)
		}
	})
	return err
}

// parseKatapultURL checks Katapult's origin and returns it without a
// trailing slash; "/core/v1" is appended by the caller.
func parseKatapultURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("-katapult-url: %q is not an http(s) origin such as https://api.katapult.io", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("-katapult-url: %q must not carry a query or fragment", raw)
	}
	return strings.TrimSuffix(strings.TrimSuffix(u.String(), "/"), "/core/v1"), nil
}

// parseSessionKeys decodes the comma-separated secrets of -session-keys.
// Each is hex or base64 (standard or URL alphabet, padded or not) and at
// least 32 bytes long once decoded.
func parseSessionKeys(raw string) ([][]byte, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var keys [][]byte
	for i, part := range strings.Split(raw, ",") {
		k, err := decodeSecret(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("-session-keys: key %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func decodeSecret(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	decoders := []func(string) ([]byte, error){
		hex.DecodeString,
		base64.StdEncoding.DecodeString,
		base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString,
		base64.RawURLEncoding.DecodeString,
	}
	for _, dec := range decoders {
		if b, err := dec(s); err == nil {
			if len(b) < minSessionKey {
				return nil, fmt.Errorf("decodes to %d bytes; at least %d are needed (e.g. openssl rand -hex 32)", len(b), minSessionKey)
			}
			return b, nil
		}
	}
	return nil, errors.New("is neither hex nor base64")
}
