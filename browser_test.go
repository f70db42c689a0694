package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"ipdesk/journal"
)

// The browser tests drive Debian's Chromium through the whole flow a staff
// member follows: a bookmark, sign-in, a London network, create, the result
// with its country. They run once with JavaScript (htmx), once without (plain
// posts and redirects) and once with the keyboard alone. Locally they skip
// when no Chromium is installed; with CI=true they fail instead.

// stepTimeout bounds one browser step; the browser itself lives as long as
// the test.
const stepTimeout = 20 * time.Second

// chromiumPath finds the browser: IPDESK_CHROMIUM, else the usual names.
func chromiumPath() string {
	if p := os.Getenv("IPDESK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts one headless Chromium for the test, or skips (fails in
// CI) when there is none.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("browser tests need Chromium, and CI must have it: .ci/run installs it with apt-get install chromium")
		}
		t.Skip("browser tests skipped: no Chromium found (apt-get install chromium, or set IPDESK_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("starting Chromium at %s: %v", path, err)
	}
	return browserCtx
}

// tab is one isolated browser tab (its own cookies) with the console
// watched: any exception, error or Content-Security-Policy report fails the
// test, except the "Failed to load resource" line Chromium logs for a 4xx
// page that the test meets on purpose (allowStatus).
type tab struct {
	t       *testing.T
	ctx     context.Context
	mu      sync.Mutex
	bad     []string
	allowed map[string]bool
}

// failedLoad is how Chromium's console reports a page or request answered
// with an error status.
var failedLoad = regexp.MustCompile(`^Failed to load resource: the server responded with a status of (\d{3})\b`)

func newTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	tb := &tab{t: t, ctx: ctx, allowed: map[string]bool{}}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy") {
				tb.mu.Lock()
				if st := failedLoad.FindStringSubmatch(m.Text); st == nil || !tb.allowed[st[1]] {
					tb.bad = append(tb.bad, m.String()+" ("+m.URL+")")
				}
				tb.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, m := range tb.bad {
			t.Errorf("browser console: %s", m)
		}
	})
	return tb
}

// allowStatus lets the console report answers of these statuses, which the
// test is about to meet on purpose (an error page the dashboard renders).
func (tb *tab) allowStatus(statuses ...int) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, st := range statuses {
		tb.allowed[fmt.Sprint(st)] = true
	}
}

// takeBad waits up to a step's time until the console has reported, among
// what the tab counts as bad, a message containing each of want; it
// returns (and forgets) all it reported.
func (tb *tab) takeBad(want ...string) []string {
	deadline := time.Now().Add(stepTimeout)
	for {
		tb.mu.Lock()
		bad, all := tb.bad, strings.Join(tb.bad, "\n")
		seen := true
		for _, w := range want {
			seen = seen && strings.Contains(all, w)
		}
		if seen || time.Now().After(deadline) {
			tb.bad = nil
			tb.mu.Unlock()
			return bad
		}
		tb.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
}

// do runs actions with a deadline for this step.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// load runs actions that load a new page, and waits until it has loaded.
func (tb *tab) load(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// text reads the visible text of the element with a data-testid.
func (tb *tab) text(testid string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(byID(testid))))
	if err != nil {
		tb.t.Fatalf("reading %s: %v", testid, err)
	}
	return strings.TrimSpace(s)
}

func (tb *tab) eval(js string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		tb.t.Fatalf("evaluating %s: %v", js, err)
	}
	return s
}

func (tb *tab) location() string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return loc
}

// focused is the data-testid of the element that has the keyboard focus.
func (tb *tab) focused() string {
	return tb.eval(`(document.activeElement && document.activeElement.getAttribute("data-testid")) || ""`)
}

// tabTo presses Tab until the element with the data-testid has the focus,
// which proves it can be reached with the keyboard.
func (tb *tab) tabTo(testid string) {
	tb.t.Helper()
	for range 40 {
		if tb.focused() == testid {
			return
		}
		tb.do("pressing Tab", chromedp.KeyEvent(kb.Tab))
	}
	tb.t.Fatalf("%s cannot be reached with Tab (focus ends on %q)", testid, tb.focused())
}

func byID(testid string) string { return `[data-testid="` + testid + `"]` }

// londonNetwork is the id of the London default network in the form's
// select, read from its option.
func (tb *tab) londonNetwork() string {
	return tb.eval(`document.querySelector('option[data-permalink="uk-lon-01-public"]').value`)
}

var resultPath = regexp.MustCompile(`/orgs/acme/ip-addresses/ip_[A-Za-z0-9]{16}`)

// checkResult asserts the result card of a fresh address in London.
func (tb *tab) checkResult(version string) string {
	tb.t.Helper()
	tb.do("waiting for the result", chromedp.WaitVisible(chromedp.CSS(byID("result-card"))))
	addr := tb.text("result-address")
	if (version == "ipv6") != strings.Contains(addr, ":") || addr == "" {
		tb.t.Errorf("result address %q is not an %s address", addr, version)
	}
	if got := tb.text("result-country-name"); got != "United Kingdom" {
		tb.t.Errorf("result country %q, want United Kingdom", got)
	}
	if got := tb.text("result-flag"); got != "🇬🇧" {
		tb.t.Errorf("result flag %q, want the United Kingdom's", got)
	}
	if got := tb.text("result-datacenter-permalink"); got != "uk-lon-01" {
		tb.t.Errorf("result data center %q, want uk-lon-01", got)
	}
	if loc := tb.location(); !resultPath.MatchString(loc) {
		tb.t.Errorf("the address bar shows %s, want the address's own page", loc)
	}
	return addr
}

// signIn opens a bookmark while signed out and signs in on the page it is
// sent to, by clicking.
func (tb *tab) signIn(base, token string) {
	tb.t.Helper()
	tb.do("opening the bookmark",
		chromedp.Navigate(base+"/orgs/acme/ip-addresses/new"),
		chromedp.WaitVisible(chromedp.CSS(byID("login-token"))),
	)
	if loc := tb.location(); !strings.Contains(loc, "/login?next=") {
		tb.t.Fatalf("a signed-out bookmark went to %s, want the sign-in page with next", loc)
	}
	tb.do("signing in",
		chromedp.SendKeys(chromedp.CSS(byID("login-token")), token),
		chromedp.Click(chromedp.CSS(byID("login-submit"))),
		chromedp.WaitVisible(chromedp.CSS(byID("create-form"))),
	)
	if loc := tb.location(); !strings.HasSuffix(loc, "/orgs/acme/ip-addresses/new") {
		tb.t.Fatalf("after sign-in the browser is at %s, want back at the bookmark", loc)
	}
}

// create picks the London network and a version, and submits by clicking.
func (tb *tab) create(version string) {
	tb.t.Helper()
	tb.do("filling the form",
		chromedp.SetValue(chromedp.CSS(byID("network-select")), tb.londonNetwork()),
		chromedp.Click(chromedp.CSS(byID("version-"+version))),
		chromedp.Click(chromedp.CSS(byID("create-submit"))),
	)
}

// poll waits until a JavaScript expression is true.
func (tb *tab) poll(what, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// shown reports whether the element with the data-testid takes up room on
// the page (display:none and hidden ones do not).
func (tb *tab) shown(testid string) bool {
	return tb.eval(`(function () { var e = document.querySelector('`+byID(testid)+`'); return e && e.getClientRects().length > 0 ? "yes" : "no"; })()`) == "yes"
}

// switchOrg picks an organization in the switcher and opens it.
func (tb *tab) switchOrg(org string) {
	tb.t.Helper()
	tb.do("switching to "+org,
		chromedp.SetValue(chromedp.CSS(byID("org-switcher")), org),
		chromedp.Click(chromedp.CSS(byID("org-switcher-submit"))),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="form-page"][data-org="`+org+`"]`)),
	)
	if loc := tb.location(); !strings.HasSuffix(loc, "/orgs/"+org+"/ip-addresses/new") {
		tb.t.Errorf("after switching to %s the address bar shows %s", org, loc)
	}
}

// filterOrgs types into the organization filter and submits it, and
// returns the sub_domains of the rows shown.
func (tb *tab) filterOrgs(base, q string, submit bool) string {
	tb.t.Helper()
	tb.do("opening the organizations", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(byID("org-filter"))))
	tb.eval(`window.ipdeskMark = "kept"`)
	tb.do("typing a filter", chromedp.SendKeys(chromedp.CSS(byID("org-filter")), q))
	if submit {
		tb.load("submitting the filter", chromedp.Click(chromedp.CSS(byID("org-filter-submit"))))
	}
	tb.poll("waiting for the list to narrow", `document.querySelectorAll('[data-testid="org-row"]').length === 1`)
	if loc := tb.location(); !strings.HasSuffix(loc, "/?q="+q) {
		tb.t.Errorf("after filtering the address bar shows %s", loc)
	}
	return tb.eval(`Array.from(document.querySelectorAll('[data-testid="org-row"]')).map(function (r) { return r.dataset.org; }).join(" ")`)
}

// dataCenters lists the data centers of the form's network groups.
func (tb *tab) dataCenters() string {
	return tb.eval(`Array.from(document.querySelectorAll("#network optgroup")).map(function (g) { return g.dataset.dc; }).join(" ")`)
}

// checkVIPLabel ticks VIP and unticks it again: the label field shows only
// while VIP is ticked (the stylesheet does it, so also without JavaScript),
// and with JavaScript the browser requires it only then.
func (tb *tab) checkVIPLabel(withJS bool) {
	tb.t.Helper()
	required := `document.getElementById("label").required ? "yes" : "no"`
	if tb.shown("label") {
		tb.t.Error("the label field shows before VIP is ticked")
	}
	tb.do("ticking VIP", chromedp.Click(chromedp.CSS(byID("vip"))))
	if !tb.shown("label") {
		tb.t.Error("ticking VIP does not reveal the label field")
	}
	if withJS && tb.eval(required) != "yes" {
		tb.t.Error("the label is not required for a VIP")
	}
	tb.do("unticking VIP", chromedp.Click(chromedp.CSS(byID("vip"))))
	if tb.shown("label") || tb.eval(required) != "no" {
		tb.t.Error("the label field stays shown or required without VIP")
	}
}

// focusVisible reports whether the focused element draws a focus ring.
func (tb *tab) focusVisible() bool {
	return tb.eval(`(function () { var s = getComputedStyle(document.activeElement); return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 ? "yes" : "no"; })()`) == "yes"
}

// editAndRelease follows an address from its page: Edit makes it a VIP
// with a label and a reverse DNS, then Release types the address and
// lands on the organization's list, which says it was released. Each
// step clicks, or, with keyboard, tabs to the control and presses Enter
// or types. withJS says whether htmx answers in place (the page is not
// loaded again, so a mark set on window survives).
func (tb *tab) editAndRelease(addr string, withJS, keyboard bool) {
	tb.t.Helper()
	press := func(testid string) {
		if keyboard {
			tb.tabTo(testid)
			tb.do("pressing Enter on "+testid, chromedp.KeyEvent(kb.Enter))
			return
		}
		tb.do("clicking "+testid, chromedp.Click(chromedp.CSS(byID(testid))))
	}
	typeInto := func(testid, text string) {
		if keyboard {
			tb.tabTo(testid)
			tb.do("selecting what "+testid+" holds, and typing over it",
				chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)), chromedp.KeyEvent(text))
			return
		}
		tb.do("filling "+testid, chromedp.SetValue(chromedp.CSS(byID(testid)), text))
	}
	tb.eval(`window.ipdeskMark = "kept"`)
	press("address-edit")
	tb.do("waiting for the edit form", chromedp.WaitVisible(chromedp.CSS(byID("edit-form"))))
	if loc := tb.location(); !strings.HasSuffix(loc, "/edit") {
		tb.t.Errorf("the edit form's address bar shows %s", loc)
	}
	if keyboard {
		tb.tabTo("vip")
		tb.do("ticking VIP with Space", chromedp.KeyEvent(" "))
	} else {
		tb.do("ticking VIP", chromedp.Click(chromedp.CSS(byID("vip"))))
	}
	typeInto("label", "mail-vip")
	typeInto("reverse-dns", "mail.acme.example")
	press("edit-submit")
	tb.do("waiting for the saved address", chromedp.WaitVisible(chromedp.CSS(byID("result-notice"))))
	if got := tb.text("result-notice"); got != "Changes saved." {
		tb.t.Errorf("after saving the page says %q", got)
	}
	for testid, want := range map[string]string{"result-label": "mail-vip", "result-rdns": "mail.acme.example", "result-vip": "Yes"} {
		if got := tb.text(testid); got != want {
			tb.t.Errorf("the saved address's %s is %q, want %q", testid, got, want)
		}
	}
	if loc := tb.location(); !resultPath.MatchString(loc) || strings.HasSuffix(loc, "/edit") {
		tb.t.Errorf("after saving the address bar shows %s, want the address's page", loc)
	}

	// A wrong address typed comes back beside the field; the right one
	// releases.
	tb.allowStatus(http.StatusUnprocessableEntity)
	press("address-release")
	tb.do("waiting for the confirmation", chromedp.WaitVisible(chromedp.CSS(byID("release-form"))))
	if got := tb.text("release-address"); got != addr {
		tb.t.Errorf("the confirmation names %q, want %q", got, addr)
	}
	typeInto("release-confirm", "192.0.2.254")
	press("release-submit")
	tb.do("waiting for the refusal", chromedp.WaitVisible(chromedp.CSS(byID("confirm-error"))))
	typeInto("release-confirm", addr)
	press("release-submit")
	tb.do("waiting for the list", chromedp.WaitVisible(chromedp.CSS(byID("list-flash"))))
	if got := tb.text("list-flash"); !strings.HasPrefix(got, addr+" was released") {
		tb.t.Errorf("the list says %q", got)
	}
	if loc := tb.location(); !strings.HasSuffix(loc, "/orgs/acme/ip-addresses") {
		tb.t.Errorf("after the release the address bar shows %s, want the list", loc)
	}
	if kept := tb.eval(`window.ipdeskMark || "reloaded"`) == "kept"; kept != withJS {
		tb.t.Errorf("with JavaScript %v, the page was kept %v (htmx swaps in place, plain posts load pages)", withJS, kept)
	}
}

func TestBrowser(t *testing.T) {
	browser := newBrowser(t)
	data := t.TempDir()
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", data}, nil)

	t.Run("the console watch catches a Content-Security-Policy violation", func(t *testing.T) {
		// Proof that the watch every other run relies on works: a page with
		// inline script and style under the dashboard's own policy.
		res, err := http.Get(s.url + "/login")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") {
			t.Fatalf("the dashboard's policy %q allows inline script", csp)
		}
		page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Security-Policy", csp)
			fmt.Fprint(w, `<!DOCTYPE html><title>x</title><link rel="icon" href="data:,"><p style="color:red">x</p><script>document.title = "ran"</script>`)
		}))
		t.Cleanup(page.Close) // after the tab's own cleanup, which runs first
		tb := newTab(t, browser)
		tb.do("opening a page with inline script", chromedp.Navigate(page.URL))
		bad := strings.Join(tb.takeBad("'script-src", "'style-src"), "\n")
		if !strings.Contains(bad, "Executing inline script violates") || !strings.Contains(bad, "Applying inline style violates") {
			t.Errorf("the console watch missed the inline script or style, it saw only %q", bad)
		}
		if title := tb.eval(`document.title`); title == "ran" {
			t.Error("the inline script ran")
		}
	})

	// Before any other run opens Globex's form with JavaScript: the
	// allowance that loads is then remembered for the token, and shown at
	// once.
	t.Run("the form shows the allowance of unallocated addresses: a page without JavaScript, loaded in place with it", func(t *testing.T) {
		for _, way := range []struct {
			withJS    bool
			org, want string
		}{
			{org: "globex", want: "1 of 5 unallocated addresses in use"},
			// Hooli's seed address is its only one, and the staff token
			// may not add any.
			{withJS: true, org: "hooli", want: "1 unallocated address in use; this organization may hold any number."},
		} {
			tb := newTab(t, browser)
			if !way.withJS {
				if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
					t.Fatal(err)
				}
			}
			tb.signIn(s.url, s.token)
			tb.switchOrg(way.org)
			if way.withJS {
				tb.do("waiting for the allowance to load", chromedp.WaitVisible(chromedp.CSS(byID("allowance-text"))))
				if !tb.shown("create-form") {
					t.Error("loading the allowance took the form's place")
				}
			} else {
				tb.do("following the allowance's link", chromedp.Click(chromedp.CSS(byID("allowance-link"))),
					chromedp.WaitVisible(chromedp.CSS(byID("allowance-page"))))
			}
			if got := tb.text("allowance-text"); got != way.want {
				t.Errorf("%s's allowance reads %q, want %q", way.org, got, way.want)
			}
		}
	})

	t.Run("with JavaScript, htmx creates IPv4 then IPv6 in London", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.signIn(s.url, s.token)
		tb.checkVIPLabel(true)
		// The create is answered in place (the page is not loaded again,
		// so this mark survives) and the button is disabled meanwhile.
		tb.eval(`(function () {
			window.ipdeskMark = "kept";
			window.ipdeskButtonWasDisabled = "no";
			var b = document.querySelector('[data-testid="create-submit"]');
			new MutationObserver(function () { if (b.disabled) { window.ipdeskButtonWasDisabled = "yes"; } }).observe(b, {attributes: true});
			return "";
		})()`)
		tb.create("ipv4")
		v4 := tb.checkResult("ipv4")
		if tb.eval(`window.ipdeskMark || "reloaded"`) != "kept" {
			t.Error("the create loaded a whole page instead of swapping the result card in")
		}
		if tb.eval(`window.ipdeskButtonWasDisabled`) != "yes" {
			t.Error("the submit button was not disabled while the create ran")
		}
		if !tb.shown("copy-button") {
			t.Error("the copy button stays hidden with JavaScript on")
		}
		if shot := os.Getenv("IPDESK_SCREENSHOT"); shot != "" {
			tb.screenshot(shot)
		}
		tb.do("copying the address", chromedp.Click(chromedp.CSS(byID("copy-button"))))
		tb.poll("waiting for the copy button to answer", `document.querySelector("[data-copy-label]").textContent !== "Copy"`)
		tb.do("starting another", chromedp.Click(chromedp.CSS(byID("create-another"))),
			chromedp.WaitVisible(chromedp.CSS(byID("create-form"))))
		tb.create("ipv6")
		if v6 := tb.checkResult("ipv6"); v6 == v4 {
			t.Errorf("IPv6 create showed the IPv4 address %s again", v4)
		}
	})

	t.Run("with JavaScript, the organization switcher swaps the form in and the URL follows", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.signIn(s.url, s.token)
		// The filter narrows the list in place while typing.
		if got := tb.filterOrgs(s.url, "glo", false); got != "globex" {
			t.Errorf("filtering by glo shows %q", got)
		}
		if tb.eval(`window.ipdeskMark || "reloaded"`) != "kept" {
			t.Error("filtering loaded a whole page instead of narrowing the list in place")
		}
		tb.do("opening ACME's form", chromedp.Navigate(s.url+"/orgs/acme/ip-addresses/new"),
			chromedp.WaitVisible(chromedp.CSS(byID("create-form"))))
		acme := tb.dataCenters()
		tb.eval(`window.ipdeskMark = "kept"`)
		tb.switchOrg("globex")
		if tb.eval(`window.ipdeskMark || "reloaded"`) != "kept" {
			t.Error("switching loaded a whole page instead of swapping the form in")
		}
		if got := tb.dataCenters(); got != "uk-lon-01 nl-ams-01" || got == acme {
			t.Errorf("Globex's form offers the data centers %q (ACME's: %q)", got, acme)
		}
		if title := tb.eval(`document.title`); !strings.Contains(title, "Globex") {
			t.Errorf("the title %q does not follow the organization", title)
		}
		tb.eval(`history.back(), ""`)
		tb.do("going back", chromedp.WaitVisible(chromedp.CSS(`[data-testid="form-page"][data-org="acme"]`)))
		if loc := tb.location(); !strings.HasSuffix(loc, "/orgs/acme/ip-addresses/new") {
			t.Errorf("back shows %s, want ACME's form", loc)
		}

		// The session ends under an htmx request: 401 with HX-Redirect
		// sends the browser to sign in, and back where it was.
		tb.allowStatus(http.StatusUnauthorized)
		if _, err := chromedp.Call(tb.ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "ipdesk_session", URL: s.url}); err != nil {
			t.Fatal(err)
		}
		tb.do("switching with the session gone",
			chromedp.SetValue(chromedp.CSS(byID("org-switcher")), "globex"),
			chromedp.Click(chromedp.CSS(byID("org-switcher-submit"))),
			chromedp.WaitVisible(chromedp.CSS(byID("login-token"))),
		)
		if loc := tb.location(); !strings.HasSuffix(loc, "/login?next=%2Forgs%2Facme%2Fip-addresses%2Fnew") {
			t.Errorf("the ended session went to %s, want the sign-in page back to ACME's form", loc)
		}
		tb.do("signing in again",
			chromedp.SendKeys(chromedp.CSS(byID("login-token")), s.token),
			chromedp.Click(chromedp.CSS(byID("login-submit"))),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="form-page"][data-org="acme"]`)),
		)
	})

	t.Run("without JavaScript, plain posts create IPv4 and IPv6 in London", func(t *testing.T) {
		tb := newTab(t, browser)
		if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		tb.signIn(s.url, s.token)
		if got := tb.filterOrgs(s.url, "glo", true); got != "globex" {
			t.Errorf("filtering by glo shows %q", got)
		}
		tb.do("opening Globex's form", chromedp.Click(chromedp.CSS(byID("org-link"))),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="form-page"][data-org="globex"]`)))
		if got := tb.dataCenters(); got != "uk-lon-01 nl-ams-01" {
			t.Errorf("Globex's form offers the data centers %q", got)
		}
		tb.switchOrg("acme")
		tb.checkVIPLabel(false)

		// A VIP without a label comes back (422) with the message under
		// the label; the same form then creates.
		tb.allowStatus(http.StatusUnprocessableEntity)
		tb.do("submitting a VIP without a label",
			chromedp.Click(chromedp.CSS(byID("vip"))),
			chromedp.Click(chromedp.CSS(byID("create-submit"))),
			chromedp.WaitVisible(chromedp.CSS(byID("label-error"))),
		)
		if got := tb.text("label-error"); got != "Label can't be blank" {
			t.Errorf("label error %q", got)
		}
		tb.do("unticking VIP", chromedp.Click(chromedp.CSS(byID("vip"))))
		tb.create("ipv4")
		tb.checkResult("ipv4")
		if loc := tb.location(); !strings.Contains(loc, "created=") {
			t.Errorf("a plain post did not redirect to the result page: at %s", loc)
		}
		if tb.shown("copy-button") {
			t.Error("a copy button that cannot work shows without JavaScript")
		}
		tb.do("going back to the form", chromedp.Navigate(s.url+"/orgs/acme/ip-addresses/new"),
			chromedp.WaitVisible(chromedp.CSS(byID("create-form"))))
		tb.create("ipv6")
		tb.checkResult("ipv6")
	})

	t.Run("with the keyboard alone, sign in and create an IPv6 VIP", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.do("opening the bookmark", chromedp.Navigate(s.url+"/orgs/acme/ip-addresses/new"),
			chromedp.WaitVisible(chromedp.CSS(byID("login-token"))))
		tb.tabTo("login-token")
		if !tb.focusVisible() {
			t.Error("the token field shows no focus ring")
		}
		tb.do("typing the token", chromedp.KeyEvent(s.token+kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(byID("create-form"))))

		// The London default network is preselected for a first visit; the
		// arrow key picks London's other network.
		tb.tabTo("network-select")
		if got, want := tb.eval(`document.querySelector('[data-testid="network-select"]').value`), tb.londonNetwork(); got != want {
			t.Fatalf("preselected network %s, want London's default %s", got, want)
		}
		if !tb.focusVisible() {
			t.Error("the network select shows no focus ring")
		}
		tb.do("picking the next network with an arrow key", chromedp.KeyEvent(kb.ArrowDown))
		if got := tb.eval(`document.querySelector('[data-testid="network-select"] option:checked').dataset.permalink`); got != "uk-lon-01-edge" {
			t.Fatalf("the arrow key picked %q, want uk-lon-01-edge", got)
		}
		tb.tabTo("version-ipv4")
		tb.do("choosing IPv6 with an arrow key", chromedp.KeyEvent(kb.ArrowDown))
		if tb.focused() != "version-ipv6" {
			t.Fatalf("the arrow key moved focus to %q, want the IPv6 radio", tb.focused())
		}
		tb.tabTo("vip")
		tb.do("ticking VIP with Space", chromedp.KeyEvent(" "))
		tb.tabTo("label")
		tb.do("typing the label", chromedp.KeyEvent("keyboard-vip"))
		tb.tabTo("create-submit")
		if !tb.focusVisible() {
			t.Error("the submit button shows no focus ring")
		}
		tb.do("submitting with Enter", chromedp.KeyEvent(kb.Enter))
		tb.checkResult("ipv6")
		if got := tb.text("result-label"); got != "keyboard-vip" {
			t.Errorf("result label %q, want keyboard-vip", got)
		}
		if got := tb.text("result-network-permalink"); got != "uk-lon-01-edge" {
			t.Errorf("result network %q, want the one picked, uk-lon-01-edge", got)
		}
	})

	t.Run("without JavaScript, the activity page is reached from the top bar and filtered with its form and its links", func(t *testing.T) {
		// Rows written into the dashboard's own journal, as its create,
		// edit and release do; a reference of their own sets them apart
		// from rows the other runs leave.
		db, err := journal.Open(context.Background(), "", data, journal.Options{FingerprintKey: []byte(strings.Repeat("b", 32))})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		const acmeID, wayneID = "org_sjMt88FToKYKC4TY", "org_xJEjlN5TjpD86bJZ"
		who := journal.Who{UserID: "user_BrowserTest0001", UserName: "Browser Tester"}
		for i, r := range []struct {
			org    journal.Org
			action journal.Action
			ref    string
		}{
			{journal.Org{ID: acmeID, SubDomain: "acme"}, journal.ActionCreate, "BRW-100"},
			{journal.Org{ID: acmeID, SubDomain: "acme"}, journal.ActionEdit, "BRW-100"},
			{journal.Org{ID: acmeID, SubDomain: "acme"}, journal.ActionCreate, "BRW-200"},
			{journal.Org{ID: wayneID, SubDomain: "wayne"}, journal.ActionCreate, "BRW-100"},
		} {
			e, err := db.Claim(context.Background(), journal.Entry{Who: who, Org: r.org, Action: r.action, Reference: r.ref,
				Request: journal.Request{Version: "ipv4", Label: "browser"}, FormToken: fmt.Sprintf("browser-%d", i),
				Address: journal.Address{ID: "ip_BrowserTest00001", IP: "192.0.2.99"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Complete(context.Background(), e.ID, journal.Result{Outcome: journal.OutcomeSucceeded}); err != nil {
				t.Fatal(err)
			}
		}
		tb := newTab(t, browser)
		if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		tb.signIn(s.url, s.token)
		rows := `document.querySelectorAll('[data-testid="activity-row"]').length`
		tb.load("following the top bar's Activity link", chromedp.Click(chromedp.CSS(`.topbar nav a[href="/activity"]`)))
		tb.do("waiting for the activity page", chromedp.WaitVisible(chromedp.CSS(byID("activity-filter"))))
		if body := tb.text("activity-page"); !strings.Contains(body, "Browser Tester") || strings.Contains(body, "Wayne") {
			t.Errorf("the activity page shows %q; want the ACME rows and none of Wayne's, which the token cannot see", body)
		}
		tb.do("filtering by reference and action",
			chromedp.SendKeys(chromedp.CSS(byID("filter-reference")), "brw-1"),
			chromedp.SetValue(chromedp.CSS(byID("filter-action")), "create"),
		)
		tb.load("submitting the filter", chromedp.Click(chromedp.CSS(byID("filter-submit"))))
		tb.poll("waiting for the filtered rows", rows+` === 1`)
		if loc := tb.location(); !strings.Contains(loc, "/activity?") || !strings.Contains(loc, "reference=brw-1") || !strings.Contains(loc, "action=create") {
			t.Errorf("the filtered page is at %s", loc)
		}
		if got := tb.text("activity-reference"); got != "BRW-100" {
			t.Errorf("the filtered row's reference is %q", got)
		}
		tb.load("following the row's reference", chromedp.Click(chromedp.CSS(`[data-testid="activity-reference"] a`)))
		tb.poll("waiting for the reference's rows", rows+` === 2`)
		tb.load("opening ACME's activity from its row", chromedp.Click(chromedp.CSS(`[data-testid="activity-org"] a`)))
		tb.do("waiting for ACME's activity", chromedp.WaitVisible(chromedp.CSS(byID("link-activity"))))
		if loc := tb.location(); !strings.HasSuffix(loc, "/orgs/acme/activity") {
			t.Errorf("the organization's link went to %s", loc)
		}
	})

	t.Run("edit and release an address: with JavaScript, without it, and with the keyboard alone", func(t *testing.T) {
		for _, way := range []struct {
			name             string
			withJS, keyboard bool
		}{
			{name: "with JavaScript", withJS: true},
			{name: "without JavaScript"},
			{name: "with the keyboard", withJS: true, keyboard: true},
		} {
			t.Run(way.name, func(t *testing.T) {
				tb := newTab(t, browser)
				if !way.withJS {
					if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
						t.Fatal(err)
					}
				}
				tb.signIn(s.url, s.token)
				tb.create("ipv4")
				addr := tb.checkResult("ipv4")
				tb.editAndRelease(addr, way.withJS, way.keyboard)
			})
		}
	})
}

// screenshot writes a PNG of the whole page for the README.
func (tb *tab) screenshot(path string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "screenshot written to %s\n", path)
}
