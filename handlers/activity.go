package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"ipdesk/journal"
	"ipdesk/katapult"
	"ipdesk/views"
)

// The activity pages show the journal (package journal): who created,
// changed and released which address through ipdesk. A user sees only the
// rows of organizations their token can see: an organization's page
// loads the organization as the token sees it (canonicalOrg), and the page
// of every organization asks the journal for the ids in the token's
// organization list, nothing else.

// maxPersonLen bounds the person filter, in characters: user ids and
// fingerprints are far shorter.
const maxPersonLen = 200

// activityQuery is an activity page's query, checked.
type activityQuery struct {
	filter journal.Filter // without OrgIDs
	page   journal.PageRequest
	csv    bool
	typed  views.ActivityFilter // as typed, for the form
}

// parseActivity checks an activity page's query. Each problem is a
// sentence for staff; none means the query can be used.
func parseActivity(q url.Values) (activityQuery, []string) {
	var a activityQuery
	var errs []string
	a.typed = views.ActivityFilter{Person: q.Get("person"), Action: q.Get("action"),
		Outcome: q.Get("outcome"), Reference: q.Get("reference")}
	// The form shows what was typed back: as text, even where it is not.
	for _, f := range []*string{&a.typed.Person, &a.typed.Action, &a.typed.Outcome, &a.typed.Reference} {
		*f = strings.ToValidUTF8(*f, "\uFFFD")
	}
	if p := strings.TrimSpace(q.Get("person")); p != "" {
		switch {
		case !utf8.ValidString(p) || strings.IndexFunc(p, unicode.IsControl) >= 0:
			errs = append(errs, "The person must be a user id or a token fingerprint, without line breaks or other control characters.")
		case utf8.RuneCountInString(p) > maxPersonLen:
			errs = append(errs, fmt.Sprintf("The person has %d characters; user ids and fingerprints have far fewer than %d.", utf8.RuneCountInString(p), maxPersonLen))
		default:
			a.filter.Person = p
		}
	}
	if act := journal.Action(q.Get("action")); act != "" {
		if act.Valid() {
			a.filter.Action = act
		} else {
			errs = append(errs, fmt.Sprintf("%q is not an action: choose create, edit or release.", a.typed.Action))
		}
	}
	if o := journal.Outcome(q.Get("outcome")); o != "" {
		if o.Valid() {
			a.filter.Outcome = o
		} else {
			errs = append(errs, fmt.Sprintf("%q is not an outcome: choose succeeded, refused, unknown or pending.", a.typed.Outcome))
		}
	}
	ref, err := journal.CheckReference(q.Get("reference"))
	if err != nil {
		errs = append(errs, capitalize(strings.TrimPrefix(err.Error(), journal.ErrInvalid.Error()+": ")+"."))
	}
	a.filter.Reference = ref
	for _, cur := range []struct {
		name string
		to   *int64
	}{{"before", &a.page.Before}, {"after", &a.page.After}} {
		s := q.Get(cur.name)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			errs = append(errs, "This page's link is broken: "+cur.name+" must be a row number from 1. Start again from the newest rows.")
			continue
		}
		*cur.to = n
	}
	switch q.Get("format") {
	case "":
	case "csv":
		a.csv = true
	default:
		errs = append(errs, fmt.Sprintf("%q is not a format ipdesk offers: leave it out for the page, or ask for csv.", q.Get("format")))
	}
	return a, errs
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// values is the query of a page with this filter, without a cursor.
func (a activityQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("person", a.filter.Person)
	set("action", string(a.filter.Action))
	set("outcome", string(a.filter.Outcome))
	set("reference", a.filter.Reference)
	return v
}

// with is values with one more parameter.
func with(v url.Values, k, s string) url.Values {
	out := url.Values{}
	for key, vals := range v {
		out[key] = vals
	}
	out.Set(k, s)
	return out
}

// activityScope is what an activity page shows: the organizations, the
// path of the page, and how to link an organization's name.
type activityScope struct {
	org   *views.OrgHeader // nil on the page of every organization
	ids   []string
	orgs  map[string]katapult.Organization // by id
	path  func(url.Values) string
	label string // in the CSV file's name
}

// handleOrgActivity is one organization's activity.
func (s *server) handleOrgActivity() echo.HandlerFunc {
	return func(c echo.Context) error {
		o := loadedOrg(c).org
		h := orgHeader(o)
		h.ActivityURL = views.PathOrgActivity(o.SubDomain, nil)
		return s.activity(c, activityScope{
			org: &h, ids: []string{o.ID}, orgs: map[string]katapult.Organization{o.ID: o},
			path:  func(v url.Values) string { return views.PathOrgActivity(o.SubDomain, v) },
			label: o.SubDomain,
		})
	}
}

// handleActivity is the activity of every organization the token can see.
func (s *server) handleActivity() echo.HandlerFunc {
	return func(c echo.Context) error {
		orgs, err := s.api.Organizations(c.Request().Context(), sessionOf(c).token())
		if err != nil {
			return err
		}
		sc := activityScope{orgs: map[string]katapult.Organization{}, path: views.PathActivity, label: "all"}
		for _, o := range orgs {
			sc.ids = append(sc.ids, o.ID)
			sc.orgs[o.ID] = o
		}
		return s.activity(c, sc)
	}
}

// activity answers an activity page, or its CSV file.
func (s *server) activity(c echo.Context, sc activityScope) error {
	if s.journal == nil {
		// Only tests build a dashboard without a journal.
		return s.renderProblem(c, http.StatusServiceUnavailable, views.Problem{Kind: "no-journal",
			Title: "No journal", Message: "This ipdesk keeps no journal, so it cannot show who did what.",
			Links: homeLinks("Organizations")})
	}
	a, errs := parseActivity(c.QueryParams())
	a.filter.OrgIDs = sc.ids
	base := a.values()
	v := views.ActivityView{Org: sc.org, FormURL: sc.path(nil), ClearURL: sc.path(nil),
		CSVURL: sc.path(with(base, "format", "csv")), Filter: a.typed, Errors: errs, Filtered: len(base) > 0}
	if len(errs) > 0 {
		return s.render(c, http.StatusBadRequest, activityPage(v))
	}
	ctx := c.Request().Context()
	if a.csv {
		return s.activityCSV(c, a.filter, sc.label)
	}
	page, err := s.journal.List(ctx, a.filter, a.page)
	if err != nil {
		return err
	}
	now := s.now()
	for _, e := range page.Entries {
		v.Rows = append(v.Rows, activityRow(e, now, sc.orgs, sc.path))
	}
	if page.Newer > 0 {
		v.NewerURL = sc.path(with(base, "after", strconv.FormatInt(page.Newer, 10)))
	}
	if page.Older > 0 {
		v.OlderURL = sc.path(with(base, "before", strconv.FormatInt(page.Older, 10)))
	}
	if a.page.Before > 0 || a.page.After > 0 {
		v.NewestURL = sc.path(base)
	}
	return s.render(c, http.StatusOK, activityPage(v))
}

func activityPage(v views.ActivityView) views.Page {
	title := "Activity"
	if v.Org != nil {
		title += " · " + v.Org.Name
	}
	return views.Page{Title: title, Main: views.ActivityMain(v)}
}

// activityCSV answers with every row the filter selects, as a CSV file.
func (s *server) activityCSV(c echo.Context, f journal.Filter, label string) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="ipdesk-activity-%s-%s.csv"`,
		label, s.now().UTC().Format("20060102-150405")))
	h.Set("Cache-Control", "no-store")
	err := s.journal.ExportCSV(c.Request().Context(), c.Response(), f)
	if err != nil && c.Response().Committed {
		// The file is cut short: nothing else can be said to the
		// browser; the log says why.
		s.log.Error("activity: the CSV export stopped", "err", err,
			"request_id", h.Get(echo.HeaderXRequestID))
		return nil
	}
	if err != nil {
		h.Del(echo.HeaderContentDisposition)
	}
	return err
}

// activityRow is a journal row as the pages show it. orgs names the
// organizations by id; path builds the page a name or reference filters.
func activityRow(e journal.Entry, now time.Time, orgs map[string]katapult.Organization, path func(url.Values) string) views.ActivityRow {
	sub, name := e.Org.SubDomain, e.Org.SubDomain
	if o, ok := orgs[e.Org.ID]; ok {
		sub, name = o.SubDomain, o.Name
		if name == "" {
			name = sub
		}
	}
	r := views.ActivityRow{
		ID: strconv.FormatInt(e.ID, 10), When: e.At.UTC().Format("2006-01-02 15:04:05"),
		WhenISO: e.At.UTC().Format(time.RFC3339), Ago: ago(now, e.At),
		Who: e.Who.String(), OrgName: name, OrgURL: views.PathOrgActivity(sub, nil),
		Action: string(e.Action), ActionText: actionText(e.Action), Asked: asked(e),
		Reference: e.Reference, Outcome: string(e.Outcome), RequestID: e.RequestID,
		Address: e.Address.IP,
	}
	if k := e.Who.Key(); k != "" {
		r.PersonURL = path(url.Values{"person": {k}})
	}
	if e.Reference != "" {
		r.ReferenceURL = path(url.Values{"reference": {e.Reference}})
	}
	if r.Address == "" {
		r.Address = e.Address.ID
	}
	switch e.Outcome {
	case journal.OutcomeSucceeded:
		r.OutcomeText = "Succeeded"
		if e.Action != journal.ActionRelease && e.Address.ID != "" && sub != "" {
			r.AddressURL = views.PathAddress(sub, e.Address.ID)
		}
	case journal.OutcomeRefused:
		r.OutcomeText = "Refused"
		r.ErrorCode = e.ErrorCode
		if e.ErrorCode != "" {
			r.Explanation = katapult.Lookup(katapult.Code(e.ErrorCode)).Message
		}
	case journal.OutcomeUnknown:
		r.OutcomeText = "Outcome unknown"
		r.Explanation = "No answer came from Katapult: it may or may not have done it. Check the address list."
	default:
		r.OutcomeText = "In progress"
	}
	return r
}

func actionText(a journal.Action) string {
	switch a {
	case journal.ActionCreate:
		return "Create"
	case journal.ActionEdit:
		return "Edit"
	case journal.ActionRelease:
		return "Release"
	}
	return string(a)
}

// asked says in a few words what a row asked for.
func asked(e journal.Entry) string {
	rq := e.Request
	var parts []string
	what := rq.Version
	switch rq.Version {
	case string(katapult.IPv4):
		what = "IPv4"
	case string(katapult.IPv6):
		what = "IPv6"
	}
	network := rq.NetworkName
	if network == "" {
		network = rq.NetworkID
	}
	if network != "" {
		what = strings.TrimSpace(what + " on " + network)
	}
	if what != "" {
		parts = append(parts, what)
	}
	if rq.VIP {
		parts = append(parts, "VIP")
	}
	if rq.Label != "" {
		parts = append(parts, "label “"+rq.Label+"”")
	}
	if rq.ReverseDNS != "" {
		parts = append(parts, "reverse DNS "+rq.ReverseDNS)
	}
	return strings.Join(parts, ", ")
}

// ago says how long before now t was, roughly.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return ""
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
