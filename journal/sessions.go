package journal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Sessions revoked server-side: each sign-in gets a random session id,
// which the dashboard keeps in its (signed, encrypted) cookie and checks
// with SessionActive on every request; sign-out deletes it, so a copied
// cookie stops working at once, not when its signature expires. The table
// holds only the id's SHA-256: the ids themselves are only in cookies.

// CreateSession records a new session, active until expires, and returns
// its id: 32 random bytes, base64url (43 characters).
func (db *DB) CreateSession(ctx context.Context, expires time.Time) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	_, err := db.w.ExecContext(ctx, `INSERT INTO sessions (id_hash, created_us, expires_us) VALUES ($1, $2, $3)`,
		sessionHash(id), db.clock(), expires.UnixMicro())
	if err != nil {
		return "", fmt.Errorf("journal: create session: %w", err)
	}
	return id, nil
}

// RevokeSession ends session id (sign-out). Revoking a session that is
// unknown, expired or revoked already is not an error.
func (db *DB) RevokeSession(ctx context.Context, id string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, sessionHash(id)); err != nil {
		return fmt.Errorf("journal: revoke session: %w", err)
	}
	return nil
}

// SessionActive reports whether session id was created and is neither
// revoked nor expired. It is one lookup of the sessions table's primary
// key, on a statement prepared at Open: on SQLite a few microseconds and
// no write, on PostgreSQL one round trip to the server.
func (db *DB) SessionActive(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	var expires int64
	err := db.isActive.QueryRowContext(ctx, sessionHash(id)).Scan(&expires)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("journal: check session: %w", err)
	}
	return expires > db.clock(), nil
}

func sessionHash(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}
