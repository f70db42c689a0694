package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTrustedProxiesAreReadFromTheFlagOrItsVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{name: "none by default", want: nil},
		{name: "CIDRs from the flag", args: []string{"-trusted-proxies", "10.0.0.0/8,2001:db8::/32"}, want: []string{"10.0.0.0/8", "2001:db8::/32"}},
		{name: "spaces and empty items are ignored", args: []string{"-trusted-proxies", " 10.0.0.0/8 , ,192.168.0.0/16 "}, want: []string{"10.0.0.0/8", "192.168.0.0/16"}},
		{name: "a bare address is a range of one", args: []string{"-trusted-proxies", "127.0.0.1,::1"}, want: []string{"127.0.0.1/32", "::1/128"}},
		{name: "host bits are dropped", args: []string{"-trusted-proxies", "10.1.2.3/8"}, want: []string{"10.0.0.0/8"}},
		{name: "from the variable", env: map[string]string{"IPDESK_TRUSTED_PROXIES": "172.16.0.0/12"}, want: []string{"172.16.0.0/12"}},
		{name: "the flag wins over the variable", args: []string{"-trusted-proxies", "10.0.0.0/8"},
			env: map[string]string{"IPDESK_TRUSTED_PROXIES": "172.16.0.0/12"}, want: []string{"10.0.0.0/8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseConfig(append([]string{"ipdesk"}, tt.args...), func(k string) string { return tt.env[k] }, io.Discard)
			if err != nil {
				t.Fatalf("parseConfig: %v", err)
			}
			got := []string{}
			for _, p := range cfg.trustedProxies {
				got = append(got, p.String())
			}
			if !slices.Equal(got, append([]string{}, tt.want...)) {
				t.Errorf("trusted proxies %q, want %q", got, tt.want)
			}
			for _, p := range cfg.trustedProxies {
				if p != p.Masked() || !p.IsValid() {
					t.Errorf("%s is not a clean prefix", p)
				}
			}
		})
	}
}

func TestRunRefusesATrustedProxyThatIsNoCIDRInOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{name: "a word", args: []string{"-trusted-proxies", "loadbalancer"}, want: []string{"-trusted-proxies", "loadbalancer"}},
		{name: "a prefix too long", args: []string{"-trusted-proxies", "10.0.0.0/33"}, want: []string{"-trusted-proxies", "10.0.0.0/33"}},
		{name: "one bad item among good ones", args: []string{"-trusted-proxies", "10.0.0.0/8,10.0.0.300"}, want: []string{"-trusted-proxies", "10.0.0.300"}},
		{name: "an address with a zone", args: []string{"-trusted-proxies", "fe80::1%eth0"}, want: []string{"-trusted-proxies", "fe80::1%eth0"}},
		{name: "from the variable", env: map[string]string{"IPDESK_TRUSTED_PROXIES": "10.0.0.0/x"}, want: []string{"-trusted-proxies", "10.0.0.0/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args := append([]string{"ipdesk", "-addr", "127.0.0.1:0", "-data", t.TempDir()}, tt.args...)
			err := run(ctx, args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if err == nil {
				t.Fatalf("run(%q) with %v served, want a refusal", tt.args, tt.env)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("the message is more than one line: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the message %q does not name %q", msg, w)
				}
			}
			if stdout.Len() != 0 || stderr.Len() != 0 {
				t.Errorf("run printed %q and %q, want only the returned message", stdout.String(), stderr.String())
			}
		})
	}
}

func TestTheUsageListsTrustedProxies(t *testing.T) {
	t.Parallel()
	var stderr strings.Builder
	if err := run(context.Background(), []string{"ipdesk", "-h"}, func(string) string { return "" }, io.Discard, &stderr); err != nil {
		t.Fatalf("run -h: %v", err)
	}
	if !strings.Contains(stderr.String(), "-trusted-proxies") || !strings.Contains(stderr.String(), "IPDESK_TRUSTED_PROXIES") {
		t.Errorf("the usage does not list -trusted-proxies and its variable:\n%s", stderr.String())
	}
}
