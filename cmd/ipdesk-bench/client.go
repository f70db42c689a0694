package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// answer is one response, read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send sends one request and reads its answer in full.
func send(ctx context.Context, c *http.Client, method, target string, body io.Reader, h http.Header) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return answer{}, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	res, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: the answer broke off: %w", method, target, err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}, nil
}

// want is an error unless the answer has the status.
func (a answer) want(what string, status int) error {
	if a.status != status {
		return fmt.Errorf("%s answered %d %s, want %d: %.300s", what, a.status, http.StatusText(a.status), status, a.body)
	}
	return nil
}

// user is one member of staff in a browser: their cookies, a connection
// pool, redirects seen rather than followed.
type user struct {
	base string
	c    *http.Client
}

func newUser(base string, tr http.RoundTripper) *user {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &user{base: base, c: &http.Client{Transport: tr, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// cookieHeader is the user's cookies for the server, as a Cookie header:
// what wrk sends to be signed in.
func (u *user) cookieHeader() string {
	target, _ := url.Parse(u.base + "/") // base is always http://host:port
	var parts []string
	for _, c := range u.c.Jar.Cookies(target) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// signIn signs in with an API token as the sign-in page does.
func (u *user) signIn(ctx context.Context, token string) error {
	a, err := send(ctx, u.c, http.MethodGet, u.base+"/login", nil, nil)
	if err != nil {
		return err
	}
	if err := a.want("GET /login", http.StatusOK); err != nil {
		return err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(a.body))
	if err != nil {
		return err
	}
	csrf := doc.Find(`[data-testid="login-form"] input[name="_csrf"]`).AttrOr("value", "")
	if csrf == "" {
		return fmt.Errorf("the sign-in page has no _csrf field")
	}
	form := url.Values{"token": {token}, "_csrf": {csrf}}
	a, err = send(ctx, u.c, http.MethodPost, u.base+"/login", strings.NewReader(form.Encode()), formHeader())
	if err != nil {
		return err
	}
	return a.want("POST /login", http.StatusSeeOther)
}

func formHeader() http.Header {
	return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
}

// createForm is what a rendered create form holds that a post needs.
type createForm struct {
	org, csrf, once string
}

func formPath(org string) string { return "/orgs/" + org + "/ip-addresses/new" }

// openForm opens the bookmarked create form of an organization.
func (u *user) openForm(ctx context.Context, org string) (createForm, error) {
	a, err := send(ctx, u.c, http.MethodGet, u.base+formPath(org), nil, nil)
	if err != nil {
		return createForm{}, err
	}
	if err := a.want("GET "+formPath(org), http.StatusOK); err != nil {
		return createForm{}, err
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(a.body))
	if err != nil {
		return createForm{}, err
	}
	f := doc.Find(`[data-testid="create-form"]`)
	cf := createForm{
		org:  org,
		csrf: f.Find(`input[name="_csrf"]`).AttrOr("value", ""),
		once: f.Find(`input[name="once"]`).AttrOr("value", ""),
	}
	if cf.csrf == "" || cf.once == "" {
		return createForm{}, fmt.Errorf("the form of %s has no _csrf or once field", org)
	}
	return cf, nil
}

func (f createForm) values(network, version string) url.Values {
	return url.Values{"_csrf": {f.csrf}, "once": {f.once}, "network": {network}, "version": {version}}
}

// resultCard marks the created address on the result card and page.
var resultCard = []byte(`data-testid="result-card"`)

// createHTMX posts the form as htmx does: the result card comes in the
// one answer.
func (u *user) createHTMX(ctx context.Context, f createForm, network, version string) error {
	h := formHeader()
	h.Set("HX-Request", "true")
	h.Set("HX-Current-URL", u.base+formPath(f.org))
	h.Set("X-CSRF-Token", f.csrf)
	a, err := send(ctx, u.c, http.MethodPost, u.base+"/orgs/"+f.org+"/ip-addresses",
		strings.NewReader(f.values(network, version).Encode()), h)
	if err != nil {
		return err
	}
	if err := a.want("htmx POST /orgs/"+f.org+"/ip-addresses", http.StatusOK); err != nil {
		return err
	}
	if !bytes.Contains(a.body, resultCard) {
		return fmt.Errorf("the htmx create answered without a result card: %.300s", a.body)
	}
	return nil
}

// createdPath is where a plain post of a successful create is sent.
var createdPath = regexp.MustCompile(`^/orgs/[a-z0-9-]+/ip-addresses/ip_[A-Za-z0-9]+\?created=1$`)

// createPlain posts the form as a browser without JavaScript does, and
// follows the redirect to the result page.
func (u *user) createPlain(ctx context.Context, f createForm, network, version string) error {
	a, err := send(ctx, u.c, http.MethodPost, u.base+"/orgs/"+f.org+"/ip-addresses",
		strings.NewReader(f.values(network, version).Encode()), formHeader())
	if err != nil {
		return err
	}
	if err := a.want("POST /orgs/"+f.org+"/ip-addresses", http.StatusSeeOther); err != nil {
		return err
	}
	loc := a.header.Get("Location")
	if !createdPath.MatchString(loc) {
		return fmt.Errorf("the create redirected to %q, not to the new address's page", loc)
	}
	a, err = send(ctx, u.c, http.MethodGet, u.base+loc, nil, nil)
	if err != nil {
		return err
	}
	if err := a.want("GET "+loc, http.StatusOK); err != nil {
		return err
	}
	if !bytes.Contains(a.body, resultCard) {
		return fmt.Errorf("the result page has no result card: %.300s", a.body)
	}
	return nil
}

// apiClient speaks to the engine's Katapult-compatible API with one token.
type apiClient struct {
	base, token string
	c           *http.Client
}

func (a *apiClient) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + a.token}, "Content-Type": {"application/json"}}
}

// networkID finds an organization's network by permalink.
func (a *apiClient) networkID(ctx context.Context, org, permalink string) (string, error) {
	target := a.base + "/core/v1/organizations/_/available_networks?organization%5Bsub_domain%5D=" + url.QueryEscape(org)
	ans, err := send(ctx, a.c, http.MethodGet, target, nil, a.header())
	if err != nil {
		return "", err
	}
	if err := ans.want("GET available_networks", http.StatusOK); err != nil {
		return "", err
	}
	var out struct {
		Networks []struct {
			ID        string `json:"id"`
			Permalink string `json:"permalink"`
		} `json:"networks"`
	}
	if err := json.Unmarshal(ans.body, &out); err != nil {
		return "", fmt.Errorf("available_networks: %w", err)
	}
	for _, n := range out.Networks {
		if n.Permalink == permalink {
			return n.ID, nil
		}
	}
	return "", fmt.Errorf("%s may not use a network %s", org, permalink)
}

// createBody is the create as Krystal's client sends it (and the
// dashboard with it): the organization's lookup in the body.
func createBody(org, network, version string) []byte {
	b, _ := json.Marshal(map[string]any{ // strings and a bool always marshal
		"organization": map[string]string{"sub_domain": org},
		"network":      map[string]string{"id": network},
		"version":      version,
		"vip":          false,
	})
	return b
}

// ipAddressKey marks a created address in the API's answer.
var ipAddressKey = []byte(`"ip_address":{`)

// create creates one address; body is createBody's.
func (a *apiClient) create(ctx context.Context, body []byte) error {
	ans, err := send(ctx, a.c, http.MethodPost, a.base+"/core/v1/organizations/_/ip_addresses", bytes.NewReader(body), a.header())
	if err != nil {
		return err
	}
	if err := ans.want("POST /core/v1/organizations/_/ip_addresses", http.StatusOK); err != nil {
		return err
	}
	if !bytes.Contains(ans.body, ipAddressKey) {
		return fmt.Errorf("the create answered 200 without an address: %.300s", ans.body)
	}
	return nil
}
