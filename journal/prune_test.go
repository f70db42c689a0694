package journal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestPruneDeletesRowsOlderThanTheCutOffAndExpiredSessions(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		c := newClock()
		db := p.open(t, Options{Now: c.now})
		ctx := context.Background()
		var rows []int64
		for day := range 4 {
			rows = append(rows, claim(t, db, aCreate(fmt.Sprint("form-", day))).ID)
			c.advance(24 * time.Hour)
		}
		short, _ := db.CreateSession(ctx, c.now().Add(time.Hour))
		long, _ := db.CreateSession(ctx, c.now().Add(48*time.Hour))
		c.advance(2 * time.Hour)

		// Rows of days 0 and 1 are older than two days and a bit.
		got, err := db.Prune(ctx, c.now().Add(-50*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got != (Pruned{Rows: 2, Sessions: 1}) {
			t.Errorf("Prune: %+v; want 2 rows and 1 session", got)
		}
		page, _ := db.List(ctx, Filter{OrgIDs: []string{"org_acme"}}, PageRequest{})
		if want := []int64{rows[3], rows[2]}; !slices.Equal(ids(page.Entries), want) {
			t.Errorf("rows left: %v; want %v", ids(page.Entries), want)
		}
		if _, err := db.Get(ctx, rows[0]); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get of a pruned row: %v; want ErrNotFound", err)
		}
		if ok, _ := db.SessionActive(ctx, long); !ok {
			t.Error("Prune ended a session that has not expired")
		}
		if ok, _ := db.SessionActive(ctx, short); ok {
			t.Error("an expired session is active")
		}
		// A pruned form token is free again: forms live hours, not 400 days.
		if _, err := db.Claim(ctx, aCreate("form-0")); err != nil {
			t.Errorf("Claim of a pruned row's token: %v", err)
		}
		if again, _ := db.Prune(ctx, c.now().Add(-50*time.Hour)); again != (Pruned{}) {
			t.Errorf("a second Prune deleted %+v", again)
		}
	})
}
