package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrClaimed is returned by Claim when the row's form token was claimed
// before, by this process or another one sharing the database: the call
// must not be sent again. Claim returns the first claim's row with it,
// whatever its outcome (pending included: the first post is in flight).
var ErrClaimed = errors.New("journal: this form was submitted already")

// ErrNotFound is returned for a row id the journal does not have (never
// written, or pruned).
var ErrNotFound = errors.New("journal: no such row")

// ErrCompleted is returned by Complete for a row that already has its
// outcome (succeeded or refused).
var ErrCompleted = errors.New("journal: the row has its outcome already")

// Claim writes e as a pending row, before the call it records is sent,
// and returns it with its ID, At and Outcome set. The journal sets ID, At,
// CompletedAt and Outcome itself; the caller fills the rest (Address, for
// an edit or a release). A row whose FormToken was claimed before is not
// written: Claim returns the existing row and ErrClaimed. Of any number of
// concurrent Claims of one token, on any process sharing the database,
// exactly one wins. A row Claim refuses (ErrInvalid) says why in the error.
func (db *DB) Claim(ctx context.Context, e Entry) (Entry, error) {
	if err := e.check(); err != nil {
		return Entry{}, err
	}
	e.ID, e.CompletedAt, e.Outcome, e.ErrorCode = 0, timeZero, OutcomePending, ""
	now := db.clock()
	e.At = fromMicros(now)
	var token sql.NullString
	if e.FormToken != "" {
		token = sql.NullString{String: e.FormToken, Valid: true}
	}
	err := db.w.QueryRowContext(ctx, `INSERT INTO journal (at_us, user_id, user_name, token_fp,
		org_id, org_sub_domain, action, network_id, network_name, ip_version, vip, label,
		reverse_dns, reference, outcome, address_id, address, request_id, form_token)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (form_token) DO NOTHING RETURNING id`,
		now, e.Who.UserID, e.Who.UserName, e.Who.TokenFingerprint,
		e.Org.ID, e.Org.SubDomain, string(e.Action), e.Request.NetworkID, e.Request.NetworkName,
		e.Request.Version, e.Request.VIP, e.Request.Label, e.Request.ReverseDNS, e.Reference,
		string(OutcomePending), e.Address.ID, e.Address.IP, e.RequestID, token,
	).Scan(&e.ID)
	if err == nil {
		return e, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("journal: claim: %w", err)
	}
	// The token is taken: the insert did nothing, and the row that took it
	// is committed (PostgreSQL made this insert wait for it).
	first, err := db.one(ctx, db.w, `WHERE form_token = $1`, e.FormToken)
	if err != nil {
		return Entry{}, fmt.Errorf("journal: claim: the form token is taken, but its row cannot be read: %w", err)
	}
	return first, ErrClaimed
}

// Result is how a call ended, for Complete.
type Result struct {
	Outcome Outcome // succeeded, refused or unknown
	// Address: for a create that succeeded, the new address; empty keeps
	// the address the row has.
	Address   Address
	ErrorCode string // Katapult's error code, for a refused call
	// NetworkName: the network's name as the answer gave it, for a form
	// that sent only the network's id; empty keeps the row's.
	NetworkName string
}

// Complete writes the outcome of row id. It completes a pending row, or
// one that reads as unknown (a late answer is better than none); a row
// that succeeded or was refused keeps its outcome (ErrCompleted).
func (db *DB) Complete(ctx context.Context, id int64, r Result) error {
	if r.Outcome != OutcomeSucceeded && r.Outcome != OutcomeRefused && r.Outcome != OutcomeUnknown {
		return fmt.Errorf("%w: outcome %q is not one a call ends with", ErrInvalid, r.Outcome)
	}
	res, err := db.w.ExecContext(ctx, `UPDATE journal SET outcome = $1, completed_us = $2,
		error_code = $3, address_id = COALESCE(NULLIF($4, ''), address_id),
		address = COALESCE(NULLIF($5, ''), address),
		network_name = COALESCE(NULLIF($6, ''), network_name)
		WHERE id = $7 AND outcome IN ('pending', 'unknown')`,
		string(r.Outcome), db.clock(), r.ErrorCode, r.Address.ID, r.Address.IP, r.NetworkName, id)
	if err != nil {
		return fmt.Errorf("journal: complete row %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := db.Get(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("%w (row %d)", ErrCompleted, id)
}

// Get returns row id (ErrNotFound if there is none). It does not check
// who may see it: the caller compares the row's Org with the
// organizations the user's token can see.
func (db *DB) Get(ctx context.Context, id int64) (Entry, error) {
	e, err := db.one(ctx, db.r, `WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("%w (row %d)", ErrNotFound, id)
	}
	return e, err
}
