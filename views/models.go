// Package views holds the dashboard's templ components and the plain view
// models they render. Views know no error codes and call nothing: handlers
// fill the models (turning Katapult's errors into Problems through the
// catalogue) and views only lay them out.
package views

import (
	"context"
	"strings"

	"github.com/a-h/templ"
)

// Layout is what every full page shares.
type Layout struct {
	// CSSURL, JSURL, HTMXURL and IconURL are the hashed or versioned asset
	// URLs.
	CSSURL, JSURL, HTMXURL, IconURL string
	// HTMXConfig is the htmx-config meta tag (HTMXConfigMeta), rendered
	// once (Prerendered).
	HTMXConfig templ.Component
	// CSRFHeaders is the JSON of hx-headers carrying the CSRF token, so that
	// every htmx request sends it; CSRF is the same token for plain forms.
	CSRFHeaders string
	CSRF        string
	// SignedIn shows the navigation and the sign-out button.
	SignedIn bool
	// SignedInAs names who is signed in: the user's name, or the token's
	// fingerprint when it belongs to no user; empty says nothing.
	SignedInAs string
}

// Page is one page: its title and the content of <main>. A full response
// wraps Main in the layout; an htmx response is Main alone.
type Page struct {
	Title string
	Main  templ.Component
}

// Link is a labelled URL.
type Link struct {
	Text   string
	Href   string
	TestID string
}

// Problem is an error explained for staff: what happened and what to do.
type Problem struct {
	// Kind is a stable name for tests and styles (data-problem).
	Kind    string
	Title   string
	Message string
	Action  string
	// Details are further sentences, e.g. Katapult's validation messages or
	// the missing scopes.
	Details []string
	// RequestID lets staff quote the failing request in a report.
	RequestID string
	Links     []Link
	// Warning styles a panel that is not a failure (e.g. an unknown outcome).
	Warning bool
}

// OrgHeader names the organization a page is about, with its main links.
// ListURL and NetworksURL are empty when they cannot work (a suspended or
// not activated organization).
type OrgHeader struct {
	Name      string
	SubDomain string
	FormURL   string
	ListURL   string
	// NetworksURL is the organization's networks page.
	NetworksURL string
	// ActivityURL is the organization's activity page, on the pages that
	// link to it (not the form, whose bytes on the wire are counted).
	ActivityURL string
}

// ErrorView is a page that only explains a problem.
type ErrorView struct {
	Status  int
	Problem Problem
}

// Prerendered renders c once, now, into a component that writes the same
// bytes on every page without rendering again: for a part of the page that
// never changes, such as the htmx-config meta tag, whose 400 characters of
// JSON were escaped anew on every page.
// HTMXConfigMeta is the htmx-config meta tag holding config, htmx's
// configuration as JSON. Its attribute is in single quotes, so that JSON's
// double quotes go out as they are rather than as five-byte references (a
// fifth of the tag otherwise, on every page). It is the same on every page:
// render it once with Prerendered.
func HTMXConfigMeta(config string) templ.Component {
	return templ.Raw(`<meta name="htmx-config" content='` + singleQuoted.Replace(config) + `'>`)
}

// singleQuoted escapes what may not stand in a single-quoted attribute.
var singleQuoted = strings.NewReplacer(`&`, `&amp;`, `'`, `&#39;`, `<`, `&lt;`, `>`, `&gt;`)

func Prerendered(c templ.Component) (templ.Component, error) {
	var b strings.Builder
	if err := c.Render(context.Background(), &b); err != nil {
		return nil, err
	}
	return templ.Raw(b.String()), nil
}
