package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// readyCacheTTL is how long a remote readiness answer is kept: /readyz is
// public, and each check is a request to Katapult.
const readyCacheTTL = 5 * time.Second

// remoteReadiness checks that Katapult's API answers, at most once every
// readyCacheTTL, merging concurrent checks.
type remoteReadiness struct {
	ping  func(context.Context) error
	now   func() time.Time
	group singleflight.Group

	mu      sync.Mutex
	checked time.Time
	last    error
}

func newRemoteReadiness(client interface{ Ping(context.Context) error }, now func() time.Time) *remoteReadiness {
	return &remoteReadiness{ping: client.Ping, now: now}
}

func (r *remoteReadiness) check(ctx context.Context) error {
	r.mu.Lock()
	if !r.checked.IsZero() && r.now().Sub(r.checked) < readyCacheTTL {
		err := r.last
		r.mu.Unlock()
		return err
	}
	r.mu.Unlock()
	ch := r.group.DoChan("ping", func() (any, error) {
		// The ping is shared by every caller and its outcome kept for
		// readyCacheTTL: it runs on its own bound, so that a caller that
		// gives up (a probe that disconnects) does not make the next ones
		// read "not ready".
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
		defer cancel()
		err := r.ping(pctx)
		r.mu.Lock()
		r.checked, r.last = r.now(), err
		r.mu.Unlock()
		return nil, err
	})
	select {
	case res := <-ch:
		return res.Err
	case <-ctx.Done():
		return fmt.Errorf("katapult: ping: no answer in time: %w", ctx.Err())
	}
}
