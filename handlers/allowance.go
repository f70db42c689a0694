package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"ipdesk/katapult"
	"ipdesk/views"
)

// The allowance of unallocated addresses (policy_limits and the count of
// the organization's unallocated addresses) costs two calls, which the
// form must not wait for: opening the form stays within its call budget
// (BENCHMARKS.md, figure 3). A page shows it from the cache when both are
// there, and otherwise loads it from the allowance route once it is on
// screen (htmx), or links to that route (without JavaScript). The cache
// keeps both for its ttl and counts this dashboard's creates in, so that
// the forms after the first one show it at once.

// cachedAllowance is the organization's allowance as the cache holds it,
// or one that loads itself.
func (s *server) cachedAllowance(tok katapult.Token, o katapult.Organization) views.Allowance {
	org := katapult.OrgRef(o.SubDomain)
	a := views.Allowance{OrgName: orgHeader(o).Name}
	limits, ok := s.api.CachedPolicyLimits(tok, org)
	inUse, counted := s.api.CachedUnallocated(tok, org)
	if !ok || !counted {
		a.LoadURL = views.PathAllowance(o.SubDomain)
		return a
	}
	return allowanceOf(a, limits, inUse)
}

func allowanceOf(a views.Allowance, limits katapult.PolicyLimits, inUse int) views.Allowance {
	l := limits.UnallocatedIPAddresses
	a.Unlimited, a.Limit, a.InUse = l.Unlimited, l.Value, inUse
	return a
}

// loadAllowance fetches both halves of the allowance at once. A failure
// is logged and leaves a quiet note: the allowance is advice, and the
// form works without it. Only an error that ends the session is returned.
func (s *server) loadAllowance(c echo.Context, o katapult.Organization) (views.Allowance, error) {
	ctx, tok, org := c.Request().Context(), sessionOf(c).token(), katapult.OrgRef(o.SubDomain)
	a := views.Allowance{OrgName: orgHeader(o).Name}
	type counted struct {
		n   int
		err error
	}
	count := make(chan counted, 1)
	go func(ctx context.Context) {
		n, err := s.api.UnallocatedIPAddresses(ctx, tok, org)
		count <- counted{n, err}
	}(ctx)
	limits, err := s.api.PolicyLimits(ctx, tok, org)
	inUse := <-count
	for _, err := range []error{err, inUse.err} {
		if err == nil {
			continue
		}
		if errors.Is(err, katapult.ErrSignIn) {
			return a, err
		}
		s.logError(c, err, s.explain(c, err, nil).status)
		a.Unavailable = true
	}
	if a.Unavailable {
		return a, nil
	}
	return allowanceOf(a, limits, inUse.n), nil
}

// handleAllowance is the organization's allowance: the text of its box
// for htmx, a page of its own without it.
func (s *server) handleAllowance() echo.HandlerFunc {
	return func(c echo.Context) error {
		o := loadedOrg(c).org
		a, err := s.loadAllowance(c, o)
		if err != nil {
			return err
		}
		if isHTMX(c) {
			return s.renderPartial(c, http.StatusOK, views.AllowanceText(a))
		}
		v := views.AllowanceView{Org: orgHeader(o), Allowance: a}
		return s.render(c, http.StatusOK, views.Page{Title: "Unallocated addresses · " + v.Org.Name, Main: views.AllowanceMain(v)})
	}
}
