package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The generated part of BENCHMARKS.md lies between these lines; `make
// bench` rewrites it and keeps everything else as it is.
const (
	beginMarker = "<!-- bench:begin: written by `make bench`; edits here are lost -->"
	endMarker   = "<!-- bench:end -->"
)

// report is a run's figures and what they were measured on.
type report struct {
	started time.Time
	took    time.Duration
	cfg     config
	machine machine
	figures []figure
}

// unmeasured reports whether some figure could not be measured.
func (r *report) unmeasured() bool {
	for _, f := range r.figures {
		if f.err != nil {
			return true
		}
	}
	return false
}

// markdown is the generated part of BENCHMARKS.md, markers included.
func (r *report) markdown() string {
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }
	p("%s\n## Latest run\n\n", beginMarker)
	how := "Written by `make bench`"
	if r.cfg.write == "" {
		how = "Printed by `go run ./cmd/ipdesk-bench`"
		if len(r.cfg.only) > 0 {
			how += " for " + strings.Join(r.cfg.only, ", ")
		}
	}
	p("%s on %s; the run took %s.\n\n", how, r.started.UTC().Format("2006-01-02 15:04 UTC"), r.took.Round(time.Second))
	m := r.machine
	if m.commit != "" {
		p("- Code: commit %s\n", m.commit)
	}
	p("- Machine: %s, %d cores, %s memory, %s; load average %s at the start, %s at the end "+
		"(others' work shares the cores: the ratios are what to read)\n", m.cpu, m.cores, m.memory, m.kernel, m.loadStart, m.loadEnd)
	p("- Go: %s\n", m.goVersion)
	if m.wrk != "" {
		p("- Load: %s for figure 1 (Debian's package; `.ci/run` does not run `make bench`, so CI installs nothing for it); "+
			"this program's Go client for the rest\n", m.wrk)
	} else {
		p("- Load: this program's Go client (net/http) for every figure (wrk was not used)\n")
	}
	p("- Settings: %d rounds, %s windows, %d creates of each kind a round, %d connections for figure 1 and %d for figure 5, "+
		"%d start-ups of each server\n", r.cfg.rounds, r.cfg.window, r.cfg.creates, r.cfg.conns, r.cfg.engineConns, r.cfg.startups)
	if r.cfg.profile != "" {
		p("- With `-profile`: the servers had Go's profiler linked in and were profiled after the measured rounds\n")
	}
	p("\n| # | figure | goal | measured | |\n| --- | --- | --- | --- | --- |\n")
	for _, f := range r.figures {
		if f.err != nil {
			p("| %d | %s | | not measured | **error** |\n", f.num, f.title)
			continue
		}
		for i, c := range f.checks {
			title := f.title
			if i > 0 {
				title = "″"
			}
			verdict := c.verdict()
			if verdict == "miss" {
				verdict = "**miss**"
			}
			p("| %d | %s: %s | %s | %s | %s |\n", f.num, title, c.what, c.goalText(), c.valueText(), verdict)
		}
	}
	for _, f := range r.figures {
		p("\n### %d. %s\n\n", f.num, capitalize(f.title))
		if f.err != nil {
			p("- **Not measured**: %s\n", oneLine(f.err.Error()))
		}
		for _, c := range f.checks {
			p("- **%s**: %s (goal %s): %s\n", capitalize(c.what), c.valueText(), c.goalText(), c.verdict())
		}
		for _, d := range f.details {
			p("- %s\n", capitalize(d))
		}
		p("- How: %s\n", f.how)
		p("- Reproduce: `%s` (the run measured it in %s)\n", f.command, f.took.Round(time.Second))
	}
	p("\n%s\n", endMarker)
	return w.String()
}

// oneLine keeps an error in one Markdown list item.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// handWritten is BENCHMARKS.md's own text when the file does not exist
// yet: the parts outside the markers belong to people.
const handWritten = `# Benchmarks

The figures of issue 8, "Measured speed", each against its goal.
` + "`make bench`" + ` measures them all (a few minutes on two cores) and
rewrites the part between the bench markers below; everything outside the
markers is written by hand and kept.

`

// rewriteGenerated puts section in place of the generated part of the
// file at path, keeping the rest; a file without the markers gets the
// section at its end, and a missing file is created.
func rewriteGenerated(path, section string) error {
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		old, err = []byte(handWritten), nil
	}
	if err != nil {
		return err
	}
	text := string(old)
	var out string
	begin := strings.Index(text, beginMarker)
	end := strings.Index(text, endMarker)
	switch {
	case begin >= 0 && end > begin:
		out = text[:begin] + section + strings.TrimPrefix(text[end+len(endMarker):], "\n")
	case begin >= 0 || end >= 0:
		return fmt.Errorf("%s has only one of the bench markers, or they are out of order: fix it by hand", path)
	default:
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		out = text + section
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.WriteString(out); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
