package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"ipdesk/app"
	"ipdesk/katapult"
)

// BenchmarkGzipOfTheFormPage is why pages are sent uncompressed (see
// handlers/middleware.go): it gzips the real form page at the levels that
// could serve pages, beside one /healthz round trip for scale. The form
// page's goal is half /healthz's throughput; gzip at its fastest level
// costs more than a whole /healthz.
//
//	go test -run '^$' -bench GzipOfTheFormPage .
func BenchmarkGzipOfTheFormPage(b *testing.B) {
	srv, client := signedInServer(b)
	page := fetch(b, client, srv.URL+"/orgs/acme/ip-addresses/new")
	levels := []struct {
		name  string
		level int
	}{
		{"fastest", gzip.BestSpeed},
		{"huffman-only", gzip.HuffmanOnly},
		{"default", gzip.DefaultCompression},
	}
	for _, l := range levels {
		b.Run(l.name, func(b *testing.B) {
			// One writer, reused, as a server would keep them.
			w, _ := gzip.NewWriterLevel(nil, l.level)
			var buf bytes.Buffer
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				w.Reset(&buf)
				_, _ = w.Write(page)
				_ = w.Close()
			}
			b.ReportMetric(float64(buf.Len()), "gzip-bytes")
		})
	}
	b.Run("healthz-round-trip", func(b *testing.B) {
		for b.Loop() {
			fetch(b, client, srv.URL+"/healthz")
		}
	})
}

// signedInServer is ipdesk as main builds it in embedded mode, and a
// client signed in with the demo staff token.
func signedInServer(b *testing.B) (*httptest.Server, *http.Client) {
	b.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	a, err := app.New(context.Background(), app.Config{
		DataDir:     b.TempDir(),
		SessionKeys: [][]byte{key},
		Budget:      app.NewBudget(katapult.DefaultReadTimeout, katapult.DefaultCreateTimeout),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Handler())
	b.Cleanup(srv.Close)
	var token string
	for _, d := range a.DemoTokens() {
		if len(d.Scopes) == 2 {
			token = d.Token
		}
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(fetch(b, client, srv.URL+"/login"))
	if m == nil || token == "" {
		b.Fatal("no sign-in form or no demo staff token")
	}
	res, err := client.PostForm(srv.URL+"/login", url.Values{"_csrf": {string(m[1])}, "token": {token}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	return srv, client
}

// fetch GETs a page and wants 200.
func fetch(b *testing.B, client *http.Client, target string) []byte {
	b.Helper()
	res, err := client.Get(target)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: status %d, %v", target, res.StatusCode, err)
	}
	return body
}
