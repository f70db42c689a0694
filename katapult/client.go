package katapult

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/krystal/go-katapult/next/core"
)

// Default timeouts of a Client. A create may take longer than a read because
// Katapult allocates the address while the request waits.
const (
	DefaultReadTimeout   = 10 * time.Second
	DefaultCreateTimeout = 30 * time.Second
)

// userAgent names ipdesk to Katapult, so that its operators can tell our
// traffic from other users of Krystal's client.
const userAgent = "ipdesk (go-katapult next/core)"

// Client implements API over Krystal's next/core client, against Katapult or
// the embedded engine. It holds no token: each call carries the signed-in
// user's own. It is immutable after NewClient and safe for concurrent use.
//
// It never retries, neither reads nor creates: a create must not be retried
// (Katapult has no idempotency key), and for reads a retry inside the request
// would only make a slow page slower; the user can reload.
type Client struct {
	base          string
	doer          core.HttpRequestDoer
	readTimeout   time.Duration
	createTimeout time.Duration
	log           *slog.Logger
	observe       Observer
}

// Observer is told of every call when it ends: the operation's name, its
// outcome (see Outcome) and how long it took. ctx is the caller's context,
// so that an observer can find the request the call served. It must be
// quick and safe for concurrent use.
type Observer func(ctx context.Context, op, outcome string, took time.Duration)

// Client is the adapter behind the port.
var _ API = (*Client)(nil)

// Option changes a default of NewClient.
type Option func(*Client)

// WithDoer sets what sends the requests: an *http.Client, or HandlerDoer for
// the embedded engine. The default is an *http.Client that follows no
// redirects (an API that redirects a POST would turn it into a GET).
func WithDoer(d core.HttpRequestDoer) Option {
	return func(c *Client) {
		if d != nil {
			c.doer = d
		}
	}
}

// WithTimeouts sets how long a read and a create may take in all, from
// sending to the last byte of the answer. A value of zero or less keeps the
// default.
func WithTimeouts(read, create time.Duration) Option {
	return func(c *Client) {
		if read > 0 {
			c.readTimeout = read
		}
		if create > 0 {
			c.createTimeout = create
		}
	}
}

// WithLogger sets where each call is logged, at Debug level: operation,
// status, request ID, duration, and the error if any. Errors are returned
// rather than logged at a higher level, so that the handler's one error log
// stays the only one. Tokens never reach it.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithObserver sets an Observer of every call: ipdesk's metrics and
// request log use it.
func WithObserver(o Observer) Option {
	return func(c *Client) {
		c.observe = o
	}
}

// NewClient makes a Client for the Core API at baseURL, which includes the
// API's path: "https://api.katapult.io/core/v1", or
// "http://ipdesk.internal/core/v1" with HandlerDoer in embedded mode.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("katapult: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("katapult: base URL %q: want http(s)://host/core/v1", u.Redacted())
	}
	c := &Client{
		// next/core resolves each operation's path against the base, which
		// must therefore end in exactly one slash.
		base: strings.TrimRight(u.String(), "/") + "/",
		doer: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		readTimeout:   DefaultReadTimeout,
		createTimeout: DefaultCreateTimeout,
		log:           slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(c)
	}
	c.doer = markedDoer{next: c.doer}
	return c, nil
}
