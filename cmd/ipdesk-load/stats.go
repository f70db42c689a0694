package main

import (
	"slices"
	"strconv"
	"sync"
	"time"
)

// The routes the report counts, as the dashboard's route table names them.
const (
	routeLoginForm  = "GET /login"
	routeLogin      = "POST /login"
	routeForm       = "GET /orgs/{org}/ip-addresses/new"
	routeCreate     = "POST /orgs/{org}/ip-addresses"
	routeCreateHTMX = "POST /orgs/{org}/ip-addresses (htmx)"
	routeResult     = "GET /orgs/{org}/ip-addresses/{id}"
	// flowCreate is the whole create as a user lives it: the form, the
	// post and, for a plain post, the result page it leads to.
	flowCreate = "create flow (form, post, result)"
)

// routeOrder is the report's order.
var routeOrder = []string{routeLoginForm, routeLogin, routeForm, routeCreate, routeCreateHTMX, routeResult}

// created is a create a user was shown as done.
type created struct {
	id, address, org string
}

// recorder collects every request's outcome; users share it.
type recorder struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration // by route and for flowCreate
	statuses  map[string]map[int]int     // route → status → count
	errors    map[string]int             // kind → count
	acked     []created
	server5xx int
}

func newRecorder() *recorder {
	return &recorder{
		latencies: map[string][]time.Duration{},
		statuses:  map[string]map[int]int{},
		errors:    map[string]int{},
	}
}

// request records one answer of a route: its status and how long it took
// to arrive in full.
func (r *recorder) request(route string, status int, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latencies[route] = append(r.latencies[route], took)
	if r.statuses[route] == nil {
		r.statuses[route] = map[int]int{}
	}
	r.statuses[route][status]++
	if status >= 500 {
		r.server5xx++
	}
}

// failed records a problem of one kind.
func (r *recorder) failed(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors[kind]++
}

// flow records a create flow that ended with an address shown.
func (r *recorder) flow(c created, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latencies[flowCreate] = append(r.latencies[flowCreate], took)
	r.acked = append(r.acked, c)
}

func (r *recorder) acknowledged() []created {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.acked)
}

// latencyStats is one route's count and latency percentiles.
type latencyStats struct {
	Route    string  `json:"route"`
	Requests int     `json:"requests"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	// Statuses counts answers by status code ("303").
	Statuses map[string]int `json:"statuses,omitempty"`
}

// stats sums up one route (or the flow).
func (r *recorder) stats(route string) latencyStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := slices.Clone(r.latencies[route])
	slices.Sort(d)
	s := latencyStats{Route: route, Requests: len(d)}
	if len(d) > 0 {
		s.P50ms, s.P99ms, s.MaxMs = ms(percentile(d, 50)), ms(percentile(d, 99)), ms(d[len(d)-1])
	}
	for status, n := range r.statuses[route] {
		if s.Statuses == nil {
			s.Statuses = map[string]int{}
		}
		s.Statuses[strconv.Itoa(status)] = n
	}
	return s
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n), from 1
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
