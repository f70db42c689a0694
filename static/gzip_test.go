package static_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"ipdesk/static"
)

// source is an embedded file as it is in the repository: what every answer
// must decode to.
func source(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gunzip decodes a gzip body, or fails the test.
func gunzip(t *testing.T, body []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("Content-Encoding gzip, but the body is not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("Content-Encoding gzip, but the body does not decode: %v", err)
	}
	return out
}

// serve asks the assets for one file as a client would.
func serve(t *testing.T, a *static.Assets, method, name string, h map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, a.Path(name), nil)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	return rec
}

func TestAssetsAreGzippedForClientsThatAcceptItAndPlainForOthers(t *testing.T) {
	t.Parallel()
	a, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	encodings := []struct {
		name     string
		accept   string
		wantGzip bool
	}{
		{"a browser", "gzip, deflate, br, zstd", true},
		{"gzip alone", "gzip", true},
		{"gzip weighted below another", "br;q=1.0, gzip;q=0.5", true},
		{"any coding", "*", true},
		{"the old alias", "x-gzip", true},
		{"no Accept-Encoding", "", false},
		{"identity only", "identity", false},
		{"gzip refused", "gzip;q=0", false},
		{"gzip refused beside any", "*, gzip;q=0", false},
		{"only codings ipdesk does not send", "br, zstd", false},
	}
	files := []struct{ name, contentType string }{
		{static.CSS, "text/css; charset=utf-8"},
		{static.JS, "text/javascript; charset=utf-8"},
		{static.HTMX, "text/javascript; charset=utf-8"},
		{static.Favicon, "image/svg+xml"},
	}
	for _, f := range files {
		want := source(t, f.name)
		for _, enc := range encodings {
			t.Run(f.name+"/"+enc.name, func(t *testing.T) {
				t.Parallel()
				rec := serve(t, a, http.MethodGet, f.name, map[string]string{"Accept-Encoding": enc.accept})
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d, want 200", rec.Code)
				}
				h := rec.Header()
				body := rec.Body.Bytes()
				if got := h.Get("Content-Length"); got != strconv.Itoa(len(body)) {
					t.Errorf("Content-Length %q, body %d bytes", got, len(body))
				}
				if enc.wantGzip {
					if ce := h.Get("Content-Encoding"); ce != "gzip" {
						t.Fatalf("Content-Encoding %q, want gzip", ce)
					}
					if len(body) >= len(want) {
						t.Errorf("gzip form %d bytes, the file %d", len(body), len(want))
					}
					body = gunzip(t, body)
					if ar := h.Get("Accept-Ranges"); ar != "" {
						t.Errorf("the gzip form offers ranges: Accept-Ranges %q", ar)
					}
				} else if ce := h.Get("Content-Encoding"); ce != "" {
					t.Fatalf("Content-Encoding %q to a client that did not accept it", ce)
				}
				if !bytes.Equal(body, want) {
					t.Errorf("the answer decodes to %d bytes that are not the file's %d", len(body), len(want))
				}
				for k, v := range map[string]string{
					"Content-Type":           f.contentType,
					"Cache-Control":          "public, max-age=31536000, immutable",
					"X-Content-Type-Options": "nosniff",
				} {
					if got := h.Get(k); got != v {
						t.Errorf("%s %q, want %q", k, got, v)
					}
				}
				if got := h.Values("Vary"); len(got) != 1 || got[0] != "Accept-Encoding" {
					t.Errorf("Vary %q, want Accept-Encoding: both forms share one URL", got)
				}
			})
		}
	}
}

func TestHEADAndRangeOnAssetsAnswerForTheFormTheClientGets(t *testing.T) {
	t.Parallel()
	a, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	file := source(t, static.HTMX)
	gz := serve(t, a, http.MethodGet, static.HTMX, map[string]string{"Accept-Encoding": "gzip"}).Body.Bytes()
	if len(gz) == 0 {
		t.Fatal("no gzip form")
	}
	tests := []struct {
		name         string
		method       string
		h            map[string]string
		wantStatus   int
		wantEncoding string
		wantLength   int
		wantBody     []byte // nil: none
		wantRange    string
	}{
		{name: "HEAD, gzip accepted", method: http.MethodHead, h: map[string]string{"Accept-Encoding": "gzip"},
			wantStatus: http.StatusOK, wantEncoding: "gzip", wantLength: len(gz)},
		{name: "HEAD, plain", method: http.MethodHead,
			wantStatus: http.StatusOK, wantLength: len(file)},
		{name: "a range, plain", method: http.MethodGet, h: map[string]string{"Range": "bytes=10-19"},
			wantStatus: http.StatusPartialContent, wantLength: 10, wantBody: file[10:20],
			wantRange: "bytes 10-19/" + strconv.Itoa(len(file))},
		{name: "a range, gzip accepted: the whole gzip form", method: http.MethodGet,
			h:          map[string]string{"Range": "bytes=10-19", "Accept-Encoding": "gzip"},
			wantStatus: http.StatusOK, wantEncoding: "gzip", wantLength: len(gz), wantBody: gz},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, a, tt.method, static.HTMX, tt.h)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			h := rec.Header()
			if got := h.Get("Content-Encoding"); got != tt.wantEncoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.wantEncoding)
			}
			if got := h.Get("Content-Length"); got != strconv.Itoa(tt.wantLength) {
				t.Errorf("Content-Length %q, want %d", got, tt.wantLength)
			}
			if got := h.Get("Content-Range"); got != tt.wantRange {
				t.Errorf("Content-Range %q, want %q", got, tt.wantRange)
			}
			if !bytes.Equal(rec.Body.Bytes(), tt.wantBody) {
				t.Errorf("body %d bytes, want %d", rec.Body.Len(), len(tt.wantBody))
			}
			if got := h.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control %q", got)
			}
		})
	}
}

func TestAcceptsGzipReadsWeightsAsHTTPDefinesThem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		want   bool
	}{
		{"absent or empty", "", false},
		{"gzip", "gzip", true},
		{"upper case, spaces", " GZIP ; Q=0.8 ", true},
		{"among others", "deflate, gzip, br", true},
		{"the smallest weight above zero", "gzip;q=0.001", true},
		{"zero", "gzip;q=0", false},
		{"zero written long", "gzip;q=0.000", false},
		{"any", "*", true},
		{"any, refused", "*;q=0", false},
		{"any, but not gzip", "*;q=1, gzip;q=0", false},
		{"gzip named, any refused", "gzip, *;q=0", true},
		{"x-gzip", "x-gzip", true},
		{"a weight that does not parse", "gzip;q=high", false},
		{"a weight above one", "gzip;q=2", false},
		{"a longer name that contains gzip", "gzipper", false},
		{"identity", "identity", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := static.AcceptsGzip(tt.header); got != tt.want {
				t.Errorf("AcceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestClientsThatAskAtOnceForAFreshFileGetTheSameGzip(t *testing.T) {
	t.Parallel()
	a, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	const clients = 8
	bodies := make(chan []byte, clients)
	for range clients {
		go func() {
			req := httptest.NewRequest(http.MethodGet, a.Path(static.HTMX), nil)
			req.Header.Set("Accept-Encoding", "gzip")
			rec := httptest.NewRecorder()
			a.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
				bodies <- nil
				return
			}
			bodies <- rec.Body.Bytes()
		}()
	}
	first := <-bodies
	if first == nil {
		t.Fatal("a client got no gzip answer")
	}
	if !bytes.Equal(gunzip(t, first), source(t, static.HTMX)) {
		t.Fatal("the gzip form does not decode to the file")
	}
	for range clients - 1 {
		if b := <-bodies; !bytes.Equal(b, first) {
			t.Errorf("clients got different gzip answers: %d and %d bytes", len(b), len(first))
		}
	}
}

// BenchmarkFirstGzipAnswers is what gzipping the files costs, once per
// process, on the first gzip answer of each:
// go test -run '^$' -bench FirstGzipAnswers ./static/
func BenchmarkFirstGzipAnswers(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		a, err := static.New()
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range []string{static.CSS, static.JS, static.Favicon, static.HTMX} {
			req := httptest.NewRequest(http.MethodGet, a.Path(name), nil)
			req.Header.Set("Accept-Encoding", "gzip")
			a.ServeHTTP(httptest.NewRecorder(), req)
		}
	}
}
