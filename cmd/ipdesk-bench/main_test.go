package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestASmokeRunMeasuresEveryServerFigure runs the whole-server figures as
// `make bench` does, but tiny (a fifth of a second a window, one round, a
// few creates), so that the bench keeps compiling and working with the
// server it measures. It asserts that numbers come out, never how fast
// they are: `make test` does not fail on speed. Figure 6 runs the
// engine's own benchmark, which fills 160,000 addresses: too slow here,
// so its parser is tested on a recorded output instead.
func TestASmokeRunMeasuresEveryServerFigure(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipped: the bench builds ipdesk with the go command, which is not on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log bytes.Buffer
	profiles := t.TempDir()
	cfg, err := parseConfig([]string{"ipdesk-bench", "-only", "form,create,calls,bytes,engine,startup",
		"-client", "go", "-rounds", "1", "-window", "200ms", "-creates", "3", "-addresses", "300",
		"-conns", "2", "-engine-conns", "4", "-startups", "1", "-profile", profiles}, &log)
	if err != nil {
		t.Fatal(err)
	}
	cfg.dir = t.TempDir()
	cfg.buildRace = raceEnabled()
	b, err := newBench(ctx, cfg, &log)
	if err != nil {
		t.Fatalf("newBench: %v\n%s", err, log.String())
	}
	defer b.close()
	rep := b.measure(ctx)
	t.Logf("progress:\n%s", log.String())

	wantChecks := map[int]int{1: 1, 2: 2, 3: 6, 4: 1, 5: 2, 7: 2, 8: 1}
	got := map[int]bool{}
	for _, f := range rep.figures {
		got[f.num] = true
		if f.err != nil {
			t.Errorf("figure %d was not measured: %v", f.num, f.err)
			continue
		}
		if len(f.checks) != wantChecks[f.num] {
			t.Errorf("figure %d has %d values, want %d", f.num, len(f.checks), wantChecks[f.num])
		}
		for _, c := range f.checks {
			if math.IsNaN(c.value) || math.IsInf(c.value, 0) || c.value <= 0 {
				t.Errorf("figure %d, %s: %v; want a positive number", f.num, c.what, c.value)
			}
		}
		if f.command != "go run ./cmd/ipdesk-bench -only "+groupOf(f.num)+" "+strings.Join(cfg.changed, " ") {
			t.Errorf("figure %d: command %q does not reproduce it", f.num, f.command)
		}
	}
	for num := range wantChecks {
		if !got[num] {
			t.Errorf("figure %d is missing from the report", num)
		}
	}
	for _, name := range []string{"1-form-page", "2-create-htmx", "2-create-plain", "2-create-api", "5-engine-create"} {
		if fi, err := os.Stat(filepath.Join(profiles, name+".pprof")); err != nil || fi.Size() == 0 {
			t.Errorf("-profile saved no %s.pprof: %v", name, err)
		}
	}
	md := rep.markdown()
	for _, want := range []string{beginMarker, endMarker, "## Latest run", "| 1 | form page", "| 8 | start-up", "- Machine: ", "- Go: go1."} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", md)
	}
}

// groupOf is the -only name of a figure.
func groupOf(num int) string {
	for _, g := range groups {
		for _, n := range g.figures {
			if n == num {
				return g.id
			}
		}
	}
	return ""
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

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string   // in the error; "" for none
		only []string // the groups measured, when no error
	}{
		{name: "make bench: every figure, written", args: []string{"-write", "BENCHMARKS.md"}},
		{name: "some figures", args: []string{"-only", "form, engine"}, only: []string{"form", "engine"}},
		{name: "figure 7 by its name", args: []string{"-only", "rss"}, only: []string{"engine"}},
		{name: "a figure twice", args: []string{"-only", "bytes,bytes"}, only: []string{"bytes"}},
		{name: "an unknown figure", args: []string{"-only", "speed"}, want: `no figure "speed"`},
		{name: "writing part of the figures", args: []string{"-only", "form", "-write", "BENCHMARKS.md"}, want: "cannot go with -only"},
		{name: "an unknown client", args: []string{"-client", "ab"}, want: "-client"},
		{name: "no rounds", args: []string{"-rounds", "0"}, want: "-rounds 0"},
		{name: "a window too long", args: []string{"-window", "2m"}, want: "-window 2m0s"},
		{name: "a window too short", args: []string{"-window", "10ms"}, want: "-window 10ms"},
		{name: "too many addresses", args: []string{"-addresses", "2000000"}, want: "-addresses 2000000"},
		{name: "no connections", args: []string{"-engine-conns", "0"}, want: "-engine-conns 0"},
		{name: "a target to measure", args: []string{"http://example.com"}, want: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			cfg, err := parseConfig(append([]string{"ipdesk-bench"}, tt.args...), &stderr)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("parseConfig(%q) = %v; want an error naming %q", tt.args, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig(%q): %v", tt.args, err)
			}
			if strings.Join(cfg.only, ",") != strings.Join(tt.only, ",") {
				t.Errorf("-only %q measures %q, want %q", tt.args, cfg.only, tt.only)
			}
			if cfg.rounds != 3 || cfg.engineConns != 32 || cfg.addresses != 100_000 || cfg.window != 3*time.Second {
				t.Errorf("defaults %+v; want the issue's: 3 rounds, 32 connections, 100,000 addresses, 3 s windows", cfg)
			}
		})
	}
}

func TestCommandRepeatsTheSettingsGiven(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig([]string{"ipdesk-bench", "-only", "engine", "-rounds", "5", "-profile", "/tmp/p"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.command("engine"), "go run ./cmd/ipdesk-bench -only engine -rounds 5"; got != want {
		t.Errorf("command = %q, want %q", got, want)
	}
}

func TestVerdicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    check
		want string
	}{
		{"at most, under", check{goal: atMost(1.3), value: 1.29}, "pass"},
		{"at most, on the bound", check{goal: atMost(1.3), value: 1.3}, "pass"},
		{"at most, over", check{goal: atMost(1.3), value: 1.31}, "miss"},
		{"at least, over", check{goal: atLeast(0.5), value: 0.6}, "pass"},
		{"at least, on the bound", check{goal: atLeast(0.5), value: 0.5}, "pass"},
		{"at least, under", check{goal: atLeast(0.5), value: 0.24}, "miss"},
		{"no goal", check{value: 4}, "info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.c.verdict(); got != tt.want {
				t.Errorf("%+v: verdict %q, want %q", tt.c, got, tt.want)
			}
		})
	}
	if got := (check{goal: atMost(30), unit: " KB"}).goalText(); got != "≤ 30 KB" {
		t.Errorf("goal text %q, want %q", got, "≤ 30 KB")
	}
	if got := (check{goal: atLeast(0.5)}).goalText(); got != "≥ 0.5" {
		t.Errorf("goal text %q, want %q", got, "≥ 0.5")
	}
}

func TestMedianAndPercentile(t *testing.T) {
	t.Parallel()
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3, 1, 2 = %v, want 2", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median of 4, 1, 3, 2 = %v, want 2.5", got)
	}
	if got := ratioOfMedians([]float64{1, 2, 3}, []float64{4, 4, 8}); got != 0.5 {
		t.Errorf("ratio of medians = %v, want 0.5", got)
	}
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[i] = time.Duration(100-i) * time.Millisecond
	}
	for _, tt := range []struct {
		p    int
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}} {
		if got := percentile(ds, tt.p); got != tt.want {
			t.Errorf("p%d of 1..100 ms = %s, want %s", tt.p, got, tt.want)
		}
	}
}
