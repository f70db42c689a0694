package journal

import (
	"context"
	"fmt"
	"time"
)

// Pruned counts what Prune deleted.
type Pruned struct {
	Rows     int64 // journal rows older than the cut-off
	Sessions int64 // sessions past their expiry
}

// Prune deletes the journal rows claimed before olderThan (the caller
// passes now minus the retention, DefaultRetention unless the operator set
// another) and the sessions that have expired. The caller runs it at
// start and daily.
func (db *DB) Prune(ctx context.Context, olderThan time.Time) (Pruned, error) {
	var p Pruned
	res, err := db.w.ExecContext(ctx, `DELETE FROM journal WHERE at_us < $1`, olderThan.UnixMicro())
	if err != nil {
		return p, fmt.Errorf("journal: prune rows: %w", err)
	}
	if p.Rows, err = res.RowsAffected(); err != nil {
		return p, err
	}
	res, err = db.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_us <= $1`, db.clock())
	if err != nil {
		return p, fmt.Errorf("journal: prune sessions: %w", err)
	}
	p.Sessions, err = res.RowsAffected()
	return p, err
}
