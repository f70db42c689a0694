package katapult

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// pingPath is what Ping asks for: a list every token may read, so that an
// answer without a token is Katapult's own refusal.
const pingPath = "data_centers"

// Ping reports whether Katapult's API answers, for readiness: it sends one
// request without a token and counts any answer below 500 (the expected
// one is Katapult's refusal of the missing token) as alive. It takes no
// token, so that probing spends no user's rate limit. ctx bounds it.
func (c *Client) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+pingPath, nil)
	if err != nil {
		return &UnavailableError{Op: "ping", Err: err}
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	rsp, err := c.doer.Do(req)
	if err != nil {
		return &UnavailableError{Op: "ping", Err: err}
	}
	defer rsp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(rsp.Body, maxAnswer))
	if rsp.StatusCode >= 500 {
		return &UnavailableError{Op: "ping", Err: fmt.Errorf("answered %d %s", rsp.StatusCode, http.StatusText(rsp.StatusCode))}
	}
	return nil
}
