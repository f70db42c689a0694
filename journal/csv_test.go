package journal

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"testing"
)

func TestSafeCell(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"web-1", "web-1"},
		{"=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"},
		{"+1 555", "'+1 555"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"a=b", "a=b"},
		{" =1", " =1"},
		{"'already quoted", "'already quoted"},
	}
	for _, tt := range tests {
		if got := SafeCell(tt.in); got != tt.want {
			t.Errorf("SafeCell(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// readCSV parses an export: a spreadsheet's view of it.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, b)
	}
	return records
}

func TestTheCSVExportHasEveryFilteredRowAndNoFormula(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		db := p.open(t, Options{})
		ctx := context.Background()
		e := aCreate("form-formula")
		e.Request.Label = `=HYPERLINK("http://evil.example","click")`
		e.Reference = "+TCK-1"
		e.Who.UserName = "@Jane, \"the\" admin"
		e = claim(t, db, e)
		if err := db.Complete(ctx, e.ID, Result{Outcome: OutcomeRefused, ErrorCode: "validation_error"}); err != nil {
			t.Fatal(err)
		}
		other := aCreate("form-other")
		other.Org.ID = "org_other"
		claim(t, db, other)

		var out bytes.Buffer
		if err := db.ExportCSV(ctx, &out, Filter{OrgIDs: []string{"org_acme"}}); err != nil {
			t.Fatal(err)
		}
		records := readCSV(t, out.Bytes())
		if len(records) != 2 || !slices.Equal(records[0], csvHeader) {
			t.Fatalf("the export: %q; want the header and org_acme's one row", records)
		}
		row := map[string]string{}
		for i, name := range csvHeader {
			row[name] = records[1][i]
		}
		want := map[string]string{
			"id": strconv.FormatInt(e.ID, 10), "label": `'=HYPERLINK("http://evil.example","click")`,
			"reference": "'+TCK-1", "user_name": "'@Jane, \"the\" admin", "organization_id": "org_acme",
			"action": "create", "outcome": "refused", "error_code": "validation_error", "vip": "true",
			"time_utc": e.At.Format("2006-01-02T15:04:05Z"), "address": "",
		}
		for k, v := range want {
			if row[k] != v {
				t.Errorf("column %s = %q; want %q", k, row[k], v)
			}
		}
		for _, cell := range records[1] {
			if cell == e.FormToken {
				t.Errorf("the export holds the form token")
			}
		}
	})
}

func TestTheCSVExportReadsPastOnePage(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, p place) {
		db := p.open(t, Options{})
		n := MaxPageSize + 20
		for i := range n {
			claim(t, db, aCreate(fmt.Sprint("form-", i)))
		}
		var out bytes.Buffer
		if err := db.ExportCSV(context.Background(), &out, Filter{OrgIDs: []string{"org_acme"}}); err != nil {
			t.Fatal(err)
		}
		records := readCSV(t, out.Bytes())[1:]
		if len(records) != n {
			t.Fatalf("the export has %d rows; want %d", len(records), n)
		}
		for i := 1; i < len(records); i++ {
			a, _ := strconv.Atoi(records[i-1][0])
			b, _ := strconv.Atoi(records[i][0])
			if a <= b {
				t.Fatalf("row %d (id %d) comes after id %d: not newest first", i, b, a)
			}
		}
	})
}

func TestTheCSVExportOfNoOrganizationIsTheHeaderAlone(t *testing.T) {
	t.Parallel()
	db := sqlitePlace(t).open(t, Options{})
	claim(t, db, aCreate("form-1"))
	var out bytes.Buffer
	if err := db.ExportCSV(context.Background(), &out, Filter{}); err != nil {
		t.Fatal(err)
	}
	if records := readCSV(t, out.Bytes()); len(records) != 1 {
		t.Errorf("an export with no organization has %d lines; want the header alone", len(records))
	}
}
