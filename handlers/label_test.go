package handlers_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/katapult"
	"ipdesk/katapult/labeltest"
)

// TestTheFormKeepsOnlyLabelsTheRuleKeeps posts every label of the rule's
// list as a VIP's: a kept one reaches Katapult trimmed; a refused one
// comes back under the label field with the rule's sentence, with 422, the
// user's input kept, a page that is UTF-8, and nothing created.
func TestTheFormKeepsOnlyLabelsTheRuleKeeps(t *testing.T) {
	t.Parallel()
	for _, tc := range labeltest.Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t).creating()
			var mu sync.Mutex
			var sent []string
			create := api.create
			api.create = func(tok katapult.Token, req katapult.CreateIPAddress) (katapult.IPAddress, error) {
				mu.Lock()
				sent = append(sent, req.Label)
				mu.Unlock()
				return create(tok, req)
			}
			_, c := signedIn(t, api)
			form := formOf(c, "acme")
			form.Set("vip", "on")
			form.Set("label", tc.Label)

			p := c.post("/orgs/acme/ip-addresses", form)
			mu.Lock()
			defer mu.Unlock()
			if tc.Sentence == "" {
				p.wantStatus(http.StatusSeeOther)
				if len(sent) != 1 || sent[0] != tc.Kept {
					t.Errorf("labels sent to Katapult %q, want [%q]", sent, tc.Kept)
				}
				return
			}
			p.wantStatus(http.StatusUnprocessableEntity)
			if got := p.testid("label-error").Text(); !strings.Contains(got, tc.Sentence) {
				t.Errorf("label error %q, want %q", got, tc.Sentence)
			}
			if v, _ := p.one("#label").Attr("aria-invalid"); v != "true" {
				t.Errorf("#label is not aria-invalid")
			}
			if len(sent) != 0 {
				t.Errorf("refused, yet Katapult was asked to create %q", sent)
			}
			if !utf8.ValidString(p.body) {
				t.Errorf("the page is not UTF-8")
			}
			if got, want := p.one("#label").AttrOr("value", ""), asParsed(shownLabel(tc.Label)); got != want {
				t.Errorf("label field holds %q, want the input %q", got, want)
			}
		})
	}
}

// shownLabel is the label as the form shows it again: trimmed, with
// bytes that are not UTF-8 as U+FFFD.
func shownLabel(label string) string {
	return strings.ToValidUTF8(katapult.TrimLabel(label), "\uFFFD")
}

// asParsed is what an HTML parser makes of an attribute value: NUL becomes
// U+FFFD and line ends become "\n".
func asParsed(s string) string {
	return strings.NewReplacer("\x00", "\uFFFD", "\r\n", "\n", "\r", "\n").Replace(s)
}

func TestALabelForAPlainAddressIsCheckedButNotRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, label string
		wantStatus  int
		want        string
	}{
		{"no label", "", http.StatusSeeOther, ""},
		{"only a zero-width space", "\u200b", http.StatusSeeOther, ""},
		{"an escape code", "\x1b[2J", http.StatusUnprocessableEntity, katapult.LabelControl},
		{"a direction override", "a\u202eb", http.StatusUnprocessableEntity, katapult.LabelBidi},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t).creating()
			_, c := signedIn(t, api)
			form := formOf(c, "acme")
			form.Del("vip")
			form.Set("label", tt.label)
			p := c.post("/orgs/acme/ip-addresses", form).wantStatus(tt.wantStatus)
			if tt.want == "" {
				return
			}
			if got := p.testid("label-error").Text(); !strings.Contains(got, tt.want) {
				t.Errorf("label error %q, want %q", got, tt.want)
			}
			if n := api.count("CreateIPAddress"); n != 0 {
				t.Errorf("%d creates for a refused form", n)
			}
		})
	}
}

func TestTheFormTakesOnlyTheVersionsIPv4AndIPv6(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, version string }{
		{"upper case", "IPV4"},
		{"outside the enum", "ipv5"},
		{"a bare number", "4"},
		{"empty", ""},
		{"a leading space", " ipv4"},
		{"a trailing NUL", "ipv4\x00"},
		{"not UTF-8", "ipv4\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t) // no create allowed
			_, c := signedIn(t, api)
			form := formOf(c, "acme")
			form.Set("version", tt.version)
			p := c.post("/orgs/acme/ip-addresses", form).wantStatus(http.StatusUnprocessableEntity)
			if got := text(p.testid("version-error")); got != "Choose IPv4 or IPv6." {
				t.Errorf("version error %q", got)
			}
			if n := api.count("CreateIPAddress"); n != 0 {
				t.Errorf("%d creates for a refused form", n)
			}
		})
	}
}

// TestAFormOfEightMegabytesIsTooLarge: whether the browser says how long
// the body is or streams it, the answer is the 413 page and nothing is
// created.
func TestAFormOfEightMegabytesIsTooLarge(t *testing.T) {
	t.Parallel()
	for _, streamed := range []bool{false, true} {
		name := "with its length"
		if streamed {
			name = "streamed"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t) // no create allowed
			_, c := signedIn(t, api)
			form := formOf(c, "acme")
			form.Set("vip", "on")
			form.Set("label", strings.Repeat("x", 8<<20))
			req, err := http.NewRequest(http.MethodPost, c.env.srv.URL+"/orgs/acme/ip-addresses", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			if streamed { // no Content-Length: sent chunked
				req.Body, req.ContentLength = io.NopCloser(struct{ io.Reader }{req.Body}), -1
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			doc, err := goquery.NewDocumentFromReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413; page %q", res.StatusCode, text(doc.Find("main")))
			}
			if doc.Find(`[data-testid="error-panel"][data-problem="too-large"]`).Length() != 1 {
				t.Errorf("no too-large panel: %q", text(doc.Find("main")))
			}
			if n := api.count("CreateIPAddress"); n != 0 {
				t.Errorf("%d creates", n)
			}
		})
	}
}
