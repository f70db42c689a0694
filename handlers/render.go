package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"ipdesk/journal"
	"ipdesk/static"
	"ipdesk/views"
)

// render answers with a page: the whole document, or only its main content
// for htmx. It renders into a buffer first, so that a failing component
// becomes a clean error page instead of half a page, and sets the status
// once.
func (s *server) render(c echo.Context, status int, p views.Page) error {
	var comp templ.Component
	if isHTMX(c) {
		comp = views.Fragment(p)
	} else {
		comp = views.Document(s.layout(c), p)
	}
	return s.write(c, status, comp)
}

// renderProblem answers with a page that only explains a problem.
func (s *server) renderProblem(c echo.Context, status int, p views.Problem) error {
	return s.render(c, status, views.Page{Title: p.Title, Main: views.ErrorMain(views.ErrorView{Status: status, Problem: p})})
}

// renderPartial answers with a component alone, for htmx partials.
func (s *server) renderPartial(c echo.Context, status int, comp templ.Component) error {
	return s.write(c, status, comp)
}

func (s *server) write(c echo.Context, status int, comp templ.Component) error {
	buf := s.buffers.get()
	defer s.buffers.put(buf)
	// Rendered without the request's cancellation: a page that waited out
	// its request's deadline (the outcome-unknown page, after its reads)
	// must still be rendered, into memory, in full; the server's write
	// timeout leaves the time to send it.
	if err := comp.Render(context.WithoutCancel(c.Request().Context()), buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	// The length is known: the page goes out whole, not in chunks.
	h.Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	// Pages carry CSRF and one-time tokens and per-user data.
	h.Set("Cache-Control", "no-store")
	h.Add(echo.HeaderVary, hxRequest)
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// layout is what the document around every page needs.
func (s *server) layout(c echo.Context) views.Layout {
	tok := csrfToken(c)
	quoted, _ := json.Marshal(tok) // a string always marshals
	sess, as := sessionOf(c), ""
	if sess != nil && sess.Who != (journal.Who{}) {
		as = sess.Who.String()
	}
	return views.Layout{
		CSSURL:      s.assets.Path(static.CSS),
		JSURL:       s.assets.Path(static.JS),
		HTMXURL:     s.assets.Path(static.HTMX),
		IconURL:     s.assets.Path(static.Favicon),
		HTMXConfig:  s.htmxConfig,
		CSRFHeaders: `{"` + echo.HeaderXCSRFToken + `":` + string(quoted) + `}`,
		CSRF:        tok,
		SignedIn:    sess != nil,
		SignedInAs:  as,
	}
}

// pageBuffers recycles the buffers pages are rendered into. Growing a
// fresh buffer to a page's size (about 6 KB for the form) on every request
// cost a tenth of the form page's CPU in allocation, copying and clearing.
// Its zero value is ready.
type pageBuffers struct{ pool sync.Pool }

const (
	// pageBufferSize fits the common pages without growing.
	pageBufferSize = 16 << 10
	// maxPooledPage: a buffer that a rare long page (a full address list)
	// grew beyond this is left to the garbage collector, not kept.
	maxPooledPage = 256 << 10
)

func (p *pageBuffers) get() *bytes.Buffer {
	if b, ok := p.pool.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return bytes.NewBuffer(make([]byte, 0, pageBufferSize))
}

// put returns a buffer once the page in it is written: nothing may hold
// its bytes after that.
func (p *pageBuffers) put(b *bytes.Buffer) {
	if b.Cap() <= maxPooledPage {
		p.pool.Put(b)
	}
}
