package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// bench is one run: the binaries it built, its temporary folder and where
// it reports progress.
type bench struct {
	cfg    config
	log    io.Writer
	goBin  string
	root   string // the module's folder
	work   string // the run's temporary folder
	ipdesk string // the binary as `make build` builds it
	// served is the binary the servers run: ipdesk, or with -profile the
	// same build with Go's profiler on a loopback port of its own.
	served string
	hello  string // the yardstick of figure 8
	wrk    string // wrk's path; "" when the Go client loads figure 1
	start  time.Time
	// loadStart is the load average before the builds.
	loadStart string
}

// newBench finds the module, makes the run's folder and builds the
// binaries.
func newBench(ctx context.Context, cfg config, log io.Writer) (*bench, error) {
	b := &bench{cfg: cfg, log: log, start: time.Now(), loadStart: loadAverage()}
	var err error
	if b.goBin, err = exec.LookPath("go"); err != nil {
		return nil, errors.New("the go command is not on PATH: it builds the servers")
	}
	if b.root, err = moduleRoot(ctx, b.goBin); err != nil {
		return nil, err
	}
	if cfg.client != clientGo && cfg.wants("form") {
		b.wrk, err = exec.LookPath("wrk")
		if err != nil && cfg.client == clientWrk {
			return nil, errors.New("-client wrk: wrk is not installed (Debian: apt-get install wrk), or use -client go")
		}
	}
	if cfg.profile != "" {
		if err := os.MkdirAll(cfg.profile, 0o755); err != nil {
			return nil, fmt.Errorf("-profile: %w", err)
		}
	}
	if b.work, err = os.MkdirTemp(cfg.dir, "ipdesk-bench-"); err != nil {
		return nil, fmt.Errorf("-dir: %w", err)
	}
	if err := b.build(ctx); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// moduleRoot is the folder of ipdesk's go.mod, from wherever the program
// runs inside the repository.
func moduleRoot(ctx context.Context, goBin string) (string, error) {
	out, err := exec.CommandContext(ctx, goBin, "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || filepath.Base(mod) != "go.mod" {
		return "", errors.New("run ipdesk-bench inside the ipdesk repository: it builds ipdesk from there")
	}
	return filepath.Dir(mod), nil
}

// pprofOverlay is added to package main, for -profile only, through `go
// build -overlay`: the repository's code stays as it is, and the profiled
// server differs from the measured one by this init alone.
const pprofOverlay = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

// Added by ipdesk-bench -profile: Go's profiler on the loopback address
// the bench gives, never on ipdesk's own listener.
func init() {
	if addr := os.Getenv("` + pprofEnv + `"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
`

// pprofEnv names the profiler's address for a profiled server.
const pprofEnv = "IPDESKBENCH_PPROF"

// build compiles ipdesk, the hello-world yardstick and, with -profile, a
// profiled ipdesk.
func (b *bench) build(ctx context.Context) error {
	bin := filepath.Join(b.work, "bin")
	b.ipdesk, b.served, b.hello = filepath.Join(bin, "ipdesk"), filepath.Join(bin, "ipdesk"), filepath.Join(bin, "helloserver")
	var flags []string
	if b.cfg.buildRace {
		flags = append(flags, "-race")
	}
	builds := [][]string{{"-o", b.ipdesk, "."}}
	if b.cfg.wants("startup") {
		builds = append(builds, []string{"-o", b.hello, "./cmd/ipdesk-bench/helloserver"})
	}
	if b.cfg.profile != "" {
		overlay, err := b.writeOverlay()
		if err != nil {
			return err
		}
		b.served = filepath.Join(bin, "ipdesk-profiled")
		builds = append(builds, []string{"-overlay", overlay, "-o", b.served, "."})
	}
	for _, args := range builds {
		start := time.Now()
		cmd := exec.CommandContext(ctx, b.goBin, append(append([]string{"build"}, flags...), args...)...)
		cmd.Dir = b.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		b.logf("built %s in %s", filepath.Base(args[len(args)-2]), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func (b *bench) writeOverlay() (string, error) {
	src := filepath.Join(b.work, "pprof_overlay.go")
	if err := os.WriteFile(src, []byte(pprofOverlay), 0o644); err != nil {
		return "", err
	}
	overlay := filepath.Join(b.work, "overlay.json")
	target := filepath.Join(b.root, "zz_ipdeskbench_pprof.go")
	js := fmt.Sprintf(`{"Replace":{%q:%q}}`, target, src)
	return overlay, os.WriteFile(overlay, []byte(js), 0o644)
}

// measure runs the groups asked for, in the order.
func (b *bench) measure(ctx context.Context) *report {
	rep := &report{started: b.start, cfg: b.cfg}
	for _, g := range groups {
		if !b.cfg.wants(g.id) || ctx.Err() != nil {
			continue
		}
		b.logf("figure %s (%s)", joinInts(g.figures), g.id)
		start := time.Now()
		figs := g.measure(ctx, b)
		for i := range figs {
			figs[i].command = b.cfg.command(g.id)
			figs[i].took = time.Since(start)
			if figs[i].err != nil {
				b.logf("figure %d: not measured: %v", figs[i].num, figs[i].err)
			}
			for _, c := range figs[i].checks {
				b.logf("figure %d: %s: %s (goal %s) %s", figs[i].num, c.what, c.valueText(), c.goalText(), c.verdict())
			}
		}
		rep.figures = append(rep.figures, figs...)
	}
	// Figure 7 comes with 5: the report follows the order.
	slices.SortStableFunc(rep.figures, func(x, y figure) int { return x.num - y.num })
	rep.took = time.Since(b.start)
	rep.machine = readMachine(ctx, b.goBin, b.root, b.wrk)
	rep.machine.loadStart, rep.machine.loadEnd = b.loadStart, loadAverage()
	return rep
}

// close removes the run's folder and everything in it.
func (b *bench) close() {
	if b.work != "" {
		os.RemoveAll(b.work)
	}
}

// dataDir is a fresh folder for one server's data.
func (b *bench) dataDir(name string) (string, error) {
	return os.MkdirTemp(b.work, name+"-")
}

// logf reports progress on stderr.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "ipdesk-bench: %6.1fs  %s\n", time.Since(b.start).Seconds(), fmt.Sprintf(format, args...))
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, " and ")
}
