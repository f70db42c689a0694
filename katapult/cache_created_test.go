package katapult

import (
	"cmp"
	"strings"
	"testing"
	"time"
)

func TestACreatedAddressIsAnsweredOnceFromTheCreatesAnswer(t *testing.T) {
	t.Parallel()
	const otherUser = Token("kt-other-user-token")
	tests := []struct {
		name string
		// failCreate makes the create fail; advance is the time between
		// the create and the read.
		failCreate bool
		advance    time.Duration
		// ttl is the cache's; zero is a minute.
		ttl time.Duration
		tok Token
		id  string
		// first is where the first read's answer comes from; either way
		// the second read is a fetch.
		first string
	}{
		{name: "the creator, at once", tok: testToken, id: "ip_1", first: createdLabel},
		{name: "the creator, 29 s later", advance: 29 * time.Second, tok: testToken, id: "ip_1", first: createdLabel},
		{name: "the creator, 30 s later", advance: 30 * time.Second, tok: testToken, id: "ip_1", first: fetchedLabel},
		{name: "the creator, when the cache keeps lists 10 s only", ttl: 10 * time.Second, advance: 10 * time.Second, tok: testToken, id: "ip_1", first: fetchedLabel},
		{name: "another token", tok: otherUser, id: "ip_1", first: fetchedLabel},
		{name: "another address", tok: testToken, id: "ip_2", first: fetchedLabel},
		{name: "after a create that failed", failCreate: true, tok: testToken, id: "ip_1", first: fetchedLabel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up, clk := newCountingAPI(), newClock()
			api := NewCache(up, cmp.Or(tt.ttl, time.Minute), clk.now)
			if tt.failCreate {
				up.fail = NewError(CodeServiceUnavailable, Detail{})
			}
			created, err := api.CreateIPAddress(t.Context(), testToken, plainCreate)
			if (err != nil) != tt.failCreate {
				t.Fatalf("the create answered %v, %v", created, err)
			}
			up.mu.Lock()
			up.fail = nil
			up.mu.Unlock()
			clk.advance(tt.advance)

			wantCalls := 0
			for i, want := range []string{tt.first, fetchedLabel} {
				got, err := api.IPAddress(t.Context(), tt.tok, tt.id)
				if err != nil {
					t.Fatalf("read %d: %v", i+1, err)
				}
				if got.ID != tt.id || got.Label != want {
					t.Errorf("read %d answered %s %q, want %s %q", i+1, got.ID, got.Label, tt.id, want)
				}
				if want == fetchedLabel {
					wantCalls++
				}
			}
			if got := up.n("ip"); got != wantCalls {
				t.Errorf("%d address fetches, want %d", got, wantCalls)
			}
		})
	}
}

func TestACreatedAddressIsKeptUnderAHashOfTheToken(t *testing.T) {
	t.Parallel()
	c := newCache(newCountingAPI(), time.Minute, newClock().now, 10)
	if _, err := c.CreateIPAddress(t.Context(), testToken, plainCreate); err != nil {
		t.Fatal(err)
	}
	if len(c.entries) != 1 {
		t.Fatalf("%d entries after a create, want 1", len(c.entries))
	}
	for key := range c.entries {
		if strings.Contains(key, string(testToken)) {
			t.Errorf("the created address's key holds the token")
		}
	}
}
