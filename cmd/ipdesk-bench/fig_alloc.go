package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

const allocTitle = "cost of the 100,000th allocation in a /48 and of the 60,000th in a /16 ÷ the first"

// allocBench is the engine's own benchmark of the allocation's cost, run
// count times.
func allocBench(count int) []string {
	return []string{"test", "-run", "^$", "-bench", "^BenchmarkAllocationCostIsFlat$", "-count", strconv.Itoa(count), "./katapult/engine/"}
}

// allocCase is one sub-benchmark's result.
type allocCase struct {
	name           string
	ratio          float64 // nth/first
	firstNs, nthNs float64
}

// allocLine is a result line of the benchmark: its name, then pairs of a
// value and its unit.
var allocLine = regexp.MustCompile(`^BenchmarkAllocationCostIsFlat/(\S+?)(-\d+)?\s+\d+\s+(.*)$`)

// parseAllocBench reads `go test -bench` output: one case a line, a case
// once for each -count.
func parseAllocBench(out []byte) ([]allocCase, error) {
	var cases []allocCase
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := allocLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		c := allocCase{name: m[1]}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("cannot read %q in %q", f[i], sc.Text())
			}
			switch f[i+1] {
			case "nth/first":
				c.ratio = v
			case "ns-first/op":
				c.firstNs = v
			case "ns-nth/op":
				c.nthNs = v
			}
		}
		if c.ratio == 0 {
			return nil, fmt.Errorf("no nth/first in %q", sc.Text())
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("the benchmark printed no result:\n%s", out)
	}
	return cases, sc.Err()
}

// measureAlloc is figure 6, from the engine's benchmark, which times the
// first allocation of an empty subnet and the nth of a filled one in turns
// (each rolled back, so every turn measures the same position); run once
// a round, the figure is the median of the rounds' ratios.
func measureAlloc(ctx context.Context, b *bench) []figure {
	args := allocBench(b.cfg.rounds)
	how := "The engine's own benchmark, `go " + strings.Join(args, " ") + "` (katapult/engine/bench_test.go), " +
		"run as it is: in one process it fills one subnet with 59,999 (IPv4 /16) or 99,999 (IPv6 /48) addresses through " +
		"the allocator, then times the first allocation of an empty subnet and the next of the filled one in turns, " +
		"each rolled back, and reports `nth/first`, the total time of the nth ÷ that of the first. " +
		"`-count` runs it once a round; the figure is the median of the rounds' `nth/first`."
	cmd := exec.CommandContext(ctx, b.goBin, args...)
	cmd.Dir = b.root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return []figure{failed(6, allocTitle, how, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out))}
	}
	cases, err := parseAllocBench(out)
	if err != nil {
		return []figure{failed(6, allocTitle, how, err)}
	}
	var names []string
	byName := map[string][]allocCase{}
	for _, c := range cases {
		if _, seen := byName[c.name]; !seen {
			names = append(names, c.name)
		}
		byName[c.name] = append(byName[c.name], c)
	}
	fig := figure{num: 6, title: allocTitle, how: how}
	for _, name := range names {
		var ratios, first, nth []float64
		for _, c := range byName[name] {
			ratios, first, nth = append(ratios, c.ratio), append(first, c.firstNs), append(nth, c.nthNs)
		}
		fig.checks = append(fig.checks, check{what: name, goal: atMost(1.5), value: median(ratios), format: "%.2f"})
		fig.details = append(fig.details, fmt.Sprintf("%s by round: nth/first %s; first %s ns; nth %s ns",
			name, list("%.2f", ratios), list("%.0f", first), list("%.0f", nth)))
	}
	return []figure{fig}
}
