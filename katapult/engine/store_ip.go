package engine

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
)

// ipRow is a created address as stored.
type ipRow struct {
	ID             string
	OrganizationID string
	SubnetSeq      int64
	Addr           netip.Addr
	ReverseDNS     string
	VIP            bool
	Label          sql.NullString
	// Allocation is what holds the address; the zero value (none) until
	// addresses can be attached to something.
	Allocation allocation
}

const ipColumns = `id, organization_id, subnet_seq, address, reverse_dns, vip, label`

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

func scanIP(s rowScanner) (ipRow, error) {
	var row ipRow
	var key []byte
	err := s.Scan(&row.ID, &row.OrganizationID, &row.SubnetSeq, &key, &row.ReverseDNS, &row.VIP, &row.Label)
	if err != nil {
		return ipRow{}, err
	}
	row.Addr, err = addrFromKey(key)
	return row, err
}

// findIP finds an address by id or by address; ok is false when none is.
func (st *store) findIP(ctx context.Context, lk lookup) (row ipRow, ok bool, err error) {
	var where string
	var arg any
	switch lk.key {
	case "id":
		where, arg = "id = ?", lk.value
	case "address":
		a, perr := netip.ParseAddr(lk.value)
		// A zone or an IPv4-mapped form is not how any address is written.
		if perr != nil || a.Zone() != "" || a.Is4In6() {
			return ipRow{}, false, nil
		}
		where, arg = "address = ?", addrKey(a)
	default:
		return ipRow{}, false, nil
	}
	row, err = scanIP(st.db.QueryRowContext(ctx, `SELECT `+ipColumns+` FROM ip_addresses WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return ipRow{}, false, nil
	}
	return row, err == nil, err
}

// listIPs returns one page of an organization's addresses, oldest first,
// and how many it has in all.
func (st *store) listIPs(ctx context.Context, orgID string, limit, offset int) ([]ipRow, int, error) {
	var total int
	err := st.db.QueryRowContext(ctx, `SELECT count(*) FROM ip_addresses WHERE organization_id = ?`, orgID).Scan(&total)
	if err != nil || offset >= total {
		return nil, total, err
	}
	rows, err := st.db.QueryContext(ctx, `SELECT `+ipColumns+` FROM ip_addresses
		WHERE organization_id = ? ORDER BY seq LIMIT ? OFFSET ?`, orgID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []ipRow
	for rows.Next() {
		row, err := scanIP(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, row)
	}
	return out, total, rows.Err()
}
