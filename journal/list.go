package journal

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Filter selects journal rows. OrgIDs is mandatory: only rows of those
// organizations are returned, and an empty OrgIDs returns none, so that a
// user never sees rows of an organization their token cannot see. The
// other fields narrow the rows further when set.
type Filter struct {
	// OrgIDs are the ids of the organizations the user's token can see
	// (or the one organization of an organization's activity page).
	OrgIDs []string
	// Person: Who.Key of a row (a user id, or a token's fingerprint).
	Person string
	Action Action
	// Outcome: OutcomeUnknown includes rows left pending longer than
	// Options.PendingTimeout; OutcomePending excludes them.
	Outcome Outcome
	// Reference: rows whose reference starts with this, ignoring case (of
	// ASCII letters on SQLite, of all letters on PostgreSQL). A prefix, so
	// that "TCK-12" finds TCK-12 and TCK-123: ticket numbers are typed in
	// part more often than in full.
	Reference string
}

// PageRequest asks for one page of rows, newest first. Pages are keyset
// pages on the rows' ids (which only grow): a row written or pruned while
// someone pages never makes them skip or repeat a row, and any page costs
// one index range scan, however old.
type PageRequest struct {
	// Before: rows older than row Before (a Page's Older); 0 means the
	// newest rows.
	Before int64
	// After: rows newer than row After (a Page's Newer), the ones just
	// above it; used when Before is 0.
	After int64
	// Limit: rows per page; 0 means DefaultPageSize, at most MaxPageSize.
	Limit int
}

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Page is one page of rows, newest first, with the cursors of its
// neighbours.
type Page struct {
	Entries []Entry
	// Older is the PageRequest.Before of the next older page; 0 if there
	// is none.
	Older int64
	// Newer is the PageRequest.After of the next newer page; 0 if this is
	// the newest.
	Newer int64
}

// query is a WHERE clause being built, with its arguments numbered for
// both dialects ($1, $2, …).
type query struct {
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *query) where() string {
	return " WHERE " + strings.Join(q.conds, " AND ")
}

// filter turns f into a WHERE clause; ok is false when it selects nothing.
func (db *DB) filter(f Filter) (q *query, ok bool, err error) {
	if f.Action != "" && !f.Action.Valid() {
		return nil, false, fmt.Errorf("%w: action %q", ErrInvalid, f.Action)
	}
	if f.Outcome != "" && !f.Outcome.Valid() {
		return nil, false, fmt.Errorf("%w: outcome %q", ErrInvalid, f.Outcome)
	}
	orgs := slices.Compact(slices.Sorted(slices.Values(f.OrgIDs)))
	if len(orgs) == 0 {
		return nil, false, nil
	}
	q = &query{}
	marks := make([]string, len(orgs))
	for i, id := range orgs {
		marks[i] = q.arg(id)
	}
	q.conds = append(q.conds, "org_id IN ("+strings.Join(marks, ", ")+")")
	if f.Person != "" {
		p := q.arg(f.Person)
		q.conds = append(q.conds, "(user_id = "+p+" OR token_fp = "+p+")")
	}
	if f.Action != "" {
		q.conds = append(q.conds, "action = "+q.arg(string(f.Action)))
	}
	switch f.Outcome {
	case "":
	case OutcomePending:
		q.conds = append(q.conds, "outcome = 'pending' AND at_us >= "+q.arg(db.staleBefore()))
	case OutcomeUnknown:
		q.conds = append(q.conds, "(outcome = 'unknown' OR (outcome = 'pending' AND at_us < "+q.arg(db.staleBefore())+"))")
	default:
		q.conds = append(q.conds, "outcome = "+q.arg(string(f.Outcome)))
	}
	if ref := strings.TrimSpace(f.Reference); ref != "" {
		q.conds = append(q.conds, `LOWER(reference) LIKE `+q.arg(likePrefix(ref))+` ESCAPE '\'`)
	}
	return q, true, nil
}

// likePrefix is a LIKE pattern for strings that start with s, ignoring
// case: s's own wildcards are escaped.
func likePrefix(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s))
	return s + "%"
}

// List returns one page of the rows f selects, newest first.
func (db *DB) List(ctx context.Context, f Filter, p PageRequest) (Page, error) {
	q, ok, err := db.filter(f)
	if err != nil || !ok {
		return Page{}, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	order := " ORDER BY id DESC"
	switch {
	case p.Before > 0:
		q.conds = append(q.conds, "id < "+q.arg(p.Before))
	case p.After > 0:
		q.conds = append(q.conds, "id > "+q.arg(p.After))
		order = " ORDER BY id ASC"
	}
	rows, err := db.many(ctx, columns+q.where()+order+" LIMIT "+q.arg(limit+1), q.args...)
	if err != nil {
		return Page{}, fmt.Errorf("journal: list: %w", err)
	}
	more := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	var page Page
	if p.Before == 0 && p.After > 0 {
		slices.Reverse(rows)
		// Row After itself is older than this page; newer rows are
		// beyond the one this page left out.
		if len(rows) > 0 {
			page.Older = rows[len(rows)-1].ID
			if more {
				page.Newer = rows[0].ID
			}
		}
	} else if len(rows) > 0 {
		if more {
			page.Older = rows[len(rows)-1].ID
		}
		if p.Before > 0 {
			page.Newer = rows[0].ID
		}
	}
	page.Entries = rows
	return page, nil
}

// MaxAddressHistory is how many rows ForAddress returns at most.
const MaxAddressHistory = 200

// ForAddress returns an address's history: the rows of organization orgID
// about address addressID (Katapult's ip_… id), newest first, at most
// MaxAddressHistory of them. The caller has checked that the user may see
// the organization.
func (db *DB) ForAddress(ctx context.Context, orgID, addressID string) ([]Entry, error) {
	if orgID == "" || addressID == "" {
		return nil, nil
	}
	rows, err := db.many(ctx, columns+`WHERE org_id = $1 AND address_id = $2 ORDER BY id DESC LIMIT $3`,
		orgID, addressID, MaxAddressHistory)
	if err != nil {
		return nil, fmt.Errorf("journal: history of %s: %w", addressID, err)
	}
	return rows, nil
}
