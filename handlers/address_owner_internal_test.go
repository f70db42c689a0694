package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
)

// TestSessionCookieWorstCaseSizeWithOrganizationTags is the cookie's worst
// case once every remembered create also carries its organization's tag:
// it must stay under the same bound as without (3200 bytes, as
// TestSessionCookieWorstCaseSize asks; browsers stop at 4096).
func TestSessionCookieWorstCaseSizeWithOrganizationTags(t *testing.T) {
	t.Parallel()
	store, err := newSessionStore([][]byte{make([]byte, 32)}, true)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s := &server{store: store, now: func() time.Time { return now }}
	sess := &session{Token: strings.Repeat("T", maxTokenLen), SignedIn: now.Unix()}
	for i := range maxLastUsed + 3 {
		sess.rememberLast(strings.Repeat("o", maxKeyLen-1)+string(rune('a'+i)), strings.Repeat("n", maxIDLen), katapult.IPv6)
	}
	var newest string
	for i := range onceRing + 3 {
		newest = strings.Repeat("o", maxKeyLen-1) + string(rune('a'+i))
		sess.rememberCreated(newOnceToken(), newest, strings.Repeat("i", maxIDLen))
	}
	rec := httptest.NewRecorder()
	if err := s.saveSession(echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec), sess); err != nil {
		t.Fatal(err)
	}
	cookie := rec.Header().Get("Set-Cookie")
	t.Logf("worst-case Set-Cookie with organization tags: %d bytes", len(cookie))
	if len(cookie) > 3200 {
		t.Errorf("worst-case session cookie is %d bytes, want at most 3200", len(cookie))
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", strings.SplitN(cookie, ";", 2)[0])
	got, _ := s.loadSession(echo.New().NewContext(req, httptest.NewRecorder()))
	if got == nil || len(got.Once) != onceRing || !got.createdIn(newest, strings.Repeat("i", maxIDLen)) {
		t.Fatalf("the session did not read back with its tags: %+v", got)
	}
}

// TestOnceRingReadsCookiesOfEitherVersion: replicas of the version before
// organization tags and of this one read each other's cookies during a
// rolling deploy.
func TestOnceRingReadsCookiesOfEitherVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw string
		want      onceUse
	}{
		{name: "written before tags", raw: `["tok","ip_1"]`, want: onceUse{Token: "tok", Address: "ip_1"}},
		{name: "with a tag", raw: `["tok","ip_1","abcdef"]`, want: onceUse{Token: "tok", Address: "ip_1", Org: "abcdef"}},
		{name: "unknown outcome", raw: `["tok",""]`, want: onceUse{Token: "tok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got onceUse
			if err := json.Unmarshal([]byte(tt.raw), &got); err != nil || got != tt.want {
				t.Fatalf("read %s as %+v (%v), want %+v", tt.raw, got, err, tt.want)
			}
			if out, _ := json.Marshal(got); string(out) != tt.raw {
				t.Errorf("wrote %s back as %s", tt.raw, out)
			}
			// The version before tags read a two-element array.
			var old [2]string
			if err := json.Unmarshal([]byte(tt.raw), &old); err != nil || old[0] != tt.want.Token || old[1] != tt.want.Address {
				t.Errorf("the previous version reads %s as %q (%v)", tt.raw, old, err)
			}
		})
	}
}

// TestTheRingSaysWhereEachAddressWasCreated: an address is the session's
// own in the organization its form was posted to, named exactly so, and
// nowhere else.
func TestTheRingSaysWhereEachAddressWasCreated(t *testing.T) {
	t.Parallel()
	var sess session
	sess.rememberCreated(newOnceToken(), "acme", "ip_A")
	sess.rememberOnce(newOnceToken(), "")
	sess.rememberOnce(newOnceToken(), "ip_Untagged")
	tests := []struct {
		org, id       string
		in, createdIt bool
	}{
		{org: "acme", id: "ip_A", in: true, createdIt: true},
		{org: "globex", id: "ip_A", createdIt: true},
		{org: "ACME", id: "ip_A", createdIt: true},
		{org: "acme", id: "ip_B"},
		{org: "acme", id: ""},
		{org: "acme", id: "ip_Untagged", createdIt: true},
	}
	for _, tt := range tests {
		if got := sess.createdIn(tt.org, tt.id); got != tt.in {
			t.Errorf("createdIn(%q, %q) = %v, want %v", tt.org, tt.id, got, tt.in)
		}
		if got := sess.created(tt.id); got != tt.createdIt {
			t.Errorf("created(%q) = %v, want %v", tt.id, got, tt.createdIt)
		}
	}
}
