package main

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestASmokeLoadPassesAndReportsEveryRoute runs the load program as `make
// load` does, but small (10 users for 3 s), so that it keeps compiling and
// working with the server it loads.
func TestASmokeLoadPassesAndReportsEveryRoute(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := run(ctx, []string{"ipdesk-load", "-users", "10", "-duration", "3s", "-htmx", "0.5", "-json"}, &out, &errOut)
	if err != nil {
		t.Fatalf("run: %v\nreport: %s\nstderr: %s", err, out.String(), errOut.String())
	}
	var r report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("the -json report does not decode: %v\n%s", err, out.String())
	}
	if !r.Passed || r.ServerErrors != 0 || len(r.Errors) != 0 {
		t.Errorf("passed %v, %d 5xx, errors %v; want a clean pass", r.Passed, r.ServerErrors, r.Errors)
	}
	if r.SignedIn != 10 || r.Creates == 0 || r.Flow.Requests != r.Creates || r.Flow.P99ms <= 0 {
		t.Errorf("%d signed in, %d creates, flow %+v; want 10 users creating", r.SignedIn, r.Creates, r.Flow)
	}
	a := r.Audit
	if a.Listed != r.Creates || a.Duplicates != 0 || a.Missing != 0 || a.Changed != 0 || a.Unshown != 0 {
		t.Errorf("audit %+v after %d creates: want every address listed once and shown", a, r.Creates)
	}
	got := map[string]latencyStats{}
	for _, s := range r.Routes {
		got[s.Route] = s
	}
	for _, route := range routeOrder {
		if s := got[route]; s.Requests == 0 || s.P50ms <= 0 || s.P99ms < s.P50ms || s.MaxMs < s.P99ms {
			t.Errorf("route %q: %+v; want requests and ordered percentiles", route, s)
		}
	}
	plain, htmx := got[routeCreate], got[routeCreateHTMX]
	if plain.Statuses["303"] != plain.Requests || htmx.Statuses["200"] != htmx.Requests || plain.Requests+htmx.Requests != r.Creates {
		t.Errorf("plain posts %v, htmx posts %v, %d creates: want every plain post redirected and every htmx post answered 200",
			plain.Statuses, htmx.Statuses, r.Creates)
	}

	t.Logf("%d creates in %s, create flow p50 %.1f ms, p99 %.1f ms", r.Creates, r.Elapsed, r.Flow.P50ms, r.Flow.P99ms)

	// The same report, for people.
	var text bytes.Buffer
	if err := r.write(&text, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"create flow (form, post, result)", "5xx answers: 0", "0 held twice", "errors by kind: none", "PASS"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the printed report lacks %q:\n%s", want, text.String())
		}
	}
}

func TestParseConfigRefusesRunsBeyondItsBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string // in the error; "" for none
	}{
		{name: "the defaults: the issue's 200 users for a minute", args: nil},
		{name: "the largest run", args: []string{"-users", "1000", "-duration", "10m"}},
		{name: "no users", args: []string{"-users", "0"}, want: "-users 0"},
		{name: "too many users", args: []string{"-users", "1001"}, want: "-users 1001"},
		{name: "too long", args: []string{"-duration", "10m1s"}, want: "-duration 10m1s"},
		{name: "too short", args: []string{"-duration", "10ms"}, want: "-duration 10ms"},
		{name: "a share above one", args: []string{"-htmx", "1.5"}, want: "-htmx 1.5"},
		{name: "no organizations", args: []string{"-orgs", "0"}, want: "-orgs 0"},
		{name: "a target to load", args: []string{"http://example.com"}, want: "unexpected argument"},
		{name: "an unknown flag", args: []string{"-url", "http://example.com"}, want: "-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			cfg, err := parseConfig(append([]string{"ipdesk-load"}, tt.args...), &stderr)
			if tt.want == "" {
				if err != nil || cfg.users < 1 || cfg.duration <= 0 || cfg.seed == 0 {
					t.Fatalf("parseConfig(%q) = %+v, %v; want a run", tt.args, cfg, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tt.want) {
				t.Errorf("parseConfig(%q) = %v (stderr %q); want an error naming %q", tt.args, err, stderr.String(), tt.want)
			}
		})
	}
}

func TestCheckFindsDuplicateMissingAndChangedAddresses(t *testing.T) {
	t.Parallel()
	shown := []created{
		{id: "ip_a", address: "198.18.0.2", org: "load-00"},
		{id: "ip_b", address: "2001:db8:1000::2", org: "load-01"},
	}
	tests := []struct {
		name string
		all  []listed
		want audit
	}{
		{name: "all kept",
			all:  []listed{{"ip_a", "198.18.0.2", "load-00"}, {"ip_b", "2001:db8:1000::2", "load-01"}},
			want: audit{Listed: 2}},
		{name: "an address held twice, across organizations",
			all:  []listed{{"ip_a", "198.18.0.2", "load-00"}, {"ip_b", "2001:db8:1000::2", "load-01"}, {"ip_c", "198.18.0.2", "load-01"}},
			want: audit{Listed: 3, Duplicates: 1, Unshown: 1}},
		{name: "a shown create missing",
			all:  []listed{{"ip_a", "198.18.0.2", "load-00"}},
			want: audit{Listed: 1, Missing: 1}},
		{name: "a shown create with another address",
			all:  []listed{{"ip_a", "198.18.0.3", "load-00"}, {"ip_b", "2001:db8:1000::2", "load-01"}},
			want: audit{Listed: 2, Changed: 1}},
		{name: "a shown create in another organization",
			all:  []listed{{"ip_a", "198.18.0.2", "load-01"}, {"ip_b", "2001:db8:1000::2", "load-01"}},
			want: audit{Listed: 2, Changed: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := check(tt.all, shown)
			problems := got.Duplicates + got.Missing + got.Changed
			if len(got.Examples) != problems {
				t.Errorf("%d problems but %d examples: %q", problems, len(got.Examples), got.Examples)
			}
			counts := got
			counts.Examples = nil
			if !reflect.DeepEqual(counts, tt.want) {
				t.Errorf("check = %+v, want %+v", counts, tt.want)
			}
			// The run fails, and ipdesk-load exits 1, on any of them.
			rec := newRecorder()
			rec.flow(shown[0], time.Millisecond)
			if r := buildReport(config{}, rec, ranInfo{elapsed: time.Second}, got); r.Passed != (problems == 0) {
				t.Errorf("the report passed = %v with %d problems", r.Passed, problems)
			}
		})
	}
}
