package engine

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
)

// nextFreeQuery finds the address to hand out: the lowest free range of the
// first subnet, in seed order, of the network and version that still has
// one. Both tables are reached by index seeks (subnets_by_network, then
// free_ranges' primary key) in the ORDER BY's own order, so the first row
// ends the search: its cost does not depend on how many addresses are taken.
const nextFreeQuery = `SELECT s.seq, s.reverse_dns_zone, f.first, f.last
	FROM subnets AS s JOIN free_ranges AS f ON f.subnet_seq = s.seq
	WHERE s.network_id = ? AND s.version = ?
	ORDER BY s.seq, f.first
	LIMIT 1`

// errPoolEmpty means the network has no free address of that version.
var errPoolEmpty = errors.New("engine: no free address of that version on that network")

// newAddress is a validated create request.
type newAddress struct {
	organizationID string
	networkID      string
	version        int
	vip            bool
	label          sql.NullString
	createdAt      int64
}

// allocate creates an address in one (immediate) transaction, one create
// at a time (store.writer). A create whose context ended while it waited
// for its turn creates nothing: BeginTx refuses it.
func (st *store) allocate(ctx context.Context, req newAddress) (ipRow, error) {
	st.writer.Lock()
	defer st.writer.Unlock()
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return ipRow{}, err
	}
	defer tx.Rollback()
	row, err := allocateIn(ctx, tx, req)
	if err != nil {
		return ipRow{}, err
	}
	return row, tx.Commit()
}

// allocateIn takes the next free address and records it, inside tx: it
// shrinks (or drops) the free range the address came from, then inserts the
// address, whose UNIQUE column refuses one held already.
func allocateIn(ctx context.Context, tx *sql.Tx, req newAddress) (ipRow, error) {
	var subnetSeq int64
	var zone string
	var first, last []byte
	err := tx.QueryRowContext(ctx, nextFreeQuery, req.networkID, req.version).Scan(&subnetSeq, &zone, &first, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return ipRow{}, errPoolEmpty
	}
	if err != nil {
		return ipRow{}, err
	}
	addr, err := addrFromKey(first)
	if err != nil {
		return ipRow{}, err
	}
	if bytes.Equal(first, last) {
		_, err = tx.ExecContext(ctx, `DELETE FROM free_ranges WHERE subnet_seq = ? AND first = ?`, subnetSeq, first)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE free_ranges SET first = ? WHERE subnet_seq = ? AND first = ?`,
			addrKey(addr.Next()), subnetSeq, first)
	}
	if err != nil {
		return ipRow{}, err
	}
	row := ipRow{
		ID: newID(prefixIPAddress), OrganizationID: req.organizationID, SubnetSeq: subnetSeq,
		Addr: addr, ReverseDNS: reverseDNSName(addr, zone), VIP: req.vip, Label: req.label,
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ip_addresses
		(id, organization_id, subnet_seq, address, reverse_dns, vip, label, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		row.ID, row.OrganizationID, row.SubnetSeq, addrKey(addr), row.ReverseDNS, row.VIP, row.Label, req.createdAt)
	return row, err
}
