package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// group measures one or more figures together: figure 7 reads the memory
// of figure 5's server, so both come from the group "engine".
type group struct {
	id      string
	figures []int
	measure func(ctx context.Context, b *bench) []figure
}

// groups are the figures in its order.
var groups = []group{
	{id: "form", figures: []int{1}, measure: measureForm},
	{id: "create", figures: []int{2}, measure: measureCreate},
	{id: "calls", figures: []int{3}, measure: measureCalls},
	{id: "bytes", figures: []int{4}, measure: measureBytes},
	{id: "engine", figures: []int{5, 7}, measure: measureEngine},
	{id: "alloc", figures: []int{6}, measure: measureAlloc},
	{id: "startup", figures: []int{8}, measure: measureStartup},
}

// groupAliases lets -only name figure 7 by what it measures.
var groupAliases = map[string]string{"rss": "engine"}

func groupIDs() []string {
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.id
	}
	return ids
}

// figure is one line of the table, measured.
type figure struct {
	num   int
	title string
	// how says what is measured and how, for a reader who wants to check
	// or reproduce it.
	how    string
	checks []check
	// details are the raw numbers behind the checks: each round, the
	// absolute values.
	details []string
	command string
	took    time.Duration
	// err is why the figure could not be measured.
	err error
}

// goal is a bound on a value; the zero goal is none (the value is shown
// for reference).
type goal struct {
	op    string // "≤" or "≥"
	limit float64
}

func atMost(v float64) goal  { return goal{op: "≤", limit: v} }
func atLeast(v float64) goal { return goal{op: "≥", limit: v} }

// check is one measured value and its goal.
type check struct {
	what   string
	goal   goal
	value  float64
	format string // of value and limit, e.g. "%.2f"
	unit   string // after both, e.g. " ms"
}

func (c check) valueText() string { return fmt.Sprintf(c.format, c.value) + c.unit }

func (c check) goalText() string {
	if c.goal.op == "" {
		return "—"
	}
	return c.goal.op + " " + strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", c.goal.limit), "0"), ".") + c.unit
}

// verdict is "pass", "miss", or "info" for a value without a goal.
func (c check) verdict() string {
	switch {
	case c.goal.op == "":
		return "info"
	case c.goal.op == "≤" && c.value <= c.goal.limit, c.goal.op == "≥" && c.value >= c.goal.limit:
		return "pass"
	}
	return "miss"
}

// failed is a figure that could not be measured.
func failed(num int, title, how string, err error) figure {
	return figure{num: num, title: title, how: how, err: err}
}

// ratioOfMedians is median(a) ÷ median(b): both sides measured in the
// same rounds.
func ratioOfMedians(a, b []float64) float64 {
	mb := median(b)
	if mb == 0 {
		return 0
	}
	return median(a) / mb
}

// list formats numbers for a details line: "3586, 3619, 3601".
func list(format string, vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf(format, v)
	}
	return strings.Join(parts, ", ")
}
