package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/PuerkitoBio/goquery"
)

const bytesTitle = "bytes on the wire for the form page's first load with all its assets, gzip accepted"

// countingConn counts the bytes read from a connection: the answers as
// they were sent, headers and all, compressed or not.
type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// fetched is one resource of the page's load.
type fetched struct {
	path     string
	status   int
	encoding string // "gzip" when the server compressed it
	wire     int64  // bytes on the wire, headers included
	body     int    // bytes once uncompressed
}

// assetPaths are the same-origin resources a browser loads with the page:
// stylesheets, icons, preloads, scripts and images; /favicon.ico when no
// icon is named.
func assetPaths(page []byte, pageURL *url.URL) ([]string, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		return nil, err
	}
	var paths []string
	icon := false
	add := func(ref string) {
		u, err := pageURL.Parse(ref)
		if err != nil || u.Host != pageURL.Host {
			return
		}
		for _, p := range paths {
			if p == u.RequestURI() {
				return
			}
		}
		paths = append(paths, u.RequestURI())
	}
	doc.Find("link[href]").Each(func(_ int, s *goquery.Selection) {
		for _, rel := range strings.Fields(strings.ToLower(s.AttrOr("rel", ""))) {
			switch rel {
			case "stylesheet", "preload", "modulepreload":
				add(s.AttrOr("href", ""))
			case "icon":
				icon = true
				add(s.AttrOr("href", ""))
			}
		}
	})
	doc.Find("script[src], img[src]").Each(func(_ int, s *goquery.Selection) { add(s.AttrOr("src", "")) })
	if !icon {
		add("/favicon.ico")
	}
	return paths, nil
}

// measureBytes is figure 4: what a signed-in user's browser downloads
// when it opens the bookmarked form with an empty cache.
func measureBytes(ctx context.Context, b *bench) []figure {
	how := "ipdesk with the demo seed, signed in with the demo token. A fresh connection (an empty browser cache) asks for " +
		"`/orgs/acme/ip-addresses/new` with `Accept-Encoding: gzip`, then, one after the other on that connection, every " +
		"same-origin resource the page names (stylesheets, icons, scripts, images; `/favicon.ico` if no icon is named). " +
		"Counted: the bytes of every answer as read from the socket, status line, headers and body as sent " +
		"(compressed if the server compressed). KB = 1,024 bytes, as the issue counts them (its 72 KB of the baseline " +
		"are 74,010 bytes)."
	fail := func(err error) []figure { return []figure{failed(4, bytesTitle, how, err)} }
	s, u, err := b.startDemo(ctx, "bytes", 1)
	if err != nil {
		return fail(err)
	}
	defer s.stop()
	defer u.c.CloseIdleConnections()
	if _, err := u.openForm(ctx, benchOrg); err != nil {
		return fail(err)
	}
	var read atomic.Int64
	counting := newTransport(1)
	defer counting.CloseIdleConnections()
	dial := counting.DialContext
	counting.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, read: &read}, nil
	}
	// The user's cookies and redirects, on the counted connection.
	c := &http.Client{Transport: counting, Jar: u.c.Jar, CheckRedirect: u.c.CheckRedirect}
	get := func(path string) (fetched, []byte, error) {
		before := read.Load()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+path, nil)
		if err != nil {
			return fetched{}, nil, err
		}
		// Set by hand, so that the answer is read as sent (Go undoes
		// only the compression it asked for itself).
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := c.Do(req)
		if err != nil {
			return fetched{}, nil, err
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		if err != nil {
			return fetched{}, nil, err
		}
		f := fetched{path: path, status: res.StatusCode, encoding: res.Header.Get("Content-Encoding"), wire: read.Load() - before, body: len(raw)}
		if f.encoding == "gzip" {
			if raw, err = gunzip(raw); err != nil {
				return fetched{}, nil, fmt.Errorf("%s: %w", path, err)
			}
			f.body = len(raw)
		}
		if res.StatusCode != http.StatusOK {
			return f, raw, fmt.Errorf("GET %s answered %d", path, res.StatusCode)
		}
		return f, raw, nil
	}
	page, html, err := get(formPath(benchOrg))
	if err != nil {
		return fail(err)
	}
	pageURL, _ := url.Parse(s.url + formPath(benchOrg)) // s.url is always http://host:port
	paths, err := assetPaths(html, pageURL)
	if err != nil {
		return fail(err)
	}
	all := []fetched{page}
	for _, p := range paths {
		f, _, err := get(p)
		if err != nil {
			return fail(err)
		}
		all = append(all, f)
	}
	var total int64
	var lines []string
	for _, f := range all {
		total += f.wire
		enc := f.encoding
		if enc == "" {
			enc = "not compressed"
		}
		lines = append(lines, fmt.Sprintf("`%s`: %d bytes on the wire (%s; %d bytes uncompressed)", f.path, f.wire, enc, f.body))
	}
	b.logf("figure 4: %d bytes in %d answers", total, len(all))
	return []figure{{num: 4, title: bytesTitle, how: how,
		checks:  []check{{what: "form page and its assets", goal: atMost(30), value: float64(total) / 1024, format: "%.1f", unit: " KB"}},
		details: lines}}
}

// gunzip undoes gzip, to count the bytes the browser gets out of it.
func gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
