package handlers_test

import (
	"strings"
	"testing"
)

// bothWays runs test as two parallel subtests: as a browser without
// JavaScript posts, and as htmx does (its name then ends in " (htmx)").
func bothWays(t *testing.T, name string, test func(t *testing.T, viaHTMX bool)) {
	t.Helper()
	for _, viaHTMX := range []bool{false, true} {
		n := name
		if viaHTMX {
			n += " (htmx)"
		}
		t.Run(n, func(t *testing.T) {
			t.Parallel()
			test(t, viaHTMX)
		})
	}
}

// from is the headers of a request made from the page at path: htmx's
// when viaHTMX, none otherwise.
func (e *env) from(viaHTMX bool, path string) []hdr {
	if !viaHTMX {
		return nil
	}
	return []hdr{htmx(e.srv.URL + path)}
}

// wantError asserts how an error is shown: its sentence want under a
// field (at is the id of the field's errors, and the field must be marked
// invalid and described by them) or above the form (at "form-error"), or
// else in a panel of the kind.
func (p *page) wantError(at, kind, want string) {
	p.t.Helper()
	if at == "" {
		panel := p.one(`[data-testid="error-panel"][data-problem="` + kind + `"]`)
		if got := text(panel); !strings.Contains(got, want) {
			p.t.Errorf("panel %q, want %q", got, want)
		}
		return
	}
	if got := text(p.testid(at)); !strings.Contains(got, want) {
		p.t.Errorf("%s: %q, want %q", at, got, want)
	}
	if at == "form-error" {
		return
	}
	field := p.find(`[aria-describedby~="` + at + `"]`)
	if field.Length() != 1 || field.AttrOr("aria-invalid", "") != "true" {
		p.t.Errorf("no field marked invalid is described by #%s", at)
	}
}
