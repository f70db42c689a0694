package journal

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// csvHeader names ExportCSV's columns.
var csvHeader = []string{"id", "time_utc", "completed_utc", "user_id", "user_name", "token_fingerprint",
	"organization_id", "organization", "action", "network_id", "network", "version", "vip", "label",
	"reverse_dns", "reference", "outcome", "address_id", "address", "error_code", "request_id"}

// ExportCSV writes every row f selects, newest first, as CSV with a header
// line, reading them a page at a time. Cells that a spreadsheet would take
// for a formula are defused (SafeCell). The form token is not exported.
func (db *DB) ExportCSV(ctx context.Context, w io.Writer, f Filter) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	p := PageRequest{Limit: MaxPageSize}
	for {
		page, err := db.List(ctx, f, p)
		if err != nil {
			return err
		}
		for _, e := range page.Entries {
			if err := cw.Write(csvRecord(e)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil || page.Older == 0 {
			return err
		}
		p.Before = page.Older
	}
}

// csvRecord is one row's cells, in csvHeader's order.
func csvRecord(e Entry) []string {
	cells := []string{strconv.FormatInt(e.ID, 10), csvTime(e.At), csvTime(e.CompletedAt),
		e.Who.UserID, e.Who.UserName, e.Who.TokenFingerprint, e.Org.ID, e.Org.SubDomain,
		string(e.Action), e.Request.NetworkID, e.Request.NetworkName, e.Request.Version,
		strconv.FormatBool(e.Request.VIP), e.Request.Label, e.Request.ReverseDNS, e.Reference,
		string(e.Outcome), e.Address.ID, e.Address.IP, e.ErrorCode, e.RequestID}
	for i, c := range cells {
		cells[i] = SafeCell(c)
	}
	return cells
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// SafeCell defuses a CSV cell that a spreadsheet would evaluate: one that
// starts with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe, which spreadsheets show as text and do not evaluate. Labels,
// names and references are typed by people and may start with anything.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
