package app

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ipdesk/handlers"
	"ipdesk/katapult/engine"
	"ipdesk/reqinfo"
)

// metrics are ipdesk's Prometheus metrics, named as DESIGN.md lists them.
// Every label has a bounded set of values: routes are patterns, methods
// and Katapult outcomes come from fixed lists.
type metrics struct {
	requests *prometheus.HistogramVec
	katapult *prometheus.HistogramVec
	creates  *prometheus.CounterVec
}

// latencyBuckets span a cached page (a millisecond) to the slowest create
// with its reads (a minute).
var latencyBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern, method and status.",
			Buckets: latencyBuckets,
		}, []string{"route", "method", "status"}),
		katapult: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "katapult_request_duration_seconds",
			Help:    "Time of a call to Katapult's API (or the embedded one), by operation and outcome: ok, Katapult's error code, timeout, unavailable or outcome_unknown.",
			Buckets: latencyBuckets,
		}, []string{"operation", "code"}),
		creates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ipdesk_creates_total",
			Help: "Posts of the create form, by outcome: created, refused, unknown, unavailable, invalid or replayed.",
		}, []string{"outcome"}),
	}
	for _, o := range []string{handlers.CreateCreated, handlers.CreateRefused, handlers.CreateUnknown,
		handlers.CreateUnavailable, handlers.CreateInvalid, handlers.CreateReplayed} {
		m.creates.WithLabelValues(o) // shown at 0 from the start
	}
	reg.MustRegister(m.requests, m.katapult, m.creates,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry's metrics in the text format.
func (m *metrics) handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

func (m *metrics) observeRequest(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, methodLabel(method), strconv.Itoa(status)).Observe(took.Seconds())
}

// observeKatapult is the Katapult client's observer: it times the call and
// tells the request's log line the error code Katapult answered with.
func (m *metrics) observeKatapult(ctx context.Context, op, outcome string, took time.Duration) {
	m.katapult.WithLabelValues(op, outcome).Observe(took.Seconds())
	if outcome != "ok" {
		reqinfo.From(ctx).SetKatapultCode(outcome)
	}
}

func (m *metrics) countCreate(outcome string) {
	m.creates.WithLabelValues(outcome).Inc()
}

// methodLabel keeps the method label to the methods HTTP defines.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// poolDesc is the embedded API's address pools.
var poolDesc = prometheus.NewDesc("katapult_engine_pool_addresses",
	"Addresses of a network's pool of one IP version in the embedded API, free or used.",
	[]string{"network", "version", "state"}, nil)

// poolCollector reads the pools from the store at each scrape.
type poolCollector struct {
	eng *engine.Engine
	log *slog.Logger
}

// poolScrapeTimeout bounds the store's answer to a scrape.
const poolScrapeTimeout = 5 * time.Second

func (p poolCollector) Describe(ch chan<- *prometheus.Desc) { ch <- poolDesc }

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), poolScrapeTimeout)
	defer cancel()
	pools, err := p.eng.Pools(ctx)
	if err != nil {
		p.log.Error("metrics: reading the pools", "err", err)
		ch <- prometheus.NewInvalidMetric(poolDesc, err)
		return
	}
	for _, pl := range pools {
		v := "ipv" + strconv.Itoa(pl.Version)
		ch <- prometheus.MustNewConstMetric(poolDesc, prometheus.GaugeValue, pl.Free, pl.Network, v, "free")
		ch <- prometheus.MustNewConstMetric(poolDesc, prometheus.GaugeValue, pl.Used, pl.Network, v, "used")
	}
}
