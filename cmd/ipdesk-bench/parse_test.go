package main

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseWrk(t *testing.T) {
	t.Parallel()
	const clean = `Running 3s test @ http://127.0.0.1:18080/healthz
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   412.17us  301.22us   8.43ms   92.10%
    Req/Sec    19.61k     1.21k   21.12k    80.00%
  58594 requests in 3.00s, 6.93MB read
Requests/sec:  19494.96
Transfer/sec:      2.31MB
`
	tests := []struct {
		name    string
		out     string
		rate    float64
		wantErr string
	}{
		{name: "a clean run", out: clean, rate: 19494.96},
		{name: "answers that were not 2xx", out: strings.Replace(clean, "Requests/sec", "  Non-2xx or 3xx responses: 12\nRequests/sec", 1), wantErr: "12 answers"},
		{name: "socket errors", out: strings.Replace(clean, "Requests/sec", "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec", 1), wantErr: "read 3"},
		{name: "no rate", out: "unable to connect to 127.0.0.1:1 Connection refused\n", wantErr: "no Requests/sec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := parseWrk([]byte(tt.out))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseWrk = %+v, %v; want an error naming %q", r, err, tt.wantErr)
				}
				return
			}
			if err != nil || r.perSecond != tt.rate {
				t.Errorf("parseWrk = %+v, %v; want %v req/s", r, err, tt.rate)
			}
		})
	}
}

func TestParseAllocBench(t *testing.T) {
	t.Parallel()
	// As `go test -bench AllocationCost ./katapult/engine/` prints it.
	const out = `goos: linux
goarch: amd64
pkg: ipdesk/katapult/engine
cpu: AMD EPYC
BenchmarkAllocationCostIsFlat/60000th-of-an-IPv4-slash16-2         	    2758	    401234 ns/op	    196522 ns-first/op	    200471 ns-nth/op	         1.020 nth/first
BenchmarkAllocationCostIsFlat/100000th-of-an-IPv6-slash48-2        	    2811	    398765 ns/op	    193008 ns-first/op	    200728 ns-nth/op	         1.040 nth/first
PASS
ok  	ipdesk/katapult/engine	25.123s
`
	cases, err := parseAllocBench([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []allocCase{
		{name: "60000th-of-an-IPv4-slash16", ratio: 1.02, firstNs: 196522, nthNs: 200471},
		{name: "100000th-of-an-IPv6-slash48", ratio: 1.04, firstNs: 193008, nthNs: 200728},
	}
	if len(cases) != len(want) {
		t.Fatalf("parsed %+v, want %+v", cases, want)
	}
	for i := range want {
		if cases[i] != want[i] {
			t.Errorf("case %d: %+v, want %+v", i, cases[i], want[i])
		}
	}
	if _, err := parseAllocBench([]byte("PASS\nok  \tipdesk/katapult/engine\t0.01s\n")); err == nil {
		t.Error("an output without results parsed")
	}
}

func TestParseKatapultCounts(t *testing.T) {
	t.Parallel()
	before, err := parseKatapultCounts([]byte(`# HELP katapult_request_duration_seconds Katapult calls.
# TYPE katapult_request_duration_seconds histogram
katapult_request_duration_seconds_bucket{code="ok",operation="list organizations",le="0.005"} 1
katapult_request_duration_seconds_sum{code="ok",operation="list organizations"} 0.001
katapult_request_duration_seconds_count{code="ok",operation="list organizations"} 1
`))
	if err != nil {
		t.Fatal(err)
	}
	after, err := parseKatapultCounts([]byte(`katapult_request_duration_seconds_count{code="ok",operation="list organizations"} 1
katapult_request_duration_seconds_count{code="ok",operation="create IP address"} 1
katapult_request_duration_seconds_count{code="validation_error",operation="create IP address"} 1
katapult_request_duration_seconds_count{code="ok",operation="list available networks"} 1
http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 7
`))
	if err != nil {
		t.Fatal(err)
	}
	n, by := after.since(before)
	if n != 3 || by != "create IP address 2, list available networks 1" {
		t.Errorf("since = %d (%s); want 3: create IP address 2, list available networks 1", n, by)
	}
	if n, by := after.since(after); n != 0 || by != "none" {
		t.Errorf("since itself = %d (%s); want none", n, by)
	}
}

func TestAssetPaths(t *testing.T) {
	t.Parallel()
	page, _ := url.Parse("http://127.0.0.1:8080/orgs/acme/ip-addresses/new")
	tests := []struct {
		name string
		html string
		want []string
	}{
		{
			name: "the layout's assets, in order",
			html: `<head><link rel="icon" type="image/svg+xml" href="/static/favicon.1.svg"><link rel="stylesheet" href="/static/app.2.css">
				<script src="/static/htmx-2.0.10.min.js" defer></script><script src="/static/app.3.js" defer></script></head>`,
			want: []string{"/static/favicon.1.svg", "/static/app.2.css", "/static/htmx-2.0.10.min.js", "/static/app.3.js"},
		},
		{
			name: "no icon named: the browser asks for /favicon.ico",
			html: `<link rel="stylesheet" href="app.css"><img src="/logo.png">`,
			want: []string{"/orgs/acme/ip-addresses/app.css", "/logo.png", "/favicon.ico"},
		},
		{
			name: "other origins and links that are no assets are left out, repeats once",
			html: `<link rel="shortcut icon" href="/i.svg"><link rel="canonical" href="/x"><script src="https://cdn.example/x.js"></script>
				<script src="/a.js"></script><script src="/a.js"></script>`,
			want: []string{"/i.svg", "/a.js"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := assetPaths([]byte(tt.html), page)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("assetPaths = %q, want %q", got, tt.want)
			}
		})
	}
}
