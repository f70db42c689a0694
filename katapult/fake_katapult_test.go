package katapult

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// testToken is the token of the fake's user. It is distinctive, so that a
// test can look for it in error messages and logs.
const testToken = Token("kt-SECRET-4d9f0c1e7a2b")

// want is one request the fake Katapult expects, and the answer it gives.
type want struct {
	method string
	path   string     // below /core/v1
	query  url.Values // the exact query; nil means none
	body   string     // JSON the request body must equal; "" means no body
	// The answer. fixture names a file in testdata; raw is a literal body.
	status  int
	fixture string
	raw     string
	header  map[string]string
	// hang makes the handler wait until the client gives up.
	hang bool
}

// fakeKatapult serves the given exchanges in order and fails the test on any
// request it did not expect, on any mismatch, and on any expected request
// that never came. It returns a Client pointed at it.
func fakeKatapult(t *testing.T, exchanges ...want) *Client {
	t.Helper()
	srv := startFake(t, exchanges...)
	c, err := NewClient(srv.URL+"/core/v1", WithDoer(srv.Client()), WithTimeouts(5*time.Second, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startFake(t *testing.T, exchanges ...want) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	next := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if next >= len(exchanges) {
			mu.Unlock()
			t.Errorf("fake Katapult: unexpected request %s %s", r.Method, r.URL)
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		x := exchanges[next]
		next++
		mu.Unlock()
		checkRequest(t, x, r)
		if x.hang {
			<-r.Context().Done()
			return
		}
		answer(t, w, x)
	}))
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, x := range exchanges[next:] {
			t.Errorf("fake Katapult: expected request %s %s never came", x.method, x.path)
		}
	})
	return srv
}

func checkRequest(t *testing.T, x want, r *http.Request) {
	t.Helper()
	if r.Method != x.method || r.URL.Path != "/core/v1"+x.path {
		t.Errorf("request = %s %s, want %s /core/v1%s", r.Method, r.URL.Path, x.method, x.path)
	}
	q := r.URL.Query()
	if len(q) == 0 {
		q = nil
	}
	if !reflect.DeepEqual(q, x.query) {
		t.Errorf("query = %v, want %v", q, x.query)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+string(testToken) {
		t.Errorf("Authorization header is not the user's bearer token")
	}
	if got := r.Header.Get("User-Agent"); !strings.Contains(got, "ipdesk") {
		t.Errorf("User-Agent = %q, want it to name ipdesk", got)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading the request body: %v", err)
	}
	if x.body == "" {
		if len(body) != 0 {
			t.Errorf("request body = %s, want none", body)
		}
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if !sameJSON(t, body, []byte(x.body)) {
		t.Errorf("request body = %s, want %s", body, x.body)
	}
}

func answer(t *testing.T, w http.ResponseWriter, x want) {
	t.Helper()
	body := []byte(x.raw)
	if x.fixture != "" {
		body = fixture(t, x.fixture)
	}
	if strings.HasSuffix(x.fixture, ".json") {
		w.Header().Set("Content-Type", "application/json")
	}
	for k, v := range x.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(x.status)
	w.Write(body)
}

// fixture reads a file of testdata. It reports with Errorf, not Fatal,
// because the fake's handler calls it outside the test's goroutine.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Errorf("fixture: %v", err)
	}
	return b
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Errorf("not JSON: %s", a)
		return false
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Errorf("want is not JSON: %s", b)
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// errorFixture is the file of a code's envelope, named as Krystal's client
// names its fixtures.
func errorFixture(code Code) string {
	if strings.HasSuffix(string(code), "_error") {
		return string(code) + ".json"
	}
	return string(code) + "_error.json"
}

func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}
