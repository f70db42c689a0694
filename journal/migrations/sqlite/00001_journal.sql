-- The journal and the server-side sessions, SQLite flavour. Times are
-- microseconds since 1970-01-01 UTC in both dialects, so that the package's
-- queries are the same for both and compare times as integers.

-- +goose Up
CREATE TABLE journal (
    id             INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: ids are the pages' cursors
    at_us          INTEGER NOT NULL,                  -- when the row was claimed (before the call)
    completed_us   INTEGER,                           -- when the outcome was written; NULL while pending
    user_id        TEXT NOT NULL DEFAULT '',
    user_name      TEXT NOT NULL DEFAULT '',
    token_fp       TEXT NOT NULL DEFAULT '',          -- keyed fingerprint of a token that has no user
    org_id         TEXT NOT NULL,
    org_sub_domain TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL CHECK (action IN ('create', 'edit', 'release')),
    network_id     TEXT NOT NULL DEFAULT '',
    network_name   TEXT NOT NULL DEFAULT '',
    ip_version     TEXT NOT NULL DEFAULT '',
    vip            INTEGER NOT NULL DEFAULT 0,
    label          TEXT NOT NULL DEFAULT '',
    reverse_dns    TEXT NOT NULL DEFAULT '',
    reference      TEXT NOT NULL DEFAULT '',
    outcome        TEXT NOT NULL CHECK (outcome IN ('pending', 'succeeded', 'refused', 'unknown')),
    address_id     TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    error_code     TEXT NOT NULL DEFAULT '',
    request_id     TEXT NOT NULL DEFAULT '',
    form_token     TEXT UNIQUE                        -- a create's one-time form token; NULL for others
);
CREATE INDEX journal_by_org ON journal (org_id, id);
CREATE INDEX journal_by_address ON journal (org_id, address_id, id);
CREATE INDEX journal_by_at ON journal (at_us);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY, -- SHA-256 of the session id, hex: the id itself is only in the cookie
    created_us INTEGER NOT NULL,
    expires_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions (expires_us);

-- +goose Down
DROP TABLE sessions;
DROP TABLE journal;
