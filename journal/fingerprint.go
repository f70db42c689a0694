package journal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// fingerprintBytes is how much of the HMAC a fingerprint keeps: 64 bits
// tell a team's tokens apart, and without the key they confirm nothing.
const fingerprintBytes = 8

// Fingerprint names a token that belongs to no user, for pages and the
// journal: "tok_" and 16 hex digits of HMAC-SHA256(key, token). Without
// the key (Options.FingerprintKey) nobody can tell which token a
// fingerprint names, not even by trying candidate tokens, and the
// fingerprint holds nothing of the token.
func (db *DB) Fingerprint(token string) string {
	return fingerprint(db.key, token)
}

func fingerprint(key []byte, token string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(token))
	return "tok_" + hex.EncodeToString(m.Sum(nil)[:fingerprintBytes])
}
