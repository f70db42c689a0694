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
	// Allocation is what holds the address; the zero value: none.
	Allocation allocation
}

const ipColumns = `id, organization_id, subnet_seq, address, reverse_dns, vip, label,
	allocation_type, allocation_id, allocation_name, allocation_locked`

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

func scanIP(s rowScanner) (ipRow, error) {
	var row ipRow
	var key []byte
	var alType, alID, alName sql.NullString
	err := s.Scan(&row.ID, &row.OrganizationID, &row.SubnetSeq, &key, &row.ReverseDNS, &row.VIP, &row.Label,
		&alType, &alID, &alName, &row.Allocation.Locked)
	if err != nil {
		return ipRow{}, err
	}
	row.Allocation.Type, row.Allocation.ID, row.Allocation.Name = alType.String, alID.String, alName.String
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

// allocatedFilter is the address list's allocated argument.
type allocatedFilter int

const (
	anyAllocation   allocatedFilter = iota // no filter
	onlyAllocated                          // allocated=true
	onlyUnallocated                        // allocated=false
)

// where is the filter's condition on ip_addresses.
func (f allocatedFilter) where() string {
	switch f {
	case onlyAllocated:
		return ` AND allocation_type IS NOT NULL`
	case onlyUnallocated:
		return ` AND allocation_type IS NULL`
	}
	return ""
}

// listIPs returns one page of an organization's addresses that pass the
// filter, oldest first, and how many pass it in all.
func (st *store) listIPs(ctx context.Context, orgID string, f allocatedFilter, limit, offset int) ([]ipRow, int, error) {
	var total int
	err := st.db.QueryRowContext(ctx, `SELECT count(*) FROM ip_addresses WHERE organization_id = ?`+f.where(), orgID).Scan(&total)
	if err != nil || offset >= total {
		return nil, total, err
	}
	rows, err := st.db.QueryContext(ctx, `SELECT `+ipColumns+` FROM ip_addresses
		WHERE organization_id = ?`+f.where()+` ORDER BY seq LIMIT ? OFFSET ?`, orgID, limit, offset)
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
