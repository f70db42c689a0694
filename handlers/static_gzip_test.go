package handlers_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestStaticFilesAreGzippedWithEveryHeaderTheyHadBefore fetches each file
// the pages link, through ipdesk as main builds it, as a browser that
// accepts gzip and as a client that does not, with GET and HEAD: the gzip
// answers are smaller, decode to the plain bytes, and carry the same
// security and caching headers.
func TestStaticFilesAreGzippedWithEveryHeaderTheyHadBefore(t *testing.T) {
	t.Parallel()
	e, _ := e2e(t)
	login := e.client().get("/login").wantStatus(http.StatusOK)
	var paths []string
	login.find(`link[href], script[src]`).Each(func(_ int, s *goquery.Selection) {
		paths = append(paths, s.AttrOr("href", s.AttrOr("src", "")))
	})
	if len(paths) != 4 {
		t.Fatalf("the sign-in page links %d files, want 4: %q", len(paths), paths)
	}
	// Go's transport would ask for gzip itself and decode the answer: this
	// one sends exactly the headers of each case and shows the answer as
	// it came.
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(raw.CloseIdleConnections)
	fetch := func(t *testing.T, method, path, acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, e.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		res, err := raw.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return res, body
	}
	tests := []struct {
		name           string
		method         string
		acceptEncoding string
		wantGzip       bool
	}{
		{"a browser", http.MethodGet, "gzip, deflate, br, zstd", true},
		{"a client without gzip", http.MethodGet, "", false},
		{"HEAD from a browser", http.MethodHead, "gzip, deflate", true},
		{"HEAD without gzip", http.MethodHead, "", false},
	}
	for _, path := range paths {
		_, plain := fetch(t, http.MethodGet, path, "")
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				res, body := fetch(t, tt.method, path, tt.acceptEncoding)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200", res.StatusCode)
				}
				h := res.Header
				want := map[string]string{
					"Cache-Control":          "public, max-age=31536000, immutable",
					"Vary":                   "Accept-Encoding",
					"X-Content-Type-Options": "nosniff",
					"X-Frame-Options":        "DENY",
					"Referrer-Policy":        "same-origin",
				}
				if tt.wantGzip {
					want["Content-Encoding"] = "gzip"
				}
				for k, v := range want {
					if got := h.Values(k); len(got) != 1 || got[0] != v {
						t.Errorf("%s: %q, want %q", k, got, v)
					}
				}
				if !tt.wantGzip && h.Get("Content-Encoding") != "" {
					t.Errorf("Content-Encoding %q to a client that did not offer it", h.Get("Content-Encoding"))
				}
				if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("Content-Security-Policy %q", csp)
				}
				if tt.method == http.MethodHead {
					if len(body) != 0 {
						t.Errorf("HEAD answered with a %d-byte body", len(body))
					}
					if !tt.wantGzip && res.ContentLength != int64(len(plain)) {
						t.Errorf("Content-Length %d, the file is %d bytes", res.ContentLength, len(plain))
					}
					if tt.wantGzip && (res.ContentLength <= 0 || res.ContentLength >= int64(len(plain))) {
						t.Errorf("Content-Length %d of the gzip form, the file is %d bytes", res.ContentLength, len(plain))
					}
					return
				}
				if got := h.Get("Content-Length"); got != strconv.Itoa(len(body)) {
					t.Errorf("Content-Length %q, body %d bytes", got, len(body))
				}
				if tt.wantGzip {
					if len(body) >= len(plain) {
						t.Errorf("gzip form %d bytes, the file %d", len(body), len(plain))
					}
					zr, err := gzip.NewReader(bytes.NewReader(body))
					if err != nil {
						t.Fatalf("Content-Encoding gzip, but: %v", err)
					}
					if body, err = io.ReadAll(zr); err != nil {
						t.Fatalf("Content-Encoding gzip, but: %v", err)
					}
				}
				if !bytes.Equal(body, plain) {
					t.Errorf("the answer decodes to %d bytes that are not the file's %d", len(body), len(plain))
				}
			})
		}
	}
}
