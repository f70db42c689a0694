package journal

import (
	"context"
	"database/sql"
	"time"
)

// columns are the journal's columns in the order scanRow reads them.
const columns = `SELECT id, at_us, completed_us, user_id, user_name, token_fp, org_id,
	org_sub_domain, action, network_id, network_name, ip_version, vip, label, reverse_dns,
	reference, outcome, address_id, address, error_code, request_id, form_token FROM journal `

var timeZero time.Time

type scanner interface{ Scan(dest ...any) error }

// scanRow reads one row of columns. A row still pending PendingTimeout
// after its claim reads as unknown: the outcome is decided on read, so
// that no process has to sweep rows that others may still complete.
func (db *DB) scanRow(s scanner, staleBefore int64) (Entry, error) {
	var e Entry
	var at int64
	var completed sql.NullInt64
	var token sql.NullString
	var action, outcome string
	err := s.Scan(&e.ID, &at, &completed, &e.Who.UserID, &e.Who.UserName, &e.Who.TokenFingerprint,
		&e.Org.ID, &e.Org.SubDomain, &action, &e.Request.NetworkID, &e.Request.NetworkName,
		&e.Request.Version, &e.Request.VIP, &e.Request.Label, &e.Request.ReverseDNS,
		&e.Reference, &outcome, &e.Address.ID, &e.Address.IP, &e.ErrorCode, &e.RequestID, &token)
	if err != nil {
		return Entry{}, err
	}
	e.At, e.Action, e.Outcome, e.FormToken = fromMicros(at), Action(action), Outcome(outcome), token.String
	if completed.Valid {
		e.CompletedAt = fromMicros(completed.Int64)
	}
	if e.Outcome == OutcomePending && at < staleBefore {
		e.Outcome = OutcomeUnknown
	}
	return e, nil
}

// staleBefore is the claim time before which a pending row reads as
// unknown.
func (db *DB) staleBefore() int64 {
	return db.now().Add(-db.pending).UnixMicro()
}

// one reads the one row that where (with its arguments) selects.
func (db *DB) one(ctx context.Context, q *sql.DB, where string, args ...any) (Entry, error) {
	return db.scanRow(q.QueryRowContext(ctx, columns+where, args...), db.staleBefore())
}

// many reads the rows of a query that selects columns.
func (db *DB) many(ctx context.Context, query string, args ...any) ([]Entry, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	stale := db.staleBefore()
	var out []Entry
	for rows.Next() {
		e, err := db.scanRow(rows, stale)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
