package static_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"ipdesk/static"
)

func TestAssetsAreServedUnderHashedNames(t *testing.T) {
	t.Parallel()
	a, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		re   string
		ct   string
	}{
		{static.CSS, `^/static/app\.[0-9a-f]{12}\.css$`, "text/css; charset=utf-8"},
		{static.JS, `^/static/app\.[0-9a-f]{12}\.js$`, "text/javascript; charset=utf-8"},
		{static.HTMX, `^/static/htmx-2\.0\.10\.min\.js$`, "text/javascript; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := a.Path(tt.name)
			if !regexp.MustCompile(tt.re).MatchString(p) {
				t.Fatalf("path %q does not match %s", p, tt.re)
			}
			if !a.Has(p) {
				t.Errorf("Has(%q) = false", p)
			}
			rec := httptest.NewRecorder()
			a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
			if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
				t.Fatalf("status %d, %d bytes", rec.Code, rec.Body.Len())
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control %q", cc)
			}
			if ct := rec.Header().Get("Content-Type"); ct != tt.ct {
				t.Errorf("Content-Type %q, want %q", ct, tt.ct)
			}
		})
	}
	for _, p := range []string{"/static/app.css", "/static/nope.js", "/static/"} {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusNotFound || a.Has(p) {
			t.Errorf("%s: status %d", p, rec.Code)
		}
	}
}
