package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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
// watched: any exception or Content-Security-Policy report fails the test.
type tab struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	bad []string
}

func newTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	tb := &tab{t: t, ctx: ctx}
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
				tb.bad = append(tb.bad, m.String()+" ("+m.URL+")")
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

// do runs actions with a deadline for this step.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
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

func TestBrowser(t *testing.T) {
	browser := newBrowser(t)
	s := startRun(t, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, nil)

	t.Run("with JavaScript, htmx creates IPv4 then IPv6 in London", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.signIn(s.url, s.token)
		tb.create("ipv4")
		v4 := tb.checkResult("ipv4")
		if tb.eval(`document.querySelector('[data-testid="copy-button"]').hidden ? "hidden" : "shown"`) != "shown" {
			t.Error("the copy button stays hidden with JavaScript on")
		}
		if shot := os.Getenv("IPDESK_SCREENSHOT"); shot != "" {
			tb.screenshot(shot)
		}
		tb.do("starting another", chromedp.Click(chromedp.CSS(byID("create-another"))),
			chromedp.WaitVisible(chromedp.CSS(byID("create-form"))))
		tb.create("ipv6")
		if v6 := tb.checkResult("ipv6"); v6 == v4 {
			t.Errorf("IPv6 create showed the IPv4 address %s again", v4)
		}
	})

	t.Run("without JavaScript, plain posts create IPv4 and IPv6 in London", func(t *testing.T) {
		tb := newTab(t, browser)
		if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		tb.signIn(s.url, s.token)
		tb.create("ipv4")
		tb.checkResult("ipv4")
		if loc := tb.location(); !strings.Contains(loc, "created=") {
			t.Errorf("a plain post did not redirect to the result page: at %s", loc)
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
		tb.do("typing the token", chromedp.KeyEvent(s.token+kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(byID("create-form"))))

		// The London default network is preselected for a first visit.
		tb.tabTo("network-select")
		if got, want := tb.eval(`document.querySelector('[data-testid="network-select"]').value`), tb.londonNetwork(); got != want {
			t.Fatalf("preselected network %s, want London's default %s", got, want)
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
		tb.do("submitting with Enter", chromedp.KeyEvent(kb.Enter))
		tb.checkResult("ipv6")
		if got := tb.text("result-label"); got != "keyboard-vip" {
			t.Errorf("result label %q, want keyboard-vip", got)
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
