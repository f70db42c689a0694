package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/PuerkitoBio/goquery"
)

const (
	// requestTimeout bounds one request: longer than the server's own
	// write timeout (55 s with the default Katapult timeouts), so the
	// server always answers first.
	requestTimeout = time.Minute
	// backoff is how long a user waits after a flow that failed, as staff
	// would before trying again, so that a failing server is not also
	// hammered.
	backoff = time.Second
	// straggleBound is how long users may take to end the flows they are
	// in when the time is up, and to sign in at the start.
	straggleBound = 2 * time.Minute
)

// user is one member of staff: their own token and their own cookies.
type user struct {
	token string
	base  string
	http  *http.Client
	rng   *rand.Rand
	rec   *recorder
	cfg   config
}

// ranInfo is when the users ran.
type ranInfo struct {
	signedIn int
	elapsed  time.Duration // from the first flow to the end of the last
}

// runUsers signs every user in, then lets them create until cfg.duration
// has passed; flows under way then end on their own. ctx ending stops
// everything at once.
func runUsers(ctx context.Context, cfg config, t *target, rec *recorder) ranInfo {
	ctx, cancel := context.WithTimeout(ctx, cfg.duration+2*straggleBound)
	defer cancel()
	// One connection pool, deep enough that every user keeps their own
	// connection alive, as their browser would.
	tr := &http.Transport{MaxIdleConns: 2 * cfg.users, MaxIdleConnsPerHost: 2 * cfg.users, IdleConnTimeout: 90 * time.Second}
	defer tr.CloseIdleConnections()
	users := make([]*user, cfg.users)
	for i := range users {
		jar, _ := cookiejar.New(nil) // never fails without options
		users[i] = &user{
			token: userToken(i), base: t.url, rec: rec, cfg: cfg,
			rng: rand.New(rand.NewPCG(cfg.seed, uint64(i))),
			http: &http.Client{Transport: tr, Jar: jar, Timeout: requestTimeout,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		}
	}

	var wg sync.WaitGroup
	ok := make([]bool, len(users))
	for i, u := range users {
		wg.Go(func() { ok[i] = u.signIn(ctx) })
	}
	wg.Wait()
	var info ranInfo
	start := time.Now()
	deadline := start.Add(cfg.duration)
	for i, u := range users {
		if !ok[i] {
			continue
		}
		info.signedIn++
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if !u.createFlow(ctx) {
					pause(ctx, deadline, backoff)
				}
			}
		})
	}
	wg.Wait()
	info.elapsed = time.Since(start)
	return info
}

// pause waits d, or less when ctx ends or the deadline comes.
func pause(ctx context.Context, deadline time.Time, d time.Duration) {
	timer := time.NewTimer(min(d, time.Until(deadline)))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// page is one answer, read in full.
type page struct {
	status int
	header http.Header
	doc    *goquery.Document
}

// do sends one request of a route and records its answer; a request
// without an answer is recorded as an error of its kind.
func (u *user) do(ctx context.Context, route, method, target string, form url.Values, h http.Header) (*page, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	start := time.Now()
	res, err := u.http.Do(req)
	if err != nil {
		u.rec.failed(route + ": " + errKind(err))
		return nil, err
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		u.rec.failed(route + ": answer broke off, " + errKind(err))
		return nil, err
	}
	u.rec.request(route, res.StatusCode, time.Since(start))
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		u.rec.failed(route + ": not HTML")
		return nil, err
	}
	return &page{status: res.StatusCode, header: res.Header, doc: doc}, nil
}

// want checks an answer's status and records a wrong one.
func (u *user) want(route string, p *page, status int) bool {
	if p.status != status {
		u.rec.failed(route + ": answered " + statusText(p.status))
		return false
	}
	return true
}

// signIn opens the sign-in page and signs in with the user's token.
func (u *user) signIn(ctx context.Context) bool {
	p, err := u.do(ctx, routeLoginForm, http.MethodGet, u.base+"/login", nil, nil)
	if err != nil || !u.want(routeLoginForm, p, http.StatusOK) {
		return false
	}
	csrf := p.doc.Find(`[data-testid="login-form"] input[name="_csrf"]`).AttrOr("value", "")
	if csrf == "" {
		u.rec.failed(routeLoginForm + ": the page has no _csrf field")
		return false
	}
	p, err = u.do(ctx, routeLogin, http.MethodPost, u.base+"/login", url.Values{"token": {u.token}, "_csrf": {csrf}}, nil)
	return err == nil && u.want(routeLogin, p, http.StatusSeeOther)
}

// resultPath is where a plain post of a successful create is sent.
var resultPath = regexp.MustCompile(`^/orgs/([a-z0-9-]+)/ip-addresses/(ip_[A-Za-z0-9]{16})\?created=1$`)

// createFlow creates one address as staff would: open the form, pick a
// network and a version, post, and see the result. It reports whether an
// address was shown.
func (u *user) createFlow(ctx context.Context) bool {
	org := orgName(u.rng.IntN(u.cfg.orgs))
	version := "ipv4"
	if u.rng.Float64() < u.cfg.ipv6Share {
		version = "ipv6"
	}
	htmx := u.rng.Float64() < u.cfg.htmxShare
	start := time.Now()

	formURL := u.base + "/orgs/" + org + "/ip-addresses/new"
	p, err := u.do(ctx, routeForm, http.MethodGet, formURL, nil, nil)
	if err != nil || !u.want(routeForm, p, http.StatusOK) {
		return false
	}
	form, ok := u.fillIn(p, version)
	if !ok {
		return false
	}
	postURL := u.base + "/orgs/" + org + "/ip-addresses"
	route := routeCreate
	if htmx {
		route = routeCreateHTMX
		p, err = u.do(ctx, route, http.MethodPost, postURL, form, http.Header{
			"Hx-Request": {"true"}, "Hx-Current-Url": {formURL}, "X-Csrf-Token": {form.Get("_csrf")},
		})
		if err != nil || !u.want(route, p, http.StatusOK) {
			return false
		}
	} else {
		p, err = u.do(ctx, route, http.MethodPost, postURL, form, nil)
		if err != nil || !u.want(route, p, http.StatusSeeOther) {
			return false
		}
		loc := p.header.Get("Location")
		if m := resultPath.FindStringSubmatch(loc); m == nil || m[1] != org {
			u.rec.failed(route + ": redirected elsewhere than the new address's page")
			return false
		}
		route = routeResult
		p, err = u.do(ctx, route, http.MethodGet, u.base+loc, nil, nil)
		if err != nil || !u.want(route, p, http.StatusOK) {
			return false
		}
	}
	c, ok := u.shown(route, p, version)
	if !ok {
		return false
	}
	c.org = org
	u.rec.flow(c, time.Since(start))
	return true
}

// fillIn reads the form's hidden fields and picks one of its networks.
func (u *user) fillIn(p *page, version string) (url.Values, bool) {
	f := p.doc.Find(`[data-testid="create-form"]`)
	var networks []string
	f.Find(`select[name="network"] option`).Each(func(_ int, o *goquery.Selection) {
		if v := o.AttrOr("value", ""); v != "" {
			networks = append(networks, v)
		}
	})
	form := url.Values{
		"_csrf":   {f.Find(`input[name="_csrf"]`).AttrOr("value", "")},
		"once":    {f.Find(`input[name="once"]`).AttrOr("value", "")},
		"version": {version},
	}
	if len(networks) > 0 {
		form.Set("network", networks[u.rng.IntN(len(networks))])
	}
	for _, field := range []string{"_csrf", "once", "network"} {
		if form.Get(field) == "" {
			u.rec.failed(routeForm + ": the form has no " + field)
			return nil, false
		}
	}
	return form, true
}

// shown reads the result card: the new address's id and address, which
// must be of the version asked for.
func (u *user) shown(route string, p *page, version string) (created, bool) {
	card := p.doc.Find(`[data-testid="result-card"]`)
	c := created{id: card.AttrOr("data-id", ""), address: strings.TrimSpace(card.Find(`[data-testid="result-address"]`).Text())}
	a, err := netip.ParseAddr(c.address)
	switch {
	case card.Length() != 1 || c.id == "" || err != nil:
		u.rec.failed(route + ": no result card with an address")
		return created{}, false
	case a.Is4() != (version == "ipv4"):
		u.rec.failed(route + ": an address of the other version")
		return created{}, false
	}
	return c, true
}

// errKind names why a request got no answer.
func errKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed early"
	}
	return "transport error"
}

// statusText is "429 Too Many Requests".
func statusText(code int) string {
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}
