package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"ipdesk/handlers"
	"ipdesk/reqinfo"
)

// headerRequestID names each request, in its answer and its log line.
const headerRequestID = "X-Request-Id"

// apiPrefix is where the embedded API answers.
const apiPrefix = "/core/v1"

// Routes of the front itself, as logs and metrics name them.
const (
	routeHealth    = "/healthz"
	routeReady     = "/readyz"
	routeMetrics   = "/metrics"
	routeUnmatched = "unmatched"
)

type frontConfig struct {
	dashboard     http.Handler
	api           http.Handler // nil in remote mode
	metrics       *metrics
	budget        Budget
	secure        bool
	metricsOnMain bool
}

// front is what every request meets, outermost first: its id, log line and
// metrics (instrument), its time budget (budgeted), then the embedded API
// for /core/v1 or, for everything else, the security headers and a mux of
// /healthz, /readyz, /metrics and the dashboard. The headers come before
// the mux, so that the redirects it makes for unclean paths ("//x",
// "/static/../orgs") carry them too.
func (a *App) front(fc frontConfig) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+routeHealth, named(routeHealth, http.HandlerFunc(handleHealth))) // GET takes HEAD too
	mux.Handle("GET "+routeReady, named(routeReady, http.HandlerFunc(a.handleReady)))
	if fc.metricsOnMain {
		mux.Handle("GET "+routeMetrics, named(routeMetrics, a.metrics))
	}
	mux.Handle("/", fc.dashboard)
	pages := handlers.SecurityHeaders(fc.secure)(mux)

	route := func(*http.Request) string { return "" }
	inner := pages
	if fc.api != nil {
		api, eng := fc.api, a.engine
		route = eng.Route
		inner = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The API gets its paths as they came: a ServeMux in front would
			// redirect an unclean one with HTML; the API answers it in its
			// envelope.
			if isAPI(r.URL.Path) {
				api.ServeHTTP(w, r)
				return
			}
			pages.ServeHTTP(w, r)
		})
	}
	return a.instrument(fc.metrics, route, budgeted(fc.budget, inner))
}

func isAPI(path string) bool {
	return path == apiPrefix || strings.HasPrefix(path, apiPrefix+"/")
}

// named records the route of a handler of the front's own mux.
func named(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqinfo.From(r.Context()).SetRoute(route)
		h.ServeHTTP(w, r)
	})
}

// handleHealth is liveness: the process answers.
func handleHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

// readyTimeout is how long /readyz waits for the store or Katapult.
const readyTimeout = 2 * time.Second

// handleReady is readiness: 200 when the store (embedded) or Katapult's API
// (remote) answers within readyTimeout, else 503 with the reason.
func (a *App) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.ready(ctx); err != nil {
		a.log.WarnContext(r.Context(), "not ready", "reason", err.Error())
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready: "+err.Error()+"\n")
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// budgeted gives each request its deadline, Budget.Request. (The body's
// own deadline, Budget.Body, is the server's ReadTimeout: see Budget.)
func budgeted(b Budget, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), b.Request)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// instrument names the request (X-Request-Id), and when its answer has gone
// out writes its one log line and observes its duration. The route comes
// from the layer that matched it (reqinfo), or from route for the embedded
// API; never the raw path. The token never reaches the line: it travels in
// a header or a form, and neither is logged.
func (a *App) instrument(m *metrics, route func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := uuid.NewString()
		w.Header().Set(headerRequestID, id)
		ctx, info := reqinfo.With(r.Context())
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			took := time.Since(start)
			rt, org, code, extra := info.Values()
			if isAPI(r.URL.Path) {
				rt = route(r)
				// The API answers with an id of its own.
				id = sw.Header().Get(headerRequestID)
			}
			if rt == "" {
				rt = routeUnmatched
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			m.observeRequest(rt, r.Method, status, took)
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case rt == routeHealth || rt == routeReady || rt == routeMetrics:
				level = slog.LevelDebug // probes every few seconds
			}
			attrs := []slog.Attr{
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("route", rt),
				slog.Int("status", status),
				// Seconds, as Prometheus counts them too; slog would
				// write a Duration as nanoseconds in JSON.
				slog.Float64("latency", took.Seconds()),
			}
			if org != "" {
				attrs = append(attrs, slog.String("org", org))
			}
			if code != "" {
				attrs = append(attrs, slog.String("katapult_code", code))
			}
			attrs = append(attrs, extra...)
			a.log.LogAttrs(context.WithoutCancel(ctx), level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
