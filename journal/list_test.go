package journal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestListPagesNewestFirstWithoutSkippingOrRepeating(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		db := p.open(t, Options{})
		ctx := context.Background()
		var all []int64
		for i := range 7 {
			all = append(all, claim(t, db, aCreate(fmt.Sprint("form-", i))).ID)
		}
		slices.Reverse(all) // newest first
		f := Filter{OrgIDs: []string{"org_acme"}}
		list := func(r PageRequest) Page {
			t.Helper()
			page, err := db.List(ctx, f, r)
			if err != nil {
				t.Fatal(err)
			}
			return page
		}
		first := list(PageRequest{Limit: 3})
		if !slices.Equal(ids(first.Entries), all[:3]) || first.Older != all[2] || first.Newer != 0 {
			t.Fatalf("first page: %v older %d newer %d; want %v older %d newer 0", ids(first.Entries), first.Older, first.Newer, all[:3], all[2])
		}
		// A row claimed while someone pages does not shift the next page.
		claim(t, db, aCreate("form-late"))
		second := list(PageRequest{Before: first.Older, Limit: 3})
		if !slices.Equal(ids(second.Entries), all[3:6]) || second.Older != all[5] || second.Newer != all[3] {
			t.Fatalf("second page: %v older %d newer %d; want %v older %d newer %d", ids(second.Entries), second.Older, second.Newer, all[3:6], all[5], all[3])
		}
		last := list(PageRequest{Before: second.Older, Limit: 3})
		if !slices.Equal(ids(last.Entries), all[6:]) || last.Older != 0 {
			t.Fatalf("last page: %v older %d; want %v older 0", ids(last.Entries), last.Older, all[6:])
		}
		// Back up from the second page: the three rows above it.
		back := list(PageRequest{After: second.Newer, Limit: 3})
		if !slices.Equal(ids(back.Entries), all[:3]) || back.Older != all[2] || back.Newer != all[0] {
			t.Errorf("the page newer than the second: %v older %d newer %d; want %v older %d newer %d (the late row is above it)",
				ids(back.Entries), back.Older, back.Newer, all[:3], all[2], all[0])
		}
		back = list(PageRequest{After: second.Newer, Limit: 2})
		if !slices.Equal(ids(back.Entries), all[1:3]) || back.Newer != all[1] {
			t.Errorf("two rows newer than the second page: %v newer %d; want %v newer %d", ids(back.Entries), back.Newer, all[1:3], all[1])
		}
		if got := list(PageRequest{}); len(got.Entries) != 8 {
			t.Errorf("the default page has %d rows; want all 8", len(got.Entries))
		}
	})
}

// filterRows writes one row per case of TestListFilters and returns
// their ids by name.
func filterRows(t *testing.T, db *DB, c *clock) map[string]int64 {
	ctx := context.Background()
	robot := Who{TokenFingerprint: db.Fingerprint("robot token")}
	rows := []struct {
		name    string
		who     Who
		org     string
		action  Action
		ref     string
		outcome Outcome
		ago     time.Duration // claimed this long before the list
	}{
		{"jane created", staff, "org_acme", ActionCreate, "TCK-1001", OutcomeSucceeded, time.Hour},
		{"jane refused", staff, "org_acme", ActionCreate, "tck-1002", OutcomeRefused, time.Hour},
		{"robot edited", robot, "org_acme", ActionEdit, "OPS_7", OutcomeSucceeded, time.Hour},
		{"robot released", robot, "org_acme", ActionRelease, "", OutcomeUnknown, time.Hour},
		{"jane in flight", staff, "org_acme", ActionCreate, "TCK-2000", OutcomePending, time.Second},
		{"jane abandoned", staff, "org_acme", ActionCreate, "100% sure", OutcomePending, time.Hour},
		{"jane elsewhere", staff, "org_other", ActionCreate, "TCK-1003", OutcomeSucceeded, time.Hour},
	}
	start := c.now()
	out := map[string]int64{}
	for i, r := range rows {
		c.set(start.Add(-r.ago))
		e := aCreate(fmt.Sprint("form-", i))
		e.Who, e.Org.ID, e.Action, e.Reference = r.who, r.org, r.action, r.ref
		if r.action != ActionCreate {
			e.FormToken = ""
		}
		e = claim(t, db, e)
		out[r.name] = e.ID
		if r.outcome == OutcomePending {
			continue
		}
		if err := db.Complete(ctx, e.ID, Result{Outcome: r.outcome}); err != nil {
			t.Fatal(err)
		}
	}
	c.set(start)
	return out
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		c := newClock()
		db := p.open(t, Options{Now: c.now, PendingTimeout: time.Minute})
		id := filterRows(t, db, c)
		acme := []string{"org_acme"}
		robot := db.Fingerprint("robot token")
		tests := []struct {
			name string
			f    Filter
			want []string // newest first
		}{
			{"no organization: nothing", Filter{Person: staff.UserID}, nil},
			{"one organization", Filter{OrgIDs: acme}, []string{"jane abandoned", "jane in flight", "robot released", "robot edited", "jane refused", "jane created"}},
			{"two organizations", Filter{OrgIDs: []string{"org_other", "org_acme", "org_acme"}}, []string{"jane elsewhere", "jane abandoned", "jane in flight", "robot released", "robot edited", "jane refused", "jane created"}},
			{"an organization with no rows", Filter{OrgIDs: []string{"org_none"}}, nil},
			{"a user", Filter{OrgIDs: acme, Person: staff.UserID}, []string{"jane abandoned", "jane in flight", "jane refused", "jane created"}},
			{"a token without a user", Filter{OrgIDs: acme, Person: robot}, []string{"robot released", "robot edited"}},
			{"an action", Filter{OrgIDs: acme, Action: ActionEdit}, []string{"robot edited"}},
			{"succeeded", Filter{OrgIDs: acme, Outcome: OutcomeSucceeded}, []string{"robot edited", "jane created"}},
			{"refused", Filter{OrgIDs: acme, Outcome: OutcomeRefused}, []string{"jane refused"}},
			{"pending: in flight only", Filter{OrgIDs: acme, Outcome: OutcomePending}, []string{"jane in flight"}},
			{"unknown: answered so or abandoned", Filter{OrgIDs: acme, Outcome: OutcomeUnknown}, []string{"jane abandoned", "robot released"}},
			{"a reference prefix, any case", Filter{OrgIDs: acme, Reference: "tck-100"}, []string{"jane refused", "jane created"}},
			{"a whole reference", Filter{OrgIDs: acme, Reference: " TCK-1001 "}, []string{"jane created"}},
			{"an underscore is no wildcard", Filter{OrgIDs: acme, Reference: "OPS_"}, []string{"robot edited"}},
			{"nor is a percent sign", Filter{OrgIDs: acme, Reference: "%"}, nil},
			{"a percent sign in a reference", Filter{OrgIDs: acme, Reference: "100%"}, []string{"jane abandoned"}},
			{"all at once", Filter{OrgIDs: acme, Person: staff.UserID, Action: ActionCreate, Outcome: OutcomeRefused, Reference: "TCK"}, []string{"jane refused"}},
		}
		for _, tt := range tests {
			page, err := db.List(context.Background(), tt.f, PageRequest{})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var want []int64
			for _, name := range tt.want {
				want = append(want, id[name])
			}
			if got := ids(page.Entries); !slices.Equal(got, want) {
				t.Errorf("%s: rows %v; want %v %v", tt.name, got, want, tt.want)
			}
		}
		for _, f := range []Filter{{OrgIDs: acme, Action: "delete"}, {OrgIDs: acme, Outcome: "lost"}} {
			if _, err := db.List(context.Background(), f, PageRequest{}); !errors.Is(err, ErrInvalid) {
				t.Errorf("List(%+v): %v; want ErrInvalid", f, err)
			}
		}
	})
}

func TestAnAddressHistoryIsItsOrganizationsRowsAboutIt(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		db := p.open(t, Options{})
		ctx := context.Background()
		addr := Address{ID: "ip_7", IP: "203.0.113.7"}
		created := claim(t, db, aCreate("form-1"))
		if err := db.Complete(ctx, created.ID, Result{Outcome: OutcomeSucceeded, Address: addr}); err != nil {
			t.Fatal(err)
		}
		claim(t, db, aCreate("form-2")) // another create, still pending
		change := func(org string, a Address, action Action) int64 {
			return claim(t, db, Entry{Who: staff, Org: Org{ID: org}, Action: action, Address: a}).ID
		}
		edited := change("org_acme", addr, ActionEdit)
		change("org_acme", Address{ID: "ip_8", IP: "203.0.113.8"}, ActionEdit)
		change("org_other", addr, ActionRelease) // not this organization's
		released := change("org_acme", addr, ActionRelease)

		got, err := db.ForAddress(ctx, "org_acme", addr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{released, edited, created.ID}; !slices.Equal(ids(got), want) {
			t.Errorf("the history of %s: rows %v; want %v", addr.IP, ids(got), want)
		}
		if got, _ := db.ForAddress(ctx, "org_acme", ""); len(got) != 0 {
			t.Errorf("the history of no address: %d rows (the pending create's)", len(got))
		}
	})
}
