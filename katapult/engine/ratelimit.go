package engine

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateLimiter allows each token perMinute requests a minute, counted in
// fixed windows that start with a token's first request. It is only asked
// about tokens that exist, so its map is bounded by the store's tokens.
type rateLimiter struct {
	perMinute int
	now       func() time.Time

	mu      sync.Mutex
	windows map[int64]*window // by token
}

type window struct {
	start time.Time
	used  int
}

func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	return &rateLimiter{perMinute: perMinute, now: now, windows: map[int64]*window{}}
}

// take counts one request of a token. It returns how many the token has
// left this minute and whether this one is allowed; when it is not, wait is
// the number of whole seconds (at least 1) until the next window.
func (l *rateLimiter) take(key int64) (remaining, wait int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= time.Minute || now.Before(w.start) {
		w = &window{start: now}
		l.windows[key] = w
	}
	w.used++
	if w.used <= l.perMinute {
		return l.perMinute - w.used, 0, true
	}
	left := w.start.Add(time.Minute).Sub(now)
	return 0, max(1, int((left+time.Second-1)/time.Second)), false
}

// setHeaders writes the rate limit headers of an answer: the allowance a
// minute and what is left of it. With the limit off (a nil limiter) there
// is no allowance to tell of, and it writes nothing.
func (l *rateLimiter) setHeaders(h http.Header, remaining int) {
	if l == nil {
		return
	}
	h.Set("X-RateLimit-Permitted", strconv.Itoa(l.perMinute))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
}
