package handlers_test

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzActivityQuery asks the activity pages, of every organization and of
// one, for arbitrary queries. Every answer is the page (200), the page
// saying what is wrong with the filter (400) or the CSV file, never a
// failure inside.
func FuzzActivityQuery(f *testing.F) {
	d := staffDashboard(f)
	for _, seed := range []string{"", "action=create&outcome=refused", "action=delete", "outcome=%00",
		"reference=%3D1", "reference=%FF%FE", "reference=a%0Ab", "person=%09", "before=-1&after=x",
		"before=9223372036854775807", "after=1&before=2", "format=csv", "format=xml", "format=csv&reference=%25_",
		"action=create&action=edit", "person=" + strings.Repeat("%E2%82%AC", 300)} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, query string, org bool) {
		target := "/activity"
		if org {
			target = "/orgs/acme/activity"
		}
		target += "?" + query
		res, sent := d.do(http.MethodGet, target, "")
		if !sent {
			return
		}
		switch {
		case res.Code == http.StatusOK && strings.HasPrefix(res.Header().Get("Content-Type"), "text/csv"):
			if !strings.HasPrefix(res.Body.String(), "id,time_utc,") {
				t.Fatalf("%s: a CSV file without its header:\n%s", target, res.Body)
			}
		case res.Code == http.StatusOK, res.Code == http.StatusBadRequest:
			wantPage(t, res)
		default:
			t.Fatalf("%s: status %d; page:\n%s", target, res.Code, res.Body)
		}
	})
}
