package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"ipdesk/views"
)

// maxNextLen bounds a return path: bookmarks are short.
const maxNextLen = 2048

// safeNext returns next when it is a path on this site, and "/" otherwise.
// Only a single leading slash is a local path: "//host" and "/\host" are
// read by browsers as other hosts, and anything with a scheme or a host is
// somewhere else.
func safeNext(next string) string {
	if !isLocalPath(next) {
		return "/"
	}
	// Coming back to the sign-in or sign-out page would be a loop.
	if next == "/login" || strings.HasPrefix(next, "/login?") || strings.HasPrefix(next, "/logout") {
		return "/"
	}
	return next
}

func isLocalPath(p string) bool {
	if p == "" || len(p) > maxNextLen || p[0] != '/' {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for _, r := range p {
		// Backslashes are slashes to some browsers; control characters are
		// stripped by them, which could make "/\t/host" into "//host".
		if r == '\\' || r < 0x20 || r == 0x7f {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}

// returnPath is where a user sent to sign in should come back to: the page
// they were on. An htmx request names it in HX-Current-URL; a post cannot
// be replayed, so its form's page stands in for it.
func returnPath(c echo.Context) string {
	r := c.Request()
	if isHTMX(c) {
		if u, err := url.Parse(r.Header.Get(hxCurrentURL)); err == nil && (u.Host == "" || u.Host == r.Host) {
			return safeNext(u.RequestURI())
		}
		return "/"
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return safeNext(r.URL.RequestURI())
	}
	if org := c.Param("org"); org != "" && validOrgRef(org) {
		return views.PathNewAddress(org)
	}
	return "/"
}
