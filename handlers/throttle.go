package handlers

import (
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"ipdesk/throttle"
)

// The sign-in limit per client address, unless Config says otherwise: a
// burst of ten attempts, so that staff who mistype a few times never meet
// it, then one every six seconds (ten a minute). A guesser gets about 14,400
// tries a day from one address, against tokens of a few hundred bits; what
// matters more is that the guesses stop at ipdesk instead of reaching
// Katapult, where they would count against ipdesk's own address.
const (
	defaultSignInBurst = 10
	defaultSignInEvery = 6 * time.Second
)

// problemTooManySignIns names the panel (data-problem) of a refused sign-in.
const problemTooManySignIns = "too-many-sign-ins"

// newSignInLimiter counts failed sign-ins per client address on the
// dashboard's clock, so that tests can move time on.
func newSignInLimiter(cfg Config, now func() time.Time) *throttle.Limiter {
	burst, every := cfg.SignInBurst, cfg.SignInEvery
	if burst <= 0 {
		burst = defaultSignInBurst
	}
	if every <= 0 {
		every = defaultSignInEvery
	}
	return throttle.New(throttle.Config{Burst: burst, Every: every, Now: now})
}

// signInThrottled is a sign-in refused before it reached Katapult; it is
// logged with the request, never shown as such.
type signInThrottled struct {
	addr string
	wait time.Duration
}

func (e *signInThrottled) Error() string {
	return fmt.Sprintf("sign-in refused: too many failed attempts from %s; retry after %s", e.addr, e.wait)
}

// secs is the wait in whole seconds, at least one.
func (e *signInThrottled) secs() int {
	return max(1, int((e.wait+time.Second-1)/time.Second))
}

// tooManySignIns answers a sign-in refused by the limit: 429 with
// Retry-After, and the sign-in page with a panel saying how long to wait
// above the form, so that staff can try again from the same page. The form
// was not processed: its token went nowhere.
func (s *server) tooManySignIns(c echo.Context, next string, wait time.Duration) error {
	err := &signInThrottled{addr: c.RealIP(), wait: wait}
	err.wait = time.Duration(err.secs()) * time.Second
	sh := s.explain(c, err, signInForm)
	s.logError(c, err, sh.status)
	c.Response().Header().Set("Retry-After", strconv.Itoa(err.secs()))
	v := s.loginView(c, next)
	v.Problem = &sh.problem
	return s.render(c, sh.status, loginPage(v))
}

// seconds writes a whole number of seconds for staff.
func seconds(n int) string {
	if n == 1 {
		return "1 second"
	}
	return strconv.Itoa(n) + " seconds"
}
