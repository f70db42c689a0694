package app_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/app"
)

// The upstream faults suite: ipdesk in remote mode in front of a fake
// Katapult (fake_katapult_test.go) that breaks one operation in one way,
// for each page that depends on that operation. Every page must answer
// within its time budget with a panel that explains what happened, and a
// form must never send two creates where one may have happened.

// faultBudget is small, to keep the suite short: reads 1 s, creates 2 s.
var faultBudget = app.NewBudget(time.Second, 2*time.Second)

// deadlineMargin is what a page may take beyond its request's deadline:
// rendering and a loaded machine running the race detector.
const deadlineMargin = 2 * time.Second

// outcome is what a page answers: its status and the kind of its problem
// panel.
type outcome struct {
	status int
	kind   string
}

// The outcomes a fault can lead to.
var (
	noAnswer     = outcome{http.StatusBadGateway, "unavailable"}
	unexpected   = outcome{http.StatusBadGateway, "unexpected_response"}
	katapultDown = outcome{http.StatusServiceUnavailable, "service_unavailable"}
	limited      = outcome{http.StatusTooManyRequests, "rate_limit_reached"}
	unknown      = outcome{http.StatusGatewayTimeout, "outcome-unknown"}
)

// faultCase is one way Katapult can fail, and what ipdesk makes of it.
type faultCase struct {
	name  string
	fault faultFunc // nil: the connection is refused
	// read is the outcome of a page whose read failed; create of a create.
	read, create outcome
	// refused is set when the create provably created nothing (it never
	// left, or Katapult refused it): the same form may then be sent again,
	// and creates once. Otherwise sending it again sends nothing.
	refused bool
	// details are sentences the panel must show.
	details []string
	// budget replaces faultBudget for a fault that needs more time to
	// show itself than a loaded machine gives it in faultBudget.Read.
	budget app.Budget
}

var rateLimitDetails = []string{"Try again in 30 seconds.", "The limit is 1000 requests a minute for each API token."}

func faultCases() []faultCase {
	jsonType := map[string]string{"Content-Type": "application/json"}
	return []faultCase{
		{name: "hangs past the timeout", fault: hang, read: noAnswer, create: unknown},
		{name: "resets the connection", fault: resetConn, read: noAnswer, create: unknown},
		{name: "closes mid-body", fault: closeEarly, read: noAnswer, create: unknown},
		{name: "refuses the connection", read: noAnswer, create: noAnswer, refused: true},
		{name: "answers 500 in HTML", fault: answerWith(http.StatusInternalServerError, htmlType, htmlPage(500)), read: unexpected, create: unknown},
		{name: "answers 502 in HTML", fault: answerWith(http.StatusBadGateway, htmlType, htmlPage(502)), read: unexpected, create: unknown},
		{
			name: "answers 503 service_unavailable",
			fault: answerWith(http.StatusServiceUnavailable, jsonType,
				`{"error":{"code":"service_unavailable","description":"The service is currently unavailable, please try again later","detail":{}}}`),
			read: katapultDown, create: katapultDown, refused: true,
		},
		{name: "answers 503 in HTML", fault: answerWith(http.StatusServiceUnavailable, htmlType, htmlPage(503)), read: unexpected, create: unknown},
		{
			name: "answers 429 with the envelope",
			fault: answerWith(http.StatusTooManyRequests, rateLimitHeaders("application/json"),
				`{"error":{"code":"rate_limit_reached","description":"You have reached the rate limit for this type of request","detail":{"total_permitted":1000}}}`),
			read: limited, create: limited, refused: true, details: rateLimitDetails,
		},
		{
			name:  "answers 429 in HTML",
			fault: answerWith(http.StatusTooManyRequests, rateLimitHeaders("text/html"), htmlPage(429)),
			read:  limited, create: limited, refused: true, details: rateLimitDetails,
		},
		{name: "answers 429 empty, Retry-After a date", fault: rateLimitedByDate, read: limited, create: limited, refused: true, details: rateLimitDetails},
		{name: "answers truncated JSON", fault: truncated, read: unexpected, create: unknown},
		{name: "answers malformed JSON", fault: malformed, read: unexpected, create: unknown},
		{name: "answers 200 in HTML", fault: answerWith(http.StatusOK, htmlType, htmlPage(200)), read: unexpected, create: unknown},
		{name: "answers 200 of another shape", fault: answerWith(http.StatusOK, jsonType, `{"unexpected":true}`), read: unexpected, create: unknown},
		{name: "trickles its body past the timeout", fault: slowBody, read: noAnswer, create: unknown},
		// 4 MB must arrive before the answer is refused for its size: on
		// two busy cores with the race detector that can take longer than
		// 1 s, and a timeout is not what this case is about.
		{name: "answers 6 MB", fault: huge, read: unexpected, create: unknown, budget: app.NewBudget(5*time.Second, 5*time.Second)},
		{name: "redirects elsewhere", fault: redirect, read: unexpected, create: unexpected, refused: true},
	}
}

// pageCase is a page and the operation it depends on.
type pageCase struct {
	name   string
	op     kop
	method string
	path   string
	htmx   bool
	// healthy is the page's status once Katapult answers again.
	healthy int
	// keepsForm is set for the create form, which stays usable when its
	// networks do not come: it offers to load them again.
	keepsForm bool
}

func pageCases() []pageCase {
	return []pageCase{
		{name: "sign-in", op: kOrganizations, method: http.MethodPost, path: "/login", healthy: http.StatusSeeOther},
		{name: "form", op: kNetworks, method: http.MethodGet, path: "/orgs/acme/ip-addresses/new", healthy: http.StatusOK, keepsForm: true},
		{name: "networks", op: kNetworks, method: http.MethodGet, path: "/orgs/acme/networks", healthy: http.StatusOK},
		{name: "networks (htmx)", op: kNetworks, method: http.MethodGet, path: "/orgs/acme/networks", htmx: true, healthy: http.StatusOK},
		{name: "create", op: kCreate, method: http.MethodPost, path: "/orgs/acme/ip-addresses", healthy: http.StatusSeeOther},
		{name: "create (htmx)", op: kCreate, method: http.MethodPost, path: "/orgs/acme/ip-addresses", htmx: true, healthy: http.StatusOK},
		{name: "list", op: kList, method: http.MethodGet, path: "/orgs/acme/ip-addresses", healthy: http.StatusOK},
		{name: "address", op: kAddress, method: http.MethodGet, path: "/orgs/acme/ip-addresses/" + fakeSeedID, healthy: http.StatusOK},
	}
}

// expect is what the page answers when its operation meets the fault.
func (p pageCase) expect(fc faultCase) outcome {
	switch {
	case p.op == kCreate:
		return fc.create
	case p.keepsForm && fc.read == noAnswer:
		return outcome{http.StatusOK, noAnswer.kind}
	}
	return fc.read
}

func TestEveryPageExplainsEveryUpstreamFaultInTime(t *testing.T) {
	t.Parallel()
	for _, fc := range faultCases() {
		for _, p := range pageCases() {
			t.Run(p.name+"/Katapult "+fc.name, func(t *testing.T) {
				t.Parallel()
				runFault(t, p, fc)
			})
		}
	}
}

// runFault signs in, breaks the page's operation, asks for the page, heals
// Katapult and asks again.
func runFault(t *testing.T, p pageCase, fc faultCase) {
	budget := faultBudget
	if fc.budget.Request > 0 {
		budget = fc.budget
	}
	fake := newFakeKatapult(t)
	d := startRemote(t, fake, budget, fc.fault == nil)
	b := d.browser(t)
	b.get("/login").want(t, http.StatusOK)
	signIn := url.Values{"token": {faultToken}}
	if p.op != kOrganizations {
		b.post("/login", signIn).want(t, http.StatusSeeOther)
	}
	var form url.Values
	if p.op == kCreate {
		form = b.createForm("acme", "uk-lon-01-public", "ipv4")
	}
	header := http.Header{}
	if p.htmx {
		header.Set("HX-Request", "true")
	}
	send := func() answer {
		switch {
		case p.op == kOrganizations:
			return b.post(p.path, signIn)
		case form != nil:
			return b.do(p.method, p.path, form, header)
		}
		return b.do(p.method, p.path, nil, header)
	}

	fake.breakOp(p.op, fc.fault)
	began := time.Now()
	res := send()
	if took, limit := time.Since(began), budget.Request+deadlineMargin; took > limit {
		t.Errorf("the page took %s, beyond its deadline and margin %s", took, limit)
	}
	checkProblem(t, res, p.expect(fc), fc.details)
	if fc.fault != nil && fake.faulted.Load() == 0 {
		t.Errorf("the fake never broke %s: the page did not call it", p.op)
	}
	creates := fake.creates.Load()
	if p.op == kCreate {
		// A refused connection never reaches Katapult; anything else does,
		// once: ipdesk never retries a create.
		want := int64(1)
		if fc.fault == nil {
			want = 0
		}
		if creates != want {
			t.Errorf("Katapult got %d creates from one post, want %d", creates, want)
		}
	}

	fake.heal()
	again := send()
	if bytes.Contains(d.logs.Bytes(), []byte(faultToken)) {
		t.Error("the user's token is in the log")
	}
	switch {
	case p.op != kCreate:
		again.want(t, p.healthy)
		if n := again.doc(t).Find(`[data-testid="error-panel"]`).Length(); n != 0 {
			t.Errorf("once Katapult answers again the page still shows %d problems: a failure was kept", n)
		}
	case fc.refused:
		checkCreated(t, again.want(t, p.healthy), p.htmx)
		if n := fake.creates.Load() - creates; n != 1 {
			t.Errorf("the same form, sent again after a create that made nothing, sent %d creates, want 1", n)
		}
	default:
		checkProblem(t, again, outcome{http.StatusConflict, unknown.kind}, nil)
		if n := fake.creates.Load() - creates; n != 0 {
			t.Errorf("the same form, sent again after an unknown outcome, sent %d more creates, want none", n)
		}
	}
}

// leaks are what no page may show: Go's error texts, a stack, the
// upstream's own body, the user's token.
var leaks = []string{"goroutine ", "panic", "katapult: ", "context deadline", "connection reset", "EOF", "dial tcp", ".go:", upstreamMarker, faultToken}

// checkProblem checks that an answer is an HTML page with a panel of the
// wanted kind that shows every detail, and nothing it must not show.
func checkProblem(t *testing.T, res answer, want outcome, details []string) {
	t.Helper()
	if res.status != want.status {
		t.Errorf("%s %s: status %d, want %d", res.method, res.path, res.status, want.status)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s %s: Content-Type %q, want a page", res.method, res.path, ct)
	}
	doc := res.doc(t)
	var kinds []string
	doc.Find(`[data-testid="error-panel"]`).Each(func(_ int, s *goquery.Selection) {
		kinds = append(kinds, s.AttrOr("data-problem", ""))
	})
	panel := doc.Find(`[data-testid="error-panel"][data-problem="` + want.kind + `"]`)
	if panel.Length() != 1 || len(kinds) != 1 {
		t.Errorf("%s %s: problem panels %q, want exactly one %q", res.method, res.path, kinds, want.kind)
	}
	text := strings.Join(strings.Fields(panel.Text()), " ")
	for _, d := range details {
		if !strings.Contains(text, d) {
			t.Errorf("%s %s: the panel does not say %q; it says %q", res.method, res.path, d, text)
		}
	}
	for _, l := range leaks {
		if strings.Contains(res.body, l) {
			t.Errorf("%s %s: the page shows %q", res.method, res.path, l)
		}
	}
}

// checkCreated checks the answer of a create that worked: the new
// address's page for a plain post, its card for htmx.
func checkCreated(t *testing.T, res answer, htmx bool) {
	t.Helper()
	if !htmx {
		if loc := res.header.Get("Location"); !strings.HasPrefix(loc, "/orgs/acme/ip-addresses/ip_FaultNew") {
			t.Errorf("the create redirected to %q, want the new address's page", loc)
		}
		return
	}
	if id := res.doc(t).Find(`[data-testid="result-card"]`).AttrOr("data-id", ""); !strings.HasPrefix(id, "ip_FaultNew") {
		t.Errorf("the htmx create shows address %q, want the new one", id)
	}
}
