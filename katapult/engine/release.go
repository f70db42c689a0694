package engine

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"

	"ipdesk/katapult"
)

// rangeBeforeQuery finds the free range of a subnet that starts nearest
// below an address, or at it: an index seek on free_ranges' primary key,
// whatever the number of ranges.
const rangeBeforeQuery = `SELECT first, last FROM free_ranges
	WHERE subnet_seq = ? AND first <= ?
	ORDER BY first DESC
	LIMIT 1`

// errFreeAndHeld means a store whose free ranges hold an address that is
// also held: the store is damaged, and the release is refused (rolled
// back) rather than made worse.
var errFreeAndHeld = errors.New("engine: an address is both held and free in the store")

// release gives an address back to the pool, in one transaction on the
// write connection, committed before it returns. The address is looked
// up again inside the transaction: a release or an edit that came first
// is seen, so that a release racing another finds nothing
// (ip_address_not_found) and never frees one address twice.
func (st *store) release(ctx context.Context, id string) error {
	return st.w.write(ctx, func(t *writeTx) error { return t.release(id) })
}

// release releases an address inside the transaction.
func (t *writeTx) release(id string) error {
	row, err := t.heldIP(id)
	if err != nil {
		return err
	}
	if row.Allocation.allocated() && row.Allocation.Locked {
		return apiError(katapult.CodeResourceDoesNotSupportUnallocation)
	}
	if err := t.exec(t.w.deleteIP, row.ID); err != nil {
		return err
	}
	return t.free(row.SubnetSeq, row.Addr)
}

// heldIP reads an address inside the transaction; one that is gone (a
// release came first) is ip_address_not_found.
func (t *writeTx) heldIP(id string) (ipRow, error) {
	row, err := scanIP(t.tx.QueryRowContext(t.ctx, `SELECT `+ipColumns+` FROM ip_addresses WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ipRow{}, apiError(katapult.CodeIPAddressNotFound)
	}
	return row, err
}

// free puts an address back among its subnet's free ranges, keeping them
// disjoint and as few as they can be: it joins the range that ends just
// below it, the one that starts just above it, or both, and makes a range
// of its own only when neither is there. Allocation, which takes the
// lowest free address, then hands it out again in its turn. Each step is
// an index seek, so a release costs the same in a full subnet as in an
// empty one.
func (t *writeTx) free(subnetSeq int64, a netip.Addr) error {
	key := addrKey(a)
	var prevFirst, prevLast []byte
	err := t.queryRow(t.w.rangeBefore, subnetSeq, key).Scan(&prevFirst, &prevLast)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if prevLast != nil && bytes.Compare(prevLast, key) >= 0 {
		return fmt.Errorf("%w: %s", errFreeAndHeld, a)
	}
	joinsBelow := prevLast != nil && a.Prev().IsValid() && bytes.Equal(prevLast, addrKey(a.Prev()))

	var above []byte // the first address of a range that starts just above
	var aboveLast []byte
	if next := a.Next(); next.IsValid() {
		above = addrKey(next)
		err := t.queryRow(t.w.rangeAt, subnetSeq, above).Scan(&aboveLast)
		if errors.Is(err, sql.ErrNoRows) {
			above = nil
		} else if err != nil {
			return err
		}
	}

	switch {
	case joinsBelow && above != nil: // the gap between two ranges closes
		if err := t.exec(t.w.dropRange, subnetSeq, above); err != nil {
			return err
		}
		return t.exec(t.w.growRange, aboveLast, subnetSeq, prevFirst)
	case joinsBelow:
		return t.exec(t.w.growRange, key, subnetSeq, prevFirst)
	case above != nil:
		return t.exec(t.w.shrinkRange, key, subnetSeq, above)
	}
	return t.exec(t.w.insertRange, subnetSeq, key, key)
}

// unallocate detaches an address from its resource; it stays the
// organization's.
func (st *store) unallocate(ctx context.Context, id string) error {
	return st.w.write(ctx, func(t *writeTx) error {
		row, err := t.heldIP(id)
		if err != nil {
			return err
		}
		switch {
		case !row.Allocation.allocated():
			return apiError(katapult.CodeNoAllocation)
		case row.Allocation.Locked:
			return apiError(katapult.CodeResourceDoesNotSupportUnallocation)
		}
		_, err = t.tx.ExecContext(t.ctx, `UPDATE ip_addresses SET allocation_type = NULL, allocation_id = NULL,
			allocation_name = NULL, allocation_locked = 0 WHERE id = ?`, id)
		return err
	})
}

// update changes an address's VIP flag, label and reverse DNS as edit
// says, in one transaction on the write connection: the edit is checked
// against the address as it is inside the transaction (an edit that came
// first is seen), and a refused edit changes nothing. It returns the
// address as it now is.
func (st *store) update(ctx context.Context, id string, edit addressEdit) (ipRow, error) {
	var out ipRow
	err := st.w.write(ctx, func(t *writeTx) error {
		row, err := t.heldIP(id)
		if err != nil {
			return err
		}
		changed, problems := edit.apply(row)
		if len(problems) > 0 {
			return katapult.NewError(katapult.CodeValidationError, katapult.Detail{Errors: problems})
		}
		_, err = t.tx.ExecContext(t.ctx, `UPDATE ip_addresses SET vip = ?, label = ?, reverse_dns = ? WHERE id = ?`,
			changed.VIP, changed.Label, changed.ReverseDNS, id)
		out = changed
		return err
	})
	return out, err
}
