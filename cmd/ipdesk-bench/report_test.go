package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRewriteGeneratedKeepsTheHandWrittenParts(t *testing.T) {
	t.Parallel()
	section := beginMarker + "\nnew figures\n" + endMarker + "\n"
	tests := []struct {
		name    string
		old     *string // nil: no file
		want    string
		wantErr string
	}{
		{name: "no file yet: created with its heading", old: nil, want: handWritten + section},
		{
			name: "the generated part replaced, the rest kept",
			old:  ptr("# Benchmarks\n\nbefore/after of each fix\n\n" + beginMarker + "\nold figures\n" + endMarker + "\n\n## Notes\nkept\n"),
			want: "# Benchmarks\n\nbefore/after of each fix\n\n" + section + "\n## Notes\nkept\n",
		},
		{
			name: "a file without markers gets the section at its end",
			old:  ptr("# Benchmarks\nby hand"),
			want: "# Benchmarks\nby hand\n" + section,
		},
		{name: "one marker only", old: ptr("x\n" + beginMarker + "\n"), wantErr: "only one of the bench markers"},
		{name: "markers out of order", old: ptr(endMarker + "\n" + beginMarker + "\n"), wantErr: "out of order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
			if tt.old != nil {
				if err := os.WriteFile(path, []byte(*tt.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := rewriteGenerated(path, section)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("rewriteGenerated = %v; want an error naming %q", err, tt.wantErr)
				}
				if got, _ := os.ReadFile(path); string(got) != *tt.old {
					t.Errorf("the file changed although the rewrite failed:\n%s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("the file holds\n%s\nwant\n%s", got, tt.want)
			}
			// A second run with the same figures changes nothing.
			if err := rewriteGenerated(path, section); err != nil {
				t.Fatal(err)
			}
			if again, _ := os.ReadFile(path); string(again) != string(got) {
				t.Errorf("a second rewrite changed the file:\n%s", again)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestMarkdownShowsEveryValueAndWhatFailed(t *testing.T) {
	t.Parallel()
	rep := &report{
		started: time.Date(2026, 11, 29, 22, 30, 0, 0, time.UTC), took: 150 * time.Second,
		cfg:     config{rounds: 3, window: 3 * time.Second, creates: 100, conns: 8, engineConns: 32, startups: 7, write: "BENCHMARKS.md"},
		machine: machine{cpu: "AMD EPYC", cores: 2, memory: "23.5 GiB", kernel: "Linux 6.18", goVersion: "go1.26.8 linux/amd64", commit: "0b77912", wrk: "wrk debian/4.1.0", loadStart: "1.0", loadEnd: "2.0"},
		figures: []figure{
			{num: 2, title: createTitle, how: "sequential creates", command: "go run ./cmd/ipdesk-bench -only create",
				checks: []check{
					{what: "htmx ÷ API", goal: atMost(1.3), value: 1.51, format: "%.2f"},
					{what: "without JavaScript (post + result page) ÷ API", goal: atMost(1.3), value: 1.2, format: "%.2f"},
				},
				details: []string{"p50 of 300 creates each"}},
			failed(5, engineTitle, "32 connections", errors.New("the engine answered 503\nservice_unavailable")),
		},
	}
	md := rep.markdown()
	for _, want := range []string{
		"Written by `make bench` on 2026-11-29 22:30 UTC; the run took 2m30s.",
		"- Code: commit 0b77912",
		"- Machine: AMD EPYC, 2 cores, 23.5 GiB memory, Linux 6.18; load average 1.0 at the start, 2.0 at the end",
		"- Load: wrk debian/4.1.0 for figure 1",
		"| 2 | " + createTitle + ": htmx ÷ API | ≤ 1.3 | 1.51 | **miss** |",
		"| 2 | ″: without JavaScript (post + result page) ÷ API | ≤ 1.3 | 1.20 | pass |",
		"| 5 | " + engineTitle + " | | not measured | **error** |",
		"- **Not measured**: the engine answered 503 service_unavailable",
		"- Reproduce: `go run ./cmd/ipdesk-bench -only create`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	if !strings.HasPrefix(md, beginMarker+"\n") || !strings.HasSuffix(md, endMarker+"\n") {
		t.Errorf("the report is not enclosed in its markers:\n%s", md)
	}
	if !rep.unmeasured() {
		t.Error("a report with a figure not measured says every figure was measured")
	}
}
