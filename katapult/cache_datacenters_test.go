package katapult

import (
	"context"
	"errors"
	"testing"
	"time"
)

// refusingAPI is countingAPI with one token that Katapult refuses, as it
// refuses a revoked or mistyped token: invalid_api_token.
type refusingAPI struct {
	*countingAPI
	refused Token
}

func (a refusingAPI) Organizations(ctx context.Context, tok Token) ([]Organization, error) {
	if tok == a.refused {
		return nil, a.refuse(ctx, "orgs")
	}
	return a.countingAPI.Organizations(ctx, tok)
}

func (a refusingAPI) DataCenters(ctx context.Context, tok Token) ([]DataCenter, error) {
	if tok == a.refused {
		return nil, a.refuse(ctx, "dcs")
	}
	return a.countingAPI.DataCenters(ctx, tok)
}

func (a refusingAPI) refuse(ctx context.Context, op string) error {
	_ = a.count(ctx, op)
	return NewError(CodeInvalidAPIToken, Detail{})
}

// The tokens of the data center tests: the first user's warms the shared
// list, the others come later.
const (
	firstUser   = Token("kt-first-user-token")
	laterUser   = Token("kt-later-user-token")
	refusedUser = Token("kt-refused-user-token")
)

func TestTheDataCenterListIsSharedOnlyWithTokensKatapultAccepted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tok  Token
		// signIn lists the token's organizations first, as signing in and
		// every organization's page do.
		signIn bool
		// advance is the time between that and the data centers.
		advance time.Duration
		// calls is the data center fetches in all, the first user's
		// included; refused: Katapult's refusal comes back.
		calls   int
		refused bool
	}{
		{name: "a signed-in token", tok: laterUser, signIn: true, calls: 1},
		{name: "a signed-in token, its organization list nearly a minute old", tok: laterUser, signIn: true, advance: 59 * time.Second, calls: 1},
		{name: "a token whose organization list expired", tok: laterUser, signIn: true, advance: time.Minute, calls: 2},
		{name: "a token never answered", tok: laterUser, calls: 2},
		{name: "a token Katapult refuses", tok: refusedUser, calls: 2, refused: true},
		{name: "a token Katapult refused at sign-in", tok: refusedUser, signIn: true, calls: 2, refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up, clk := newCountingAPI(), newClock()
			api := NewCache(refusingAPI{countingAPI: up, refused: refusedUser}, time.Minute, clk.now)
			warmDataCenters(t, api, firstUser)
			if tt.signIn {
				_, _ = api.Organizations(t.Context(), tt.tok)
			}
			clk.advance(tt.advance)
			dcs, err := api.DataCenters(t.Context(), tt.tok)
			if tt.refused {
				if !errors.Is(err, ErrInvalidAPIToken) || dcs != nil {
					t.Errorf("got %v, %v; want Katapult's invalid_api_token and no list", dcs, err)
				}
			} else if err != nil || len(dcs) != 1 || dcs[0].ID != "loc_1" {
				t.Errorf("got %v, %v; want the list", dcs, err)
			}
			if got := up.n("dcs"); got != tt.calls {
				t.Errorf("%d data center fetches, want %d", got, tt.calls)
			}
		})
	}
}

func TestTheSharedDataCenterListIsKeptTenMinutes(t *testing.T) {
	t.Parallel()
	up, clk := newCountingAPI(), newClock()
	api := NewCache(up, time.Minute, clk.now)
	warmDataCenters(t, api, firstUser)
	steps := []struct {
		name    string
		advance time.Duration
		tok     Token
		calls   int
	}{
		{name: "another user, at once", tok: laterUser, calls: 1},
		{name: "a third user, nearly ten minutes on", advance: 10*time.Minute - time.Second, tok: "kt-third-user-token", calls: 1},
		{name: "a fourth user, ten minutes after the fetch", advance: time.Second, tok: "kt-fourth-user-token", calls: 2},
		{name: "a fifth user, right after the fourth's fetch", tok: "kt-fifth-user-token", calls: 2},
	}
	for _, s := range steps {
		clk.advance(s.advance)
		if _, err := api.Organizations(t.Context(), s.tok); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if _, err := api.DataCenters(t.Context(), s.tok); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := up.n("dcs"); got != s.calls {
			t.Errorf("%s: %d data center fetches, want %d", s.name, got, s.calls)
		}
	}
}

func TestTheSharedDataCenterListKeepsNoErrorAndHandsOutCopies(t *testing.T) {
	t.Parallel()
	up, clk := newCountingAPI(), newClock()
	api := NewCache(up, time.Minute, clk.now)
	if _, err := api.Organizations(t.Context(), firstUser); err != nil {
		t.Fatal(err)
	}
	up.mu.Lock()
	up.fail = NewError(CodeServiceUnavailable, Detail{})
	up.mu.Unlock()
	var kerr *Error
	if _, err := api.DataCenters(t.Context(), firstUser); !errors.As(err, &kerr) || kerr.Code != CodeServiceUnavailable {
		t.Fatalf("the failing fetch answered %v", err)
	}
	up.mu.Lock()
	up.fail = nil
	up.mu.Unlock()

	users := []Token{laterUser, "kt-third-user-token", "kt-fourth-user-token"}
	for i, tok := range users {
		if _, err := api.Organizations(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
		dcs, err := api.DataCenters(t.Context(), tok)
		if err != nil || len(dcs) != 1 || dcs[0].ID != "loc_1" {
			t.Fatalf("user %d got %v, %v; want the list", i, dcs, err)
		}
		dcs[0].ID = "changed by a caller"
	}
	if got := up.n("dcs"); got != 2 {
		t.Errorf("%d data center fetches, want 2: the failure, then one for all", got)
	}
}

// warmDataCenters signs a token in and lists the data centers with it, as
// the first user's form does.
func warmDataCenters(t *testing.T, api API, tok Token) {
	t.Helper()
	if _, err := api.Organizations(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	if _, err := api.DataCenters(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
}
