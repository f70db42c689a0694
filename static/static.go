// Package static holds the dashboard's stylesheet, script and the vendored
// htmx, embedded into the binary, and serves them under content-hashed names
// so that browsers may cache them for a year and still never see a stale
// file after an upgrade. Each file is gzipped once per process and sent so
// to clients that accept it: htmx alone is 51 KB, 17 KB gzipped.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// files is the embedded folder. go:embed needs a package-level variable; it
// is read-only and unexported.
//
//go:embed app.css app.js favicon.svg htmx-2.0.10.min.js
var files embed.FS

// Prefix is the URL path under which Assets serves its files.
const Prefix = "/static/"

// The names of the embedded files, for Assets.Path.
const (
	CSS     = "app.css"
	JS      = "app.js"
	Favicon = "favicon.svg"
	HTMX    = "htmx-2.0.10.min.js"
)

// keepsName reports whether a file already carries its version in its name,
// so that it is served as it is instead of under a hash.
func keepsName(name string) bool { return name == HTMX }

// hashLen is how many hex digits of the SHA-256 go into a name: 48 bits are
// plenty to tell versions of one file apart.
const hashLen = 12

// Assets serves the embedded files under stable, cache-busting names,
// computed once at startup.
type Assets struct {
	byName map[string]string // "app.css" → "app.3f9c…e1.css"
	byURL  map[string]asset  // "app.3f9c…e1.css" → file
}

type asset struct {
	name        string
	contentType string
	data        []byte
	// gz is data gzipped, or nil when that would not be smaller. It is
	// made once per process, when a client first asks for it, not in New:
	// New runs for every test server, and gzipping all the files takes a
	// few milliseconds (nearly a hundred under the race detector).
	gz func() []byte
}

// New reads every embedded file once and names it by its content.
func New() (*Assets, error) {
	a := &Assets{byName: map[string]string{}, byURL: map[string]asset{}}
	for _, name := range []string{CSS, JS, Favicon, HTMX} {
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		served := name
		if !keepsName(name) {
			served = hashedName(name, data)
		}
		a.byName[name] = served
		a.byURL[served] = asset{
			name: name, data: data,
			gz: sync.OnceValue(func() []byte { return smallerGzip(data) }),
			// The type ServeContent picks for the plain form, for the gzip
			// form too.
			contentType: mime.TypeByExtension(path.Ext(name)),
		}
	}
	return a, nil
}

// hashedName puts a prefix of the content's SHA-256 before the extension.
func hashedName(name string, data []byte) string {
	sum := sha256.Sum256(data)
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:hashLen] + ext
}

// Path is the URL of an embedded file, e.g. Path(CSS) is
// "/static/app.3f9c5e0a12b4.css". An unknown name panics: it is a
// programming error caught by any test that renders a page.
func (a *Assets) Path(name string) string {
	served, ok := a.byName[name]
	if !ok {
		panic("static: no embedded file " + name)
	}
	return Prefix + served
}

// Has reports whether urlPath names a served file.
func (a *Assets) Has(urlPath string) bool {
	_, ok := a.byURL[strings.TrimPrefix(urlPath, Prefix)]
	return ok && strings.HasPrefix(urlPath, Prefix)
}

// ServeHTTP serves one file by its served name, with headers that let
// browsers and proxies keep it for a year: the name changes with the
// content. A client that accepts gzip gets the gzipped bytes, always
// whole; one that does not gets the file, with ranges as before. HEAD
// answers the headers of either. Anything else under the prefix is 404.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byURL[strings.TrimPrefix(r.URL.Path, Prefix)]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	// Both forms say that they depend on Accept-Encoding, so that a shared
	// cache never hands the gzip form to a client that cannot read it.
	h.Add("Vary", "Accept-Encoding")
	if AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := f.gz(); gz != nil {
			// No Accept-Ranges: a Range request that accepts gzip gets the
			// whole gzip form with 200, as HTTP lets a server do. Browsers
			// ask for scripts and styles whole; a client that wants a
			// range of the file asks without gzip and gets it.
			h.Set("Content-Type", f.contentType)
			h.Set("Content-Encoding", "gzip")
			h.Set("Content-Length", strconv.Itoa(len(gz)))
			w.WriteHeader(http.StatusOK)
			if r.Method != http.MethodHead {
				_, _ = w.Write(gz)
			}
			return
		}
	}
	// ServeContent sets Content-Type from the extension and handles Range
	// and HEAD; a zero modtime leaves out Last-Modified, which immutable
	// files do not need.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.data))
}
