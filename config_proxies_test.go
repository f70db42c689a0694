package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
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
