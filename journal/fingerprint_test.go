package journal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

func TestAFingerprintNamesATokenWithoutRevealingIt(t *testing.T) {
	t.Parallel()
	db := sqlitePlace(t).open(t, Options{})
	// Tokens as Katapult issues them, and ones that look like fingerprints.
	tokens := []string{
		"9c2a4f0e8b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
		"rQ7vX2mK9pL4sT8wY1zB5nC3dF6gH0jA",
		"tok_0123456789abcdef",
		"0123456789abcdef0123456789abcdef",
		"a",
	}
	shape := regexp.MustCompile(`^tok_[0-9a-f]{16}$`)
	seen := map[string]string{}
	for _, token := range tokens {
		fp := db.Fingerprint(token)
		if !shape.MatchString(fp) {
			t.Errorf("Fingerprint(%q) = %q; want tok_ and 16 hex digits", token, fp)
		}
		if fp != db.Fingerprint(token) {
			t.Errorf("Fingerprint(%q) differs between calls", token)
		}
		if other, ok := seen[fp]; ok {
			t.Errorf("%q and %q have one fingerprint", token, other)
		}
		seen[fp] = token
		// Nothing of the token: no run of 6 of its characters.
		for i := 0; i+6 <= len(token); i++ {
			if strings.Contains(fp, token[i:i+6]) {
				t.Errorf("Fingerprint(%q) = %q holds %q of the token", token, fp, token[i:i+6])
			}
		}
		// Keyed: whoever has a list of tokens but not the key cannot match
		// them to fingerprints by hashing them.
		plain := sha256.Sum256([]byte(token))
		if strings.Contains(fp, hex.EncodeToString(plain[:8])) {
			t.Errorf("Fingerprint(%q) is the token's plain SHA-256", token)
		}
		other := fingerprint(bytes.Repeat([]byte("j"), 32), token)
		if other == fp {
			t.Errorf("Fingerprint(%q) is the same under another key", token)
		}
	}
	// One changed character, another fingerprint.
	if db.Fingerprint(tokens[0]) == db.Fingerprint(tokens[0][:len(tokens[0])-1]+"b") {
		t.Error("two tokens that differ in their last character have one fingerprint")
	}
}

func TestATokenWithoutAUserIsJournaledByItsFingerprintOnly(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		db := p.open(t, Options{})
		const token = "Zt9secretTokenOfARobotXq4"
		e := aCreate("form-1")
		e.Who = Who{TokenFingerprint: db.Fingerprint(token)}
		claim(t, db, e)
		if s := e.Who.String(); s != "token "+db.Fingerprint(token) {
			t.Errorf("Who.String() = %q", s)
		}
		var out bytes.Buffer
		if err := db.ExportCSV(context.Background(), &out, Filter{OrgIDs: []string{"org_acme"}, Person: e.Who.Key()}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), db.Fingerprint(token)) {
			t.Errorf("the export does not name the token's fingerprint:\n%s", out.String())
		}
		if strings.Contains(out.String(), token) {
			t.Errorf("the export holds the token:\n%s", out.String())
		}
	})
}
