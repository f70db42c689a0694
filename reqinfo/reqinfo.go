// Package reqinfo carries what one request's log line and metrics need to
// know but only an inner layer can tell: the route pattern it matched, the
// organization it concerned, and the Katapult error code it met. The
// outermost middleware puts an Info in the request's context; the dashboard
// and the Katapult adapter's observer fill it in; the same middleware reads
// it when the answer has gone out.
package reqinfo

import (
	"context"
	"log/slog"
	"sync"
)

// Info is what inner layers tell about one request. Its methods are safe
// for concurrent use (a page may make several Katapult calls at once) and
// do nothing on a nil *Info, so that code running outside a request needs
// no check.
type Info struct {
	mu           sync.Mutex
	route        string
	org          string
	katapultCode string
	attrs        []slog.Attr
}

type key struct{}

// With returns ctx carrying a fresh Info, and that Info.
func With(ctx context.Context) (context.Context, *Info) {
	i := &Info{}
	return context.WithValue(ctx, key{}, i), i
}

// From returns the Info of ctx, or nil when there is none.
func From(ctx context.Context) *Info {
	i, _ := ctx.Value(key{}).(*Info)
	return i
}

// SetRoute records the route pattern the request matched (never its raw
// path, which would make a metric label per address).
func (i *Info) SetRoute(route string) {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.route = route
	i.mu.Unlock()
}

// SetOrg records the organization (sub_domain or id) the request concerned.
func (i *Info) SetOrg(org string) {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.org = org
	i.mu.Unlock()
}

// SetKatapultCode records an error code Katapult answered with. The last
// one wins: it is the one closest to the page the user saw.
func (i *Info) SetKatapultCode(code string) {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.katapultCode = code
	i.mu.Unlock()
}

// AddAttrs adds fields to the request's log line: what went wrong, when
// something did. It reports whether there is a line to add them to (false
// on a nil *Info), so that a caller outside a request logs them itself.
func (i *Info) AddAttrs(attrs ...slog.Attr) bool {
	if i == nil {
		return false
	}
	i.mu.Lock()
	i.attrs = append(i.attrs, attrs...)
	i.mu.Unlock()
	return true
}

// Values returns what was recorded.
func (i *Info) Values() (route, org, katapultCode string, attrs []slog.Attr) {
	if i == nil {
		return "", "", "", nil
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.route, i.org, i.katapultCode, append([]slog.Attr(nil), i.attrs...)
}
