package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine is what the figures were measured on.
type machine struct {
	cpu       string
	cores     int
	memory    string
	kernel    string
	goVersion string
	commit    string // "" outside a git checkout
	wrk       string // wrk's version line; "" when not used
	// loadStart and loadEnd are /proc/loadavg's 1-minute load average at
	// the start and the end of the run: how busy the machine was.
	loadStart, loadEnd string
}

// loadAverage is the 1-minute load average, "unknown" off Linux.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// readMachine describes this machine from /proc, the go command and git
// (read only); what cannot be read is "unknown".
func readMachine(ctx context.Context, goBin, root, wrk string) machine {
	m := machine{cpu: "unknown", memory: "unknown", kernel: runtime.GOOS, cores: runtime.NumCPU()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) == 3 && fields[0] == "MemTotal:" {
				if kb, err := strconv.ParseFloat(fields[1], 64); err == nil {
					m.memory = fmt.Sprintf("%.1f GiB", kb/(1<<20))
				}
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.goVersion = runtime.Version()
	if out, err := exec.CommandContext(ctx, goBin, "version").Output(); err == nil {
		m.goVersion = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	if out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
		if st, err := exec.CommandContext(ctx, "git", "--no-optional-locks", "-C", root, "status", "--porcelain").Output(); err == nil {
			if n := strings.Count(string(st), "\n"); n > 0 {
				m.commit += fmt.Sprintf(" with uncommitted changes (%d files changed or new)", n)
			}
		}
	}
	if wrk != "" {
		// wrk -v prints its version and usage, and exits 1.
		out, _ := exec.CommandContext(ctx, wrk, "-v").CombinedOutput()
		line, _, _ := strings.Cut(string(out), "\n")
		if m.wrk = strings.TrimSpace(strings.Split(line, " Copyright")[0]); !strings.HasPrefix(m.wrk, "wrk") {
			m.wrk = wrk
		}
	}
	return m
}
