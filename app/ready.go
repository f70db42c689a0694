package app

import (
	"context"
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
		err := r.ping(ctx)
		r.mu.Lock()
		r.checked, r.last = r.now(), err
		r.mu.Unlock()
		return nil, err
	})
	select {
	case res := <-ch:
		return res.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}
