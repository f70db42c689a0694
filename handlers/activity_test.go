package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"ipdesk/handlers"
	"ipdesk/journal"
	"ipdesk/katapult"
)

// otherToken is a second user's token: it sees Globex, as userToken does,
// and Stark, which userToken cannot see; not ACME.
const otherToken = "kt-other-7d1e9c3b5a2f4e6d8c0b1a3e5f7d9c2b"

var stark = katapult.Organization{ID: "org_Stark00000000001", Name: "Stark Industries", SubDomain: "stark", ActivatedAt: activated}

// journalFor opens a fresh SQLite journal whose clock is the dashboard's,
// and returns the option that gives it to the dashboard.
func journalFor(t *testing.T) (*journal.DB, *clock, options) {
	t.Helper()
	clk := &clock{t: time.Date(2025, 6, 2, 13, 5, 0, 0, time.UTC)}
	db, err := journal.Open(context.Background(), "", t.TempDir(), journal.Options{
		FingerprintKey: bytes.Repeat([]byte("f"), 32), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clk, func(cfg *handlers.Config) { cfg.Journal, cfg.Now = db, clk.Now }
}

// twoTokens lets the fake answer a second token: userToken sees the usual
// world, otherToken sees Globex and Stark.
func twoTokens(api *fakeAPI) *fakeAPI {
	mine, _ := api.organizations(userToken)
	seen := map[string][]katapult.Organization{userToken: mine, otherToken: {globex, stark}}
	api.organizations = func(tok katapult.Token) ([]katapult.Organization, error) {
		orgs, ok := seen[string(tok)]
		if !ok {
			return nil, katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{})
		}
		return orgs, nil
	}
	api.organization = func(tok katapult.Token, ref katapult.OrgRef) (katapult.Organization, error) {
		orgs, ok := seen[string(tok)]
		if !ok {
			return katapult.Organization{}, katapult.NewError(katapult.CodeInvalidAPIToken, katapult.Detail{})
		}
		for _, o := range orgs {
			if string(ref) == o.ID || string(ref) == o.SubDomain {
				return o, nil
			}
		}
		return katapult.Organization{}, katapult.NewError(katapult.CodeOrganizationNotFound, katapult.Detail{})
	}
	return api
}

// row is a journal row to write: claimed, then completed unless it stays
// pending.
type row struct {
	org     katapult.Organization
	who     journal.Who
	action  journal.Action
	req     journal.Request
	ref     string
	outcome journal.Outcome
	addr    journal.Address
	code    string
}

var (
	jane = journal.Who{UserID: "user_Jane0000000001", UserName: "Jane Smith"}
	joe  = journal.Who{UserID: "user_Joe00000000001", UserName: "Joe Bloggs"}
	bot  = journal.Who{TokenFingerprint: "tok_00112233aabbccdd"}
)

// formTokens numbers the rows' form tokens, unique across tests.
var formTokens atomic.Int64

// write claims r (and completes it unless it is pending) and returns its
// id.
func write(t *testing.T, db *journal.DB, r row) int64 {
	t.Helper()
	ctx := context.Background()
	n := formTokens.Add(1)
	e := journal.Entry{Who: r.who, Org: journal.Org{ID: r.org.ID, SubDomain: r.org.SubDomain},
		Action: r.action, Request: r.req, Reference: r.ref, RequestID: fmt.Sprintf("req-%d", n),
		FormToken: fmt.Sprintf("form-%d", n)}
	if r.action != journal.ActionCreate {
		e.Address = r.addr
	}
	got, err := db.Claim(ctx, e)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	if r.outcome != "" && r.outcome != journal.OutcomePending {
		if err := db.Complete(ctx, got.ID, journal.Result{Outcome: r.outcome, Address: r.addr, ErrorCode: r.code}); err != nil {
			t.Fatalf("complete: %v", err)
		}
	}
	return got.ID
}

// activityRows are the ids of the rows a page shows, in order.
func activityRows(p *page) []string {
	var ids []string
	p.testid("activity-row").Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("data-id", "")) })
	return ids
}

func TestActivityWithoutRowsSaysSo(t *testing.T) {
	t.Parallel()
	_, _, withJournal := journalFor(t)
	_, c := signedIn(t, newFake(t), withJournal)
	for _, path := range []string{"/activity", "/orgs/acme/activity"} {
		p := c.get(path).wantStatus(http.StatusOK)
		if got := text(p.testid("activity-empty")); !strings.Contains(got, "Nothing has been created") {
			t.Errorf("%s: the empty page says %q", path, got)
		}
		if p.testid("activity-table").Length() != 0 || p.testid("pager").Length() != 0 {
			t.Errorf("%s: an empty page shows a table or a pager", path)
		}
		checkAccessible(t, path, p)
	}
	p := c.get("/activity?action=edit").wantStatus(http.StatusOK)
	if got := text(p.testid("activity-empty")); got != "No activity matches this filter." {
		t.Errorf("a filter that matches nothing says %q", got)
	}
}

func TestActivityShowsEachOutcome(t *testing.T) {
	t.Parallel()
	db, clk, withJournal := journalFor(t)
	api := newFake(t)
	api.ipAddresses = func(katapult.Token, katapult.OrgRef, int, int) (katapult.IPAddressPage, error) {
		return katapult.IPAddressPage{Page: 1, TotalPages: 1}, nil
	}
	_, c := signedIn(t, api, withJournal)
	asked := journal.Request{NetworkID: lonPublic.ID, NetworkName: "Public Network", Version: "ipv4", VIP: true, Label: "web-1"}
	addr := journal.Address{ID: "ip_Made000000000001", IP: "192.0.2.17"}
	created := write(t, db, row{org: acme, who: jane, action: journal.ActionCreate, req: asked, ref: "TCK-1234", outcome: journal.OutcomeSucceeded, addr: addr})
	refused := write(t, db, row{org: acme, who: joe, action: journal.ActionCreate, req: asked, outcome: journal.OutcomeRefused, code: string(katapult.CodeNoAvailableAddresses)})
	edited := write(t, db, row{org: globex, who: bot, action: journal.ActionEdit, req: journal.Request{ReverseDNS: "mail.example.com"}, outcome: journal.OutcomeSucceeded, addr: addr})
	released := write(t, db, row{org: acme, who: jane, action: journal.ActionRelease, outcome: journal.OutcomeSucceeded, addr: addr})
	unknown := write(t, db, row{org: acme, who: jane, action: journal.ActionCreate, req: asked, outcome: journal.OutcomeUnknown})
	clk.Add(3 * time.Hour)
	pending := write(t, db, row{org: acme, who: joe, action: journal.ActionCreate, req: asked, outcome: journal.OutcomePending})
	clk.Add(5 * time.Second)

	p := c.get("/activity").wantStatus(http.StatusOK)
	checkAccessible(t, "activity", p)
	want := []string{fmt.Sprint(pending), fmt.Sprint(unknown), fmt.Sprint(released), fmt.Sprint(edited), fmt.Sprint(refused), fmt.Sprint(created)}
	if got := activityRows(p); !slices.Equal(got, want) {
		t.Fatalf("rows %v, want newest first %v", got, want)
	}
	rowOf := func(id int64) *goquery.Selection {
		return p.find(fmt.Sprintf(`[data-testid="activity-row"][data-id="%d"]`, id))
	}
	cell := func(id int64, col string) string { return text(rowOf(id).Find(`[data-testid="` + col + `"]`)) }

	r := rowOf(created)
	if got := cell(created, "activity-when"); got != "2025-06-02 13:05:00 3 hours ago" {
		t.Errorf("when: %q", got)
	}
	for col, want := range map[string]string{"activity-who": "Jane Smith", "activity-org": "ACME Inc.", "activity-action": "Create",
		"activity-asked": "IPv4 on Public Network, VIP, label “web-1”", "activity-reference": "TCK-1234",
		"activity-request-id": "req-", "activity-outcome": "Succeeded 192.0.2.17"} {
		if got := cell(created, col); !strings.HasPrefix(got, want) {
			t.Errorf("created row, %s: %q, want %q", col, got, want)
		}
	}
	if href := r.Find(`[data-testid="activity-address"]`).AttrOr("href", ""); href != "/orgs/acme/ip-addresses/ip_Made000000000001" {
		t.Errorf("the created address links to %q", href)
	}
	if href := r.Find(`[data-testid="activity-person"]`).AttrOr("href", ""); href != "/activity?person=user_Jane0000000001" {
		t.Errorf("the person links to %q", href)
	}
	noAddrs := katapult.Lookup(katapult.CodeNoAvailableAddresses).Message
	if got := cell(refused, "activity-outcome"); !strings.HasPrefix(got, "Refused") || !strings.Contains(got, noAddrs) || !strings.Contains(got, "no_available_addresses") {
		t.Errorf("refused row's outcome: %q, want the catalogue's %q and the code", got, noAddrs)
	}
	if got := cell(edited, "activity-who"); got != "token tok_00112233aabbccdd" {
		t.Errorf("a token without a user is shown as %q", got)
	}
	if got := cell(edited, "activity-org"); got != "Globex Corporation" {
		t.Errorf("edited row's organization: %q", got)
	}
	if got := cell(edited, "activity-asked"); got != "reverse DNS mail.example.com" {
		t.Errorf("edited row asked %q", got)
	}
	if rowOf(released).Find(`a[data-testid="activity-address"]`).Length() != 0 || cell(released, "activity-outcome") != "Succeeded 192.0.2.17" {
		t.Errorf("a released address is linked, or not named: %q", cell(released, "activity-outcome"))
	}
	if got := cell(unknown, "activity-outcome"); !strings.HasPrefix(got, "Outcome unknown No answer came") {
		t.Errorf("unknown row's outcome: %q", got)
	}
	if got := cell(pending, "activity-outcome"); got != "In progress" {
		t.Errorf("pending row's outcome: %q", got)
	}

	org := c.get("/orgs/acme/activity").wantStatus(http.StatusOK)
	checkAccessible(t, "organization activity", org)
	if got := activityRows(org); slices.Contains(got, fmt.Sprint(edited)) || len(got) != 5 {
		t.Errorf("ACME's activity shows rows %v; want its five, not Globex's %d", got, edited)
	}
	if org.find(`th:contains("Organization")`).Length() != 0 {
		t.Error("an organization's page has an organization column")
	}
	if org.testid("link-activity").AttrOr("href", "") != "/orgs/acme/activity" || org.find(`.topbar nav a[href="/activity"]`).Length() != 1 {
		t.Error("the organization's page lacks its links to the activity pages")
	}
	if href := c.get("/orgs/acme/ip-addresses").testid("link-activity").AttrOr("href", ""); href != "/orgs/acme/activity" {
		t.Errorf("the address list links to the activity at %q", href)
	}
}

func TestActivityFilters(t *testing.T) {
	t.Parallel()
	db, _, withJournal := journalFor(t)
	_, c := signedIn(t, newFake(t), withJournal)
	ids := map[string]int64{}
	ids["jane create ok"] = write(t, db, row{org: acme, who: jane, action: journal.ActionCreate, ref: "TCK-123", outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: "ip_A", IP: "192.0.2.1"}})
	ids["joe create refused"] = write(t, db, row{org: acme, who: joe, action: journal.ActionCreate, ref: "tck-12", outcome: journal.OutcomeRefused, code: "validation_error"})
	ids["jane release ok"] = write(t, db, row{org: globex, who: jane, action: journal.ActionRelease, ref: "OPS-9", outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: "ip_B", IP: "192.0.2.2"}})
	ids["bot edit unknown"] = write(t, db, row{org: acme, who: bot, action: journal.ActionEdit, ref: "TCK_1", outcome: journal.OutcomeUnknown, addr: journal.Address{ID: "ip_A", IP: "192.0.2.1"}})
	idsOf := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, fmt.Sprint(ids[n]))
		}
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"person=user_Jane0000000001", idsOf("jane release ok", "jane create ok")},
		{"person=tok_00112233aabbccdd", idsOf("bot edit unknown")},
		{"action=create", idsOf("joe create refused", "jane create ok")},
		{"outcome=refused", idsOf("joe create refused")},
		{"outcome=unknown", idsOf("bot edit unknown")},
		{"reference=tck-12", idsOf("joe create refused", "jane create ok")}, // a prefix, any case
		{"reference=TCK_", idsOf("bot edit unknown")},                       // "_" is no wildcard
		{"reference=OPS-99", nil},
		{"person=user_Jane0000000001&action=release&outcome=succeeded&reference=ops", idsOf("jane release ok")},
		{"person=&action=&outcome=&reference=", idsOf("bot edit unknown", "jane release ok", "joe create refused", "jane create ok")},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			c := c.in(t)
			p := c.get("/activity?" + tt.query).wantStatus(http.StatusOK)
			if got := activityRows(p); !slices.Equal(got, tt.want) {
				t.Errorf("rows %v, want %v", got, tt.want)
			}
			// The form shows the filter it applied.
			q, _ := url.ParseQuery(tt.query)
			form := p.valuesOf(`form[data-testid="activity-filter"]`)
			for _, k := range []string{"person", "reference"} {
				if form.Get(k) != q.Get(k) {
					t.Errorf("the form's %s is %q, want %q", k, form.Get(k), q.Get(k))
				}
			}
			for _, k := range []string{"action", "outcome"} {
				if got := p.find(`select[name="`+k+`"] option[selected]`).AttrOr("value", ""); got != q.Get(k) {
					t.Errorf("the form's %s is %q, want %q", k, got, q.Get(k))
				}
			}
		})
	}
	// Following a row's person and reference filters by them.
	p := c.get("/orgs/acme/activity")
	href := p.find(fmt.Sprintf(`[data-testid="activity-row"][data-id="%d"] [data-testid="activity-reference"] a`, ids["jane create ok"])).AttrOr("href", "")
	if got := activityRows(c.get(href)); !slices.Equal(got, idsOf("jane create ok")) {
		t.Errorf("%s shows %v, want the row of TCK-123", href, got)
	}
}

func TestActivityPagesBothWaysKeepingTheFilter(t *testing.T) {
	t.Parallel()
	db, _, withJournal := journalFor(t)
	_, c := signedIn(t, newFake(t), withJournal)
	var creates []string // newest first
	n := 2*journal.DefaultPageSize + 7
	for i := range n {
		id := write(t, db, row{org: acme, who: jane, action: journal.ActionCreate, outcome: journal.OutcomeSucceeded,
			addr: journal.Address{ID: fmt.Sprintf("ip_%d", i), IP: "192.0.2.3"}})
		creates = append([]string{fmt.Sprint(id)}, creates...)
		// An edit between every create: the filter leaves them out.
		write(t, db, row{org: acme, who: jane, action: journal.ActionEdit, outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: "ip_x"}})
	}
	size := journal.DefaultPageSize
	var pages [][]string
	p := c.get("/orgs/acme/activity?action=create").wantStatus(http.StatusOK)
	if p.testid("page-newer").Length() != 0 || p.testid("page-newest").Length() != 0 {
		t.Error("the newest page links to newer rows")
	}
	for {
		pages = append(pages, activityRows(p))
		older := p.testid("page-older")
		if older.Length() == 0 {
			break
		}
		href := older.AttrOr("href", "")
		u, _ := url.Parse(href)
		if u.Path != "/orgs/acme/activity" || u.Query().Get("action") != "create" || u.Query().Get("before") == "" {
			t.Fatalf("the older link %q loses the filter or the cursor", href)
		}
		p = c.get(href).wantStatus(http.StatusOK)
		checkAccessible(t, "older page", p)
		if len(pages) > 5 {
			t.Fatal("too many pages")
		}
	}
	if len(pages) != 3 || !slices.Equal(slices.Concat(pages...), creates) {
		t.Fatalf("older pages %v, want the %d creates in pages of %d", pages, n, size)
	}
	if p.testid("page-newest").AttrOr("href", "") != "/orgs/acme/activity?action=create" {
		t.Errorf("the last page links to the newest at %q", p.testid("page-newest").AttrOr("href", ""))
	}
	// Back, newer and newer: the same pages.
	for i := len(pages) - 2; i >= 0; i-- {
		href := p.testid("page-newer").AttrOr("href", "")
		if u, _ := url.Parse(href); u.Query().Get("action") != "create" || u.Query().Get("after") == "" {
			t.Fatalf("the newer link %q loses the filter or the cursor", href)
		}
		p = c.get(href).wantStatus(http.StatusOK)
		if got := activityRows(p); !slices.Equal(got, pages[i]) {
			t.Errorf("newer page %d: %v, want %v", i, got, pages[i])
		}
	}
	if p.testid("page-newer").Length() != 0 {
		t.Error("the newest page, reached going back, links to newer rows")
	}
}

func TestActivityCSV(t *testing.T) {
	t.Parallel()
	db, _, withJournal := journalFor(t)
	_, c := signedIn(t, newFake(t), withJournal)
	write(t, db, row{org: acme, who: jane, action: journal.ActionCreate, req: journal.Request{Label: `=HYPERLINK("http://evil.example","x")`},
		ref: "@SUM(1)", outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: "ip_A", IP: "192.0.2.1"}})
	write(t, db, row{org: acme, who: joe, action: journal.ActionRelease, outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: "ip_A", IP: "192.0.2.1"}})
	write(t, db, row{org: globex, who: jane, action: journal.ActionCreate, outcome: journal.OutcomeRefused, code: "validation_error"})

	p := c.get("/activity")
	href := p.testid("activity-csv").AttrOr("href", "")
	if href != "/activity?format=csv" {
		t.Errorf("the CSV link is %q", href)
	}
	if filtered := c.get("/orgs/acme/activity?person=user_Jane0000000001").testid("activity-csv").AttrOr("href", ""); filtered != "/orgs/acme/activity?format=csv&person=user_Jane0000000001" {
		t.Errorf("the filtered page's CSV link %q loses the filter", filtered)
	}
	res := c.get("/orgs/acme/activity?format=csv&person=user_Jane0000000001").wantStatus(http.StatusOK)
	if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="ipdesk-activity-acme-`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	records, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil {
		t.Fatalf("the file is not CSV: %v\n%s", err, res.body)
	}
	if len(records) != 2 {
		t.Fatalf("%d records, want the header and Jane's ACME row:\n%s", len(records), res.body)
	}
	head, rec := records[0], records[1]
	get := func(col string) string { return rec[slices.Index(head, col)] }
	if get("label") != `'=HYPERLINK("http://evil.example","x")` || get("reference") != "'@SUM(1)" {
		t.Errorf("cells a spreadsheet would evaluate are kept as they are: label %q, reference %q", get("label"), get("reference"))
	}
	if get("organization") != "acme" || get("user_name") != "Jane Smith" || get("address") != "192.0.2.1" {
		t.Errorf("the row is %v", rec)
	}
	all := c.get("/activity?format=csv").wantStatus(http.StatusOK)
	if n := strings.Count(all.body, "\n"); n != 4 {
		t.Errorf("every row as CSV has %d lines, want a header and 3 rows:\n%s", n, all.body)
	}
}

func TestActivityShowsOnlyOrganizationsTheTokenCanSee(t *testing.T) {
	t.Parallel()
	db, _, withJournal := journalFor(t)
	e := newEnv(t, twoTokens(newFake(t)), withJournal)
	mine, theirs := e.client(), e.client()
	signInWith(mine, userToken)
	signInWith(theirs, otherToken)
	acmeRow := write(t, db, row{org: acme, who: jane, action: journal.ActionCreate, ref: "SEE-1", outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: "ip_A", IP: "192.0.2.1"}})
	globexRow := write(t, db, row{org: globex, who: joe, action: journal.ActionCreate, ref: "SEE-2", outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: "ip_B", IP: "192.0.2.2"}})
	starkRow := write(t, db, row{org: stark, who: joe, action: journal.ActionCreate, ref: "SEE-3", req: journal.Request{Label: "stark-secret"},
		outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: "ip_C", IP: "192.0.2.3"}})

	if got, want := activityRows(mine.get("/activity")), []string{fmt.Sprint(globexRow), fmt.Sprint(acmeRow)}; !slices.Equal(got, want) {
		t.Errorf("the first token sees rows %v, want %v", got, want)
	}
	if got, want := activityRows(theirs.get("/activity")), []string{fmt.Sprint(starkRow), fmt.Sprint(globexRow)}; !slices.Equal(got, want) {
		t.Errorf("the second token sees rows %v, want %v", got, want)
	}
	for _, path := range []string{"/activity?format=csv", "/activity?reference=SEE", "/activity?person=user_Joe00000000001"} {
		if b := mine.get(path).body; strings.Contains(b, "stark") || strings.Contains(b, "192.0.2.3") || strings.Contains(b, "SEE-3") {
			t.Errorf("%s shows the first token a row of Stark", path)
		}
		if b := theirs.get(path).body; strings.Contains(b, "192.0.2.1") || strings.Contains(b, "SEE-1") {
			t.Errorf("%s shows the second token a row of ACME", path)
		}
	}
	for _, path := range []string{"/orgs/stark/activity", "/orgs/org_Stark00000000001/activity", "/orgs/stark/activity?format=csv"} {
		p := mine.get(path).wantStatus(http.StatusNotFound)
		if strings.Contains(p.body, "stark-secret") || strings.Contains(p.body, "SEE-3") {
			t.Errorf("%s shows the row it refuses", path)
		}
	}
	theirs.get("/orgs/acme/activity").wantStatus(http.StatusNotFound)
	// An id in the URL redirects to the sub_domain, keeping the filter.
	if loc := mine.get("/orgs/org_Acme000000000001/activity?action=create").wantStatus(http.StatusFound).location(); loc != "/orgs/acme/activity?action=create" {
		t.Errorf("an organization named by id redirects to %q", loc)
	}
}

func TestActivityRefusesBadFiltersWithASentence(t *testing.T) {
	t.Parallel()
	db, _, withJournal := journalFor(t)
	_, c := signedIn(t, newFake(t), withJournal)
	write(t, db, row{org: acme, who: jane, action: journal.ActionCreate, outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: "ip_A", IP: "192.0.2.1"}})
	tests := []struct{ query, says string }{
		{"action=delete", `"delete" is not an action`},
		{"outcome=maybe", `"maybe" is not an outcome`},
		{"reference=" + strings.Repeat("x", 65), "The reference has 65 characters; at most 64 are kept."},
		{"reference=a%0Ab", "control characters"},
		{"reference=%FF", "not valid text"},
		{"person=a%09b", "control characters"},
		{"person=" + strings.Repeat("p", 201), "201 characters"},
		{"before=abc", "before must be a row number"},
		{"after=-3", "after must be a row number"},
		{"before=0", "before must be a row number"},
		{"before=99999999999999999999", "before must be a row number"},
		{"format=xml", `"xml" is not a format`},
		{"format=csv&action=nope", `"nope" is not an action`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			c := c.in(t)
			for _, base := range []string{"/activity?", "/orgs/acme/activity?"} {
				p := c.get(base + tt.query).wantStatus(http.StatusBadRequest)
				if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("%s: Content-Type %q", base, ct)
				}
				if got := text(p.testid("error-details")); !strings.Contains(got, tt.says) {
					t.Errorf("%s: the page says %q, want %q", base, got, tt.says)
				}
				if p.testid("activity-table").Length() != 0 {
					t.Errorf("%s: rows are shown under a filter that was refused", base)
				}
				if p.one(`form[data-testid="activity-filter"]`).Length() != 1 {
					t.Errorf("%s: the form is gone", base)
				}
				checkAccessible(t, tt.query, p)
			}
		})
	}
}

func TestAddressPageShowsItsHistory(t *testing.T) {
	t.Parallel()
	db, _, withJournal := journalFor(t)
	api := newFake(t)
	mine := katapult.IPAddress{ID: "ip_Hist000000000001", Address: "192.0.2.40", AddressWithMask: "192.0.2.40/28", Network: lonPublic}
	other := katapult.IPAddress{ID: "ip_Hist000000000002", Address: "192.0.2.41", AddressWithMask: "192.0.2.41/28", Network: lonPublic}
	quiet := katapult.IPAddress{ID: "ip_Hist000000000003", Address: "192.0.2.42", AddressWithMask: "192.0.2.42/28", Network: lonPublic}
	api.ipAddress = func(tok katapult.Token, id string) (katapult.IPAddress, error) {
		for _, a := range []katapult.IPAddress{mine, other, quiet} {
			if a.ID == id {
				return a, checkToken(tok)
			}
		}
		return katapult.IPAddress{}, katapult.NewError(katapult.CodeIPAddressNotFound, katapult.Detail{})
	}
	api.ipAddresses = func(tok katapult.Token, ref katapult.OrgRef, _, _ int) (katapult.IPAddressPage, error) {
		return katapult.IPAddressPage{Page: 1, TotalPages: 1, Total: 2, Addresses: []katapult.IPAddress{mine, other, quiet}}, checkToken(tok)
	}
	_, c := signedIn(t, api, withJournal)
	at := journal.Address{ID: mine.ID, IP: mine.Address}
	created := write(t, db, row{org: acme, who: jane, action: journal.ActionCreate, ref: "TCK-7", outcome: journal.OutcomeSucceeded, addr: at})
	write(t, db, row{org: acme, who: joe, action: journal.ActionEdit, outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: other.ID, IP: other.Address}})
	refused := write(t, db, row{org: acme, who: joe, action: journal.ActionEdit, req: journal.Request{Label: "x"}, outcome: journal.OutcomeRefused, code: "validation_error", addr: at})
	// The same id journaled under another organization is not this
	// address's history here.
	write(t, db, row{org: globex, who: joe, action: journal.ActionEdit, outcome: journal.OutcomeSucceeded, addr: at})

	p := c.get("/orgs/acme/ip-addresses/" + mine.ID).wantStatus(http.StatusOK)
	checkAccessible(t, "address with history", p)
	h := p.testid("address-history")
	if h.Length() != 1 {
		t.Fatalf("no history on the address's page:\n%s", p.body)
	}
	var ids []string
	h.Find(`[data-testid="activity-row"]`).Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("data-id", "")) })
	if want := []string{fmt.Sprint(refused), fmt.Sprint(created)}; !slices.Equal(ids, want) {
		t.Errorf("history rows %v, want %v", ids, want)
	}
	if h.Find(`[data-testid="activity-request-id"]`).Length() != 0 {
		t.Error("the compact history shows request ids")
	}
	if href := h.Find(`[data-testid="activity-person"]`).First().AttrOr("href", ""); href != "/orgs/acme/activity?person=user_Joe00000000001" {
		t.Errorf("a person in the history links to %q", href)
	}
	if href := p.testid("history-more").AttrOr("href", ""); href != "/orgs/acme/activity" {
		t.Errorf("the history links to %q", href)
	}
	if href := p.testid("link-activity").AttrOr("href", ""); href != "/orgs/acme/activity" {
		t.Errorf("the address's page links to its organization's activity at %q", href)
	}
	if n := c.get("/orgs/acme/ip-addresses/" + other.ID).find(`[data-testid="address-history"] [data-testid="activity-row"]`).Length(); n != 1 {
		t.Errorf("the other address's history has %d rows, want its edit", n)
	}
	// An address without rows shows no history.
	if c.get("/orgs/acme/ip-addresses/"+quiet.ID).testid("address-history").Length() != 0 {
		t.Error("an address the journal has no row of shows a history")
	}
}

// TestAddressHistoryCostsNoCallRightAfterACreate: the page a create leads
// to must cost no call; with the organization list not cached, the
// history is left out rather than cost one.
func TestAddressHistoryCostsNoCallRightAfterACreate(t *testing.T) {
	t.Parallel()
	db, _, withJournal := journalFor(t)
	api := newFake(t).creating()
	_, c := signedIn(t, api, withJournal)
	created := c.post("/orgs/acme/ip-addresses", formOf(c, "acme")).wantStatus(http.StatusSeeOther)
	id := strings.TrimPrefix(strings.Split(created.location(), "?")[0], "/orgs/acme/ip-addresses/")
	write(t, db, row{org: acme, who: jane, action: journal.ActionEdit, outcome: journal.OutcomeSucceeded, addr: journal.Address{ID: id, IP: "192.0.2.17"}})
	api.reset()
	p := c.get(created.location()).wantStatus(http.StatusOK)
	if n := api.count("Organizations") + api.count("IPAddresses"); n != 0 {
		t.Errorf("the page after a create made %d calls for its history: %s", n, api)
	}
	if p.testid("address-history").Length() != 0 {
		t.Error("the page after a create shows a history that needed a call for the organization list")
	}
	// Opened again from a link of another session, it asks and shows it:
	// the create, journaled by the post, and the edit.
	api.ipAddresses = func(tok katapult.Token, _ katapult.OrgRef, _, _ int) (katapult.IPAddressPage, error) {
		a, err := api.ipAddress(tok, id)
		return katapult.IPAddressPage{Page: 1, TotalPages: 1, Total: 1, Addresses: []katapult.IPAddress{a}}, err
	}
	other := c.env.client()
	other.signIn()
	if n := other.get(created.location()).find(`[data-testid="address-history"] [data-testid="activity-row"]`).Length(); n != 2 {
		t.Errorf("another session sees %d history rows, want the create and the edit", n)
	}
}
