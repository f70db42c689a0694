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

// allocate creates an address in one immediate transaction on the store's
// write connection, committed before it returns. Creates take turns
// (writer.write): a create whose context ended while it waited creates
// nothing.
func (st *store) allocate(ctx context.Context, req newAddress) (ipRow, error) {
	var row ipRow
	err := st.w.write(ctx, func(t *writeTx) (err error) {
		row, err = t.allocate(req)
		return err
	})
	return row, err
}

// allocate takes the next free address and records it, inside the
// transaction: it shrinks (or drops) the free range the address came from,
// then inserts the address, whose UNIQUE column refuses one held already.
func (t *writeTx) allocate(req newAddress) (ipRow, error) {
	var subnetSeq int64
	var zone string
	var first, last []byte
	err := t.queryRow(t.w.nextFree, req.networkID, req.version).Scan(&subnetSeq, &zone, &first, &last)
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
		err = t.exec(t.w.dropRange, subnetSeq, first)
	} else {
		err = t.exec(t.w.shrinkRange, addrKey(addr.Next()), subnetSeq, first)
	}
	if err != nil {
		return ipRow{}, err
	}
	row := ipRow{
		ID: newID(prefixIPAddress), OrganizationID: req.organizationID, SubnetSeq: subnetSeq,
		Addr: addr, ReverseDNS: reverseDNSName(addr, zone), VIP: req.vip, Label: req.label,
	}
	err = t.exec(t.w.insertIP,
		row.ID, row.OrganizationID, row.SubnetSeq, addrKey(addr), row.ReverseDNS, row.VIP, row.Label, req.createdAt)
	return row, err
}
