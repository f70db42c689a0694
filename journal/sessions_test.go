package journal

import (
	"context"
	"testing"
	"time"
)

func TestASessionIsActiveUntilRevokedOrExpired(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		c := newClock()
		db := p.open(t, Options{Now: c.now})
		ctx := context.Background()
		active := func(id string) bool {
			t.Helper()
			ok, err := db.SessionActive(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		jane, err := db.CreateSession(ctx, c.now().Add(12*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		other, _ := db.CreateSession(ctx, c.now().Add(12*time.Hour))
		if len(jane) != 43 || jane == other {
			t.Fatalf("session ids %q and %q; want two different 43-character ids", jane, other)
		}
		if !active(jane) || !active(other) {
			t.Fatal("new sessions are not active")
		}
		// Another replica sharing the database sees the same.
		replica := p.open(t, Options{Now: c.now})
		if ok, err := replica.SessionActive(ctx, jane); !ok || err != nil {
			t.Errorf("another handle: active %v, %v; want true", ok, err)
		}
		if err := db.RevokeSession(ctx, jane); err != nil {
			t.Fatal(err)
		}
		if active(jane) {
			t.Error("a revoked session is still active")
		}
		if ok, _ := replica.SessionActive(ctx, jane); ok {
			t.Error("a session revoked on one replica is active on another")
		}
		if !active(other) {
			t.Error("revoking one session ended another")
		}
		if err := db.RevokeSession(ctx, jane); err != nil {
			t.Errorf("revoking a revoked session: %v", err)
		}
		for _, id := range []string{"", "never-created", jane + "x"} {
			if active(id) {
				t.Errorf("session %q is active", id)
			}
		}
		c.advance(12*time.Hour - time.Second)
		if !active(other) {
			t.Error("a session is inactive a second before it expires")
		}
		c.advance(time.Second)
		if active(other) {
			t.Error("a session is active when it expires")
		}
	})
}

func TestTheSessionsTableHoldsNoSessionId(t *testing.T) {
	t.Parallel()
	db := sqlitePlace(t).open(t, Options{})
	ctx := context.Background()
	id, err := db.CreateSession(ctx, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := db.r.QueryRowContext(ctx, `SELECT id_hash FROM sessions`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == id || len(stored) != 64 {
		t.Errorf("the table holds %q for session %q; want its SHA-256", stored, id)
	}
}

// BenchmarkSessionActive measures the check every signed-in request makes.
func BenchmarkSessionActive(b *testing.B) {
	for _, p := range []struct {
		name string
		at   func(testing.TB) place
	}{{"sqlite", sqlitePlace}, {"postgres", postgresPlace}} {
		b.Run(p.name, func(b *testing.B) {
			db := p.at(b).open(b, Options{})
			ctx := context.Background()
			id, err := db.CreateSession(ctx, time.Now().Add(time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if ok, err := db.SessionActive(ctx, id); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
