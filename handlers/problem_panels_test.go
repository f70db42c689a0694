package handlers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/katapult"
)

func TestTheRateLimitAndUnexpectedAnswerPanelsSayWhatKatapultSaid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        *katapult.Error
		wantStatus int
		wantKind   string
		// wantDetails are the panel's details, in order.
		wantDetails []string
	}{
		{
			name:       "a limit that resets in seconds, with the limit",
			err:        &katapult.Error{Status: 429, Code: katapult.CodeRateLimitReached, RetryAfter: 30 * time.Second, Detail: katapult.Detail{TotalPermitted: 1000}},
			wantStatus: 429, wantKind: "rate_limit_reached",
			wantDetails: []string{"Try again in 30 seconds.", "The limit is 1000 requests a minute for each API token."},
		},
		{
			name:       "a part of a second is a whole second",
			err:        &katapult.Error{Status: 429, Code: katapult.CodeRateLimitReached, RetryAfter: 300 * time.Millisecond},
			wantStatus: 429, wantKind: "rate_limit_reached",
			wantDetails: []string{"Try again in 1 second."},
		},
		{
			name:       "a proxy's long wait in minutes",
			err:        &katapult.Error{Status: 429, Code: katapult.CodeRateLimitReached, RetryAfter: 3601 * time.Second},
			wantStatus: 429, wantKind: "rate_limit_reached",
			wantDetails: []string{"Try again in 61 minutes."},
		},
		{
			name:       "no wait and no limit known",
			err:        &katapult.Error{Status: 429, Code: katapult.CodeRateLimitReached},
			wantStatus: 429, wantKind: "rate_limit_reached",
			wantDetails: []string{"Try again within a minute."},
		},
		{
			name:       "a success of another shape",
			err:        &katapult.Error{Status: 200, Code: katapult.CodeUnexpectedResponse, RequestID: "req_shape"},
			wantStatus: 502, wantKind: "unexpected_response",
			wantDetails: []string{"Katapult answered with status 200, but not with what ipdesk asked for."},
		},
		{
			name:       "a redirect",
			err:        &katapult.Error{Status: 302, Code: katapult.CodeUnexpectedResponse},
			wantStatus: 502, wantKind: "unexpected_response",
			wantDetails: []string{"Katapult answered with status 302 (Found), sending ipdesk elsewhere; ipdesk follows no redirect."},
		},
		{
			name:       "a proxy's error page",
			err:        &katapult.Error{Status: 503, Code: katapult.CodeUnexpectedResponse},
			wantStatus: 502, wantKind: "unexpected_response",
			wantDetails: []string{"Katapult answered with status 503 (Service Unavailable) and no error ipdesk knows: perhaps a proxy in front of it."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFake(t)
			api.ipAddresses = func(katapult.Token, katapult.OrgRef, int, int) (katapult.IPAddressPage, error) {
				return katapult.IPAddressPage{}, tt.err
			}
			_, c := signedIn(t, api)
			p := c.get("/orgs/acme/ip-addresses").wantStatus(tt.wantStatus)
			panel := p.one(`[data-testid="error-panel"][data-problem="` + tt.wantKind + `"]`)
			var got []string
			panel.Find(`[data-testid="error-details"] li`).Each(func(_ int, li *goquery.Selection) {
				got = append(got, strings.Join(strings.Fields(li.Text()), " "))
			})
			if strings.Join(got, "\n") != strings.Join(tt.wantDetails, "\n") {
				t.Errorf("details %q, want %q", got, tt.wantDetails)
			}
			if tt.err.RequestID != "" && text(panel.Find(`[data-testid="request-id"]`)) != tt.err.RequestID {
				t.Errorf("the panel does not show Katapult's request ID %q", tt.err.RequestID)
			}
		})
	}
}
