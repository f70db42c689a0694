package journal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAClaimedRowIsPendingUntilCompleted(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		c := newClock()
		db := p.open(t, Options{Now: c.now})
		ctx := context.Background()
		e := claim(t, db, aCreate("form-1"))
		if e.ID <= 0 || e.Outcome != OutcomePending || !e.At.Equal(c.now()) || !e.CompletedAt.IsZero() {
			t.Fatalf("the claimed row: %+v; want an id, pending, claimed now, not completed", e)
		}
		got, err := db.Get(ctx, e.ID)
		if err != nil || got != e {
			t.Fatalf("Get: %+v, %v; want %+v", got, err, e)
		}
		c.advance(3 * time.Second)
		created := Address{ID: "ip_new", IP: "192.0.2.10"}
		if err := db.Complete(ctx, e.ID, Result{Outcome: OutcomeSucceeded, Address: created}); err != nil {
			t.Fatalf("Complete: %v", err)
		}
		got, _ = db.Get(ctx, e.ID)
		if got.Outcome != OutcomeSucceeded || got.Address != created || !got.CompletedAt.Equal(c.now()) || got.At != e.At {
			t.Errorf("after Complete: %+v; want succeeded with %v, completed now", got, created)
		}
		// A create's form names its network by id: the answer's name fills
		// the row, and an empty one keeps what the row has.
		named := claim(t, db, Entry{Who: staff, Org: Org{ID: "org_acme", SubDomain: "acme"}, Action: ActionCreate,
			Request: Request{NetworkID: "netw_lon", Version: "ipv4"}, FormToken: "form-named"})
		if err := db.Complete(ctx, named.ID, Result{Outcome: OutcomeSucceeded, Address: created, NetworkName: "Public Network"}); err != nil {
			t.Fatalf("Complete: %v", err)
		}
		if got, _ := db.Get(ctx, named.ID); got.Request.NetworkName != "Public Network" || got.Request.NetworkID != "netw_lon" {
			t.Errorf("after Complete with the network's name: %+v", got.Request)
		}
		if got, _ := db.Get(ctx, e.ID); got.Request.NetworkName != aCreate("").Request.NetworkName {
			t.Errorf("a Complete without a network name changed the row's: %+v", got.Request)
		}
		// The outcome is written once.
		err = db.Complete(ctx, e.ID, Result{Outcome: OutcomeRefused, ErrorCode: "validation_error"})
		if !errors.Is(err, ErrCompleted) {
			t.Errorf("a second Complete: %v; want ErrCompleted", err)
		}
		if err := db.Complete(ctx, e.ID+1000, Result{Outcome: OutcomeUnknown}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Complete of a row that does not exist: %v; want ErrNotFound", err)
		}
		if _, err := db.Get(ctx, e.ID+1000); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get of a row that does not exist: %v; want ErrNotFound", err)
		}
	})
}

func TestARefusedCallKeepsItsCodeAndAnEditItsAddress(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		db := p.open(t, Options{})
		ctx := context.Background()
		edit := Entry{Who: Who{TokenFingerprint: db.Fingerprint("a token")}, Org: Org{ID: "org_acme", SubDomain: "acme"},
			Action: ActionEdit, Request: Request{Label: "db-2", ReverseDNS: "db2.example.net"},
			Address: Address{ID: "ip_1", IP: "192.0.2.7"}, RequestID: "req-9"}
		e := claim(t, db, edit)
		if err := db.Complete(ctx, e.ID, Result{Outcome: OutcomeRefused, ErrorCode: "invalid_reverse_dns"}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Get(ctx, e.ID)
		if got.Outcome != OutcomeRefused || got.ErrorCode != "invalid_reverse_dns" || got.Address != edit.Address ||
			got.FormToken != "" || got.Who != edit.Who || got.Request != edit.Request {
			t.Errorf("the refused edit reads %+v", got)
		}
		// Rows without a form token do not claim anything: two edits of
		// one address are two rows.
		second := claim(t, db, edit)
		if second.ID == e.ID {
			t.Errorf("a second edit got row %d, the first's", second.ID)
		}
	})
}

func TestASecondClaimOfOneFormGetsTheFirstRow(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		db := p.open(t, Options{})
		ctx := context.Background()
		first := claim(t, db, aCreate("form-1"))

		again := aCreate("form-1")
		again.Request.Label = "changed my mind"
		got, err := db.Claim(ctx, again)
		if !errors.Is(err, ErrClaimed) {
			t.Fatalf("a second Claim of one token: %v; want ErrClaimed", err)
		}
		if got != first {
			t.Errorf("the second Claim returned %+v; want the first row %+v (pending: in flight)", got, first)
		}
		// After the first completes, a repeat shows its outcome.
		if err := db.Complete(ctx, first.ID, Result{Outcome: OutcomeSucceeded, Address: Address{ID: "ip_a", IP: "192.0.2.5"}}); err != nil {
			t.Fatal(err)
		}
		got, err = db.Claim(ctx, again)
		if !errors.Is(err, ErrClaimed) || got.Outcome != OutcomeSucceeded || got.Address.IP != "192.0.2.5" {
			t.Errorf("a Claim after the first completed: %+v, %v; want the first row, succeeded", got, err)
		}
		page, err := db.List(ctx, Filter{OrgIDs: []string{"org_acme"}}, PageRequest{})
		if err != nil || len(page.Entries) != 1 {
			t.Errorf("the journal has %d rows (%v); want the one claim", len(page.Entries), err)
		}
	})
}

// TestConcurrentClaimsOfOneFormHaveOneWinner: posts of one form reaching
// several replicas at once, each replica a handle of its own on one
// database.
func TestConcurrentClaimsOfOneFormHaveOneWinner(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		replicas := []*DB{p.open(t, Options{}), p.open(t, Options{}), p.open(t, Options{})}
		for round := range 5 {
			token := fmt.Sprintf("form-%d", round)
			const posts = 12
			got := make([]Entry, posts)
			errs := make([]error, posts)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range posts {
				wg.Go(func() {
					<-start
					got[i], errs[i] = replicas[i%len(replicas)].Claim(context.Background(), aCreate(token))
				})
			}
			close(start)
			wg.Wait()
			var winners []int
			for i, err := range errs {
				switch {
				case err == nil:
					winners = append(winners, i)
				case !errors.Is(err, ErrClaimed):
					t.Fatalf("post %d: %v", i, err)
				}
			}
			if len(winners) != 1 {
				t.Fatalf("round %d: %d posts won the claim (%v); want exactly one", round, len(winners), winners)
			}
			for i, e := range got {
				if e.ID != got[winners[0]].ID {
					t.Errorf("round %d: post %d got row %d; the winner's is %d", round, i, e.ID, got[winners[0]].ID)
				}
			}
		}
	})
}

func TestAPendingRowReadsAsUnknownOnceItIsOlderThanThePendingTimeout(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		c := newClock()
		db := p.open(t, Options{Now: c.now, PendingTimeout: time.Minute})
		ctx := context.Background()
		e := claim(t, db, aCreate("form-1"))
		orgs := []string{"org_acme"}
		outcomeOf := func() Outcome {
			t.Helper()
			got, err := db.Get(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Outcome
		}
		listed := func(o Outcome) int {
			t.Helper()
			page, err := db.List(ctx, Filter{OrgIDs: orgs, Outcome: o}, PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Entries)
		}
		c.advance(59 * time.Second)
		if o := outcomeOf(); o != OutcomePending || listed(OutcomePending) != 1 || listed(OutcomeUnknown) != 0 {
			t.Errorf("59 s after the claim: %s (pending filter %d, unknown filter %d); want pending", o, listed(OutcomePending), listed(OutcomeUnknown))
		}
		c.advance(2 * time.Second)
		if o := outcomeOf(); o != OutcomeUnknown || listed(OutcomePending) != 0 || listed(OutcomeUnknown) != 1 {
			t.Errorf("61 s after the claim: %s (pending filter %d, unknown filter %d); want unknown", o, listed(OutcomePending), listed(OutcomeUnknown))
		}
		// A repeat of the form is shown the unknown outcome, not sent.
		if got, err := db.Claim(ctx, aCreate("form-1")); !errors.Is(err, ErrClaimed) || got.Outcome != OutcomeUnknown {
			t.Errorf("a repeat of the form: %s, %v; want ErrClaimed and unknown", got.Outcome, err)
		}
		// A late answer still lands.
		if err := db.Complete(ctx, e.ID, Result{Outcome: OutcomeSucceeded, Address: Address{ID: "ip_late", IP: "192.0.2.9"}}); err != nil {
			t.Fatalf("Complete of a row that read as unknown: %v", err)
		}
		if o := outcomeOf(); o != OutcomeSucceeded {
			t.Errorf("after the late answer: %s; want succeeded", o)
		}
	})
}

func TestACallThatGotNoAnswerIsCompletedAsUnknown(t *testing.T) {
	t.Parallel()
	db := sqlitePlace(t).open(t, Options{})
	ctx := context.Background()
	e := claim(t, db, aCreate("form-1"))
	if err := db.Complete(ctx, e.ID, Result{Outcome: OutcomeUnknown}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Get(ctx, e.ID); got.Outcome != OutcomeUnknown || got.CompletedAt.IsZero() {
		t.Errorf("after Complete(unknown): %+v", got)
	}
	if err := db.Complete(ctx, e.ID, Result{Outcome: OutcomePending}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Complete(pending): %v; want ErrInvalid", err)
	}
}

func TestClaimRefusesRowsItCannotJournal(t *testing.T) {
	t.Parallel()
	db := sqlitePlace(t).open(t, Options{})
	tests := []struct {
		name   string
		change func(e *Entry)
	}{
		{"an unknown action", func(e *Entry) { e.Action = "delete" }},
		{"no organization", func(e *Entry) { e.Org.ID = "" }},
		{"nobody", func(e *Entry) { e.Who = Who{} }},
		{"a user and a fingerprint", func(e *Entry) { e.Who.TokenFingerprint = "tok_0011223344556677" }},
		{"a create without its form token", func(e *Entry) { e.FormToken = "" }},
		{"a reference too long", func(e *Entry) { e.Reference = strings.Repeat("x", MaxReferenceLen+1) }},
		{"a reference with a line break", func(e *Entry) { e.Reference = "TCK-1\nTCK-2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := aCreate("form-" + tt.name)
			tt.change(&e)
			if _, err := db.Claim(context.Background(), e); !errors.Is(err, ErrInvalid) {
				t.Errorf("Claim: %v; want ErrInvalid", err)
			}
		})
	}
	page, _ := db.List(context.Background(), Filter{OrgIDs: []string{"org_acme", ""}}, PageRequest{})
	if len(page.Entries) != 0 {
		t.Errorf("refused claims wrote %d rows", len(page.Entries))
	}
}

func TestCheckReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"empty", "", "", true},
		{"a ticket number", "TCK-1001", "TCK-1001", true},
		{"spaces around it are trimmed", "  #4411 \t", "#4411", true},
		{"letters of any script", "Störung 42 — 工单", "Störung 42 — 工单", true},
		{"the longest", strings.Repeat("é", MaxReferenceLen), strings.Repeat("é", MaxReferenceLen), true},
		{"one character too long", strings.Repeat("é", MaxReferenceLen+1), "", false},
		{"a tab inside", "TCK\t1", "", false},
		{"a line break", "a\r\nb", "", false},
		{"not UTF-8", "TCK\xff", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := CheckReference(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Errorf("CheckReference(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("the error %v is not ErrInvalid", err)
			}
		})
	}
}

func TestARowLeftPendingByAProcessThatDiedReadsAsUnknown(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		c := newClock()
		opts := Options{Now: c.now, PendingTimeout: time.Minute}
		db := p.open(t, opts)
		e := claim(t, db, aCreate("form-1"))
		db.Close() // as if killed during the call: no Complete
		c.advance(5 * time.Second)
		again := p.open(t, opts)
		got, err := again.Get(context.Background(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		// SQLite belongs to one process: the row is abandoned. PostgreSQL
		// may be another replica's call in flight, until PendingTimeout.
		want := map[string]Outcome{"sqlite": OutcomeUnknown, "postgres": OutcomePending}[p.name]
		if got.Outcome != want {
			t.Errorf("5 s after a restart: %s; want %s", got.Outcome, want)
		}
		c.advance(time.Minute)
		if got, _ := again.Get(context.Background(), e.ID); got.Outcome != OutcomeUnknown {
			t.Errorf("a minute later: %s; want unknown", got.Outcome)
		}
	})
}
