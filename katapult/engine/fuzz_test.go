package engine

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"ipdesk/katapult"
	"ipdesk/katapult/labeltest"
)

// sendRaw hands the engine one request written on the wire as raw,
// without a network. It reports false, sending nothing, when the request
// is not one an HTTP server would read (it refuses it before any handler).
func sendRaw(h http.Handler, method, target, token string, body []byte) (*httptest.ResponseRecorder, bool) {
	head := method + " " + target + " HTTP/1.1\r\nHost: engine.test\r\nAuthorization: Bearer " + token + "\r\n"
	if body != nil {
		head += "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\r\n" + string(body))))
	if err != nil {
		return nil, false
	}
	req.RemoteAddr = "192.0.2.10:40000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec, true
}

// wantAnswer fails unless an answer is what the API may answer: 200 with a
// JSON object, or an error envelope with a code of the catalogue and its
// status, never an unhandled_exception (a panic inside). It returns the
// envelope's code, "" for a 200.
func wantAnswer(t *testing.T, what string, res *httptest.ResponseRecorder) katapult.Code {
	t.Helper()
	body := res.Body.Bytes()
	if res.Code == http.StatusOK {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			t.Fatalf("%s: 200 with a body that is no JSON object: %v: %s", what, err, body)
		}
		return ""
	}
	var env struct {
		Error *errorBody `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		t.Fatalf("%s: status %d without an error envelope: %s", what, res.Code, body)
	}
	code := env.Error.Code
	if !katapult.Known(code) || code == katapult.CodeUnhandledException || katapult.Lookup(code).Status != res.Code {
		t.Fatalf("%s: status %d, code %s: %s", what, res.Code, code, body)
	}
	return code
}

// FuzzCreateBody sends the create arbitrary bytes as its JSON body, and
// arbitrary text where the organization's path placeholder goes. The
// engine never fails inside; whatever it refuses is an error envelope and
// allocates nothing; an address it creates has a label the rule keeps
// (none for a plain address) and belongs to an organization the token
// manages.
func FuzzCreateBody(f *testing.F) {
	for _, tc := range labeltest.Cases() {
		f.Add("_", vipBodyWith(true, labeltest.JSONString(tc.Label)))
	}
	e := openEngine(f, Config{})
	h := e.Handler()
	f.Fuzz(func(t *testing.T, placeholder string, body []byte) {
		before := heldAddresses(t, e)
		res, sent := sendRaw(h, http.MethodPost, "/core/v1/organizations/"+placeholder+"/ip_addresses", staffToken, body)
		if !sent {
			return
		}
		code := wantAnswer(t, "create", res)
		after := heldAddresses(t, e)
		if code != "" {
			if after != before {
				t.Fatalf("refused with %s, yet the addresses held went from %d to %d", code, before, after)
			}
			return
		}
		if after != before+1 {
			t.Fatalf("created, and the addresses held went from %d to %d", before, after)
		}
		var out struct {
			IPAddress struct {
				VIP   bool    `json:"vip"`
				Label *string `json:"label"`
			} `json:"ip_address"`
		}
		if err := json.Unmarshal(res.Body.Bytes(), &out); err != nil {
			t.Fatalf("created: %v: %s", err, res.Body)
		}
		ip := out.IPAddress
		wantKeptLabel(t, ip.VIP, ip.Label)
		noWayne(t, res.Body.Bytes())
	})
}

// FuzzLookup asks the engine's GET endpoints with an arbitrary request
// target: path placeholders ("_", names, ids, ":name") and bracketed query
// lookups of any shape. It never fails inside, answers each in the API's
// own shapes, and never shows the staff token an organization it does not
// hold.
func FuzzLookup(f *testing.F) {
	h := openEngine(f, Config{}).Handler()
	f.Fuzz(func(t *testing.T, target string) {
		res, sent := sendRaw(h, http.MethodGet, target, staffToken, nil)
		if !sent {
			return
		}
		wantAnswer(t, target, res)
		noWayne(t, res.Body.Bytes())
	})
}

// FuzzEditBody sends an address's PATCH arbitrary bytes as its JSON body,
// and arbitrary text where the address's path placeholder (and query)
// goes. The engine never fails inside; no edit creates or releases an
// address; whatever it refuses is an error envelope that leaves the
// address as it was; an edit it answers keeps a label the rule keeps (none
// for a plain address) and a reverse DNS name the rule keeps.
func FuzzEditBody(f *testing.F) {
	const target = `{"ip_address":{"address":"192.0.2.3"}`
	for _, tc := range labeltest.Cases() {
		f.Add("_", []byte(target+`,"vip":true,"label":`+labeltest.JSONString(tc.Label)+`}`))
	}
	for _, name := range []string{"mail.example.com", "", "a..b", "192.0.2.3", "x_y.example", "bücher.example", "\xff.example"} {
		f.Add("_", []byte(target+`,"reverse_dns":`+labeltest.JSONString(name)+`}`))
	}
	f.Add("_?ip_address[address]=192.0.2.3", []byte(`{"vip":false}`))
	f.Add("ip_address?ip_address[address]=192.0.2.3&ip_address[id]=ip_x", []byte(`{"label":"a"}`))
	e := openEngine(f, Config{})
	h := e.Handler()
	create := `{"organization":{"sub_domain":"acme"},"network":{"permalink":"uk-lon-01-public"},"version":"ipv4"}`
	if res, _ := sendRaw(h, http.MethodPost, "/core/v1/organizations/_/ip_addresses", staffToken, []byte(create)); res.Code != http.StatusOK {
		f.Fatalf("create: %d %s", res.Code, res.Body)
	}
	held := heldAddresses(f, e)
	address := func(t *testing.T) []byte {
		res, _ := sendRaw(h, http.MethodGet, "/core/v1/ip_addresses/_?ip_address[address]=192.0.2.3", staffToken, nil)
		if res.Code != http.StatusOK {
			t.Fatalf("the address edited is gone: %d %s", res.Code, res.Body)
		}
		return res.Body.Bytes()
	}
	f.Fuzz(func(t *testing.T, placeholder string, body []byte) {
		before := address(t)
		res, sent := sendRaw(h, http.MethodPatch, "/core/v1/ip_addresses/"+placeholder, staffToken, body)
		if !sent {
			return
		}
		code := wantAnswer(t, "edit", res)
		if n := heldAddresses(t, e); n != held {
			t.Fatalf("an edit left %d addresses held, want %d", n, held)
		}
		if code != "" {
			if after := address(t); string(after) != string(before) {
				t.Fatalf("refused with %s, yet the address went from %s to %s", code, before, after)
			}
			return
		}
		var out struct {
			IPAddress struct {
				VIP        bool    `json:"vip"`
				Label      *string `json:"label"`
				ReverseDNS string  `json:"reverse_dns"`
			} `json:"ip_address"`
		}
		if err := json.Unmarshal(res.Body.Bytes(), &out); err != nil {
			t.Fatalf("edited: %v: %s", err, res.Body)
		}
		ip := out.IPAddress
		wantKeptLabel(t, ip.VIP, ip.Label)
		if kept, problems := katapult.CheckReverseDNS(ip.ReverseDNS); kept != ip.ReverseDNS || len(problems) > 0 {
			t.Fatalf("stored the reverse DNS %q, which the rule makes %q, %q", ip.ReverseDNS, kept, problems)
		}
		noWayne(t, res.Body.Bytes())
	})
}

// wantKeptLabel fails unless an address answered has the label the rule
// keeps for it: none for a plain address, one the rule keeps for a VIP.
func wantKeptLabel(t *testing.T, vip bool, label *string) {
	t.Helper()
	switch {
	case !vip && label != nil:
		t.Fatalf("a plain address has the label %q", *label)
	case vip && label == nil:
		t.Fatal("a VIP has no label")
	case vip:
		if kept, problems := katapult.CheckLabel(*label, true); kept != *label || len(problems) > 0 {
			t.Fatalf("stored the label %q, which the rule makes %q, %q", *label, kept, problems)
		}
	}
}
