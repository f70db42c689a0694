package engine

import (
	"cmp"
	"context"
	"database/sql"
	"strings"
	"time"
)

// loadSeed writes a validated seed into the store in one transaction. It
// writes nothing and reports false when the store already holds a seed
// (another process may have seeded it since the caller looked).
func (st *store) loadSeed(ctx context.Context, s *seedFile, now time.Time) (bool, error) {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if done, err := seeded(ctx, tx); err != nil || done {
		return false, err
	}
	w := seedWriter{ctx: ctx, tx: tx, now: now.Unix()}
	w.dataCenters(s.DataCenters)
	w.networks(s.Networks)
	w.organizations(s.Organizations)
	w.heldAddresses(s.Organizations)
	w.virtualNetworks(s.VirtualNetworks)
	w.tokens(s.Tokens)
	w.exec(`INSERT INTO meta (key, value) VALUES ('seeded_at', ?)`, now.UTC().Format(time.RFC3339))
	if w.err != nil {
		return false, w.err
	}
	return true, tx.Commit()
}

// seedWriter inserts rows until the first error, which it keeps: the seed
// has been validated, so an error here means the store itself is at fault
// and the whole transaction is dropped.
type seedWriter struct {
	ctx context.Context
	tx  *sql.Tx
	now int64
	err error
}

func (w *seedWriter) exec(query string, args ...any) sql.Result {
	if w.err != nil {
		return nil
	}
	res, err := w.tx.ExecContext(w.ctx, query, args...)
	w.err = err
	return res
}

func (w *seedWriter) dataCenters(dcs []*seedDataCenter) {
	for _, dc := range dcs {
		c := dc.Country
		w.exec(`INSERT INTO countries (id, name, iso_code2, iso_code3, time_zone, eu)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.Name, c.ISOCode2, c.ISOCode3, nullString(c.TimeZone), c.EU)
		w.exec(`INSERT INTO data_centers (id, name, permalink, country_id) VALUES (?, ?, ?, ?)`,
			dc.ID, dc.Name, dc.Permalink, c.ID)
	}
}

func (w *seedWriter) networks(nets []*seedNetwork) {
	for _, n := range nets {
		w.exec(`INSERT INTO networks (id, name, permalink, data_center_id, is_default) VALUES (?, ?, ?, ?, ?)`,
			n.ID, n.Name, n.Permalink, n.dataCenterID, n.Default)
		for _, sub := range n.Subnets {
			w.subnet(n.ID, sub)
		}
	}
}

func (w *seedWriter) subnet(networkID string, sub *seedSubnet) {
	version := 6
	if sub.prefix.Addr().Is4() {
		version = 4
	}
	var gateway sql.NullString
	if sub.gateway.IsValid() {
		gateway = sql.NullString{String: sub.gateway.String(), Valid: true}
	}
	res := w.exec(`INSERT INTO subnets (network_id, version, cidr, prefix_len, reverse_dns_zone, id, gateway) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		networkID, version, sub.prefix.String(), sub.prefix.Bits(), sub.zone, sub.ID, gateway)
	if w.err != nil {
		return
	}
	seq, err := res.LastInsertId()
	if w.err = err; err != nil {
		return
	}
	sub.seq = seq
	for _, r := range sub.free {
		w.exec(`INSERT INTO free_ranges (subnet_seq, first, last) VALUES (?, ?, ?)`,
			seq, addrKey(r.first), addrKey(r.last))
	}
}

func (w *seedWriter) organizations(orgs []*seedOrganization) {
	for _, o := range orgs {
		var activatedAt *int64
		if o.Activated {
			activatedAt = &w.now
		}
		w.exec(`INSERT INTO organizations (id, name, sub_domain, created_at, activated_at, suspended, max_unallocated_ips)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			o.ID, o.Name, o.SubDomain, w.now, activatedAt, o.Suspended, o.MaxUnallocated)
		for _, netID := range o.networkIDs {
			w.exec(`INSERT INTO organization_networks (organization_id, network_id) VALUES (?, ?)`, o.ID, netID)
		}
	}
}

// heldAddresses writes the addresses the organizations already hold; their
// subnets' free ranges, written before, already leave them out.
func (w *seedWriter) heldAddresses(orgs []*seedOrganization) {
	for _, o := range orgs {
		for _, ip := range o.IPAddresses {
			var label sql.NullString
			if ip.VIP {
				label = nullString(ip.Label)
			}
			name := cmp.Or(ip.ReverseDNS, reverseDNSName(ip.addr, ip.subnet.zone))
			var al seedAllocation
			if ip.Allocation != nil {
				al = *ip.Allocation
			}
			w.exec(`INSERT INTO ip_addresses (id, organization_id, subnet_seq, address, reverse_dns, vip, label, created_at,
				allocation_type, allocation_id, allocation_name, allocation_locked)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				ip.ID, o.ID, ip.subnet.seq, addrKey(ip.addr), name, ip.VIP, label, w.now,
				nullString(al.Type), nullString(al.ID), nullString(al.Name), al.RefusesUnallocation)
		}
	}
}

func (w *seedWriter) virtualNetworks(vnets []*seedVirtualNetwork) {
	for _, v := range vnets {
		w.exec(`INSERT INTO virtual_networks (id, name, data_center_id, organization_id) VALUES (?, ?, ?, ?)`,
			v.ID, v.Name, v.dataCenterID, v.organizationID)
	}
}

func (w *seedWriter) tokens(toks []*seedToken) {
	for _, t := range toks {
		var userID sql.NullString
		if u := t.User; u != nil {
			w.exec(`INSERT INTO users (id, first_name, last_name, avatar_url) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				u.ID, u.FirstName, u.LastName, nullString(u.AvatarURL))
			userID = nullString(u.ID)
		}
		res := w.exec(`INSERT INTO tokens (token, name, scopes, api_token_id, user_id) VALUES (?, ?, ?, ?, ?)`,
			t.Token, t.Name, strings.Join(t.Scopes, " "), t.ID, userID)
		if w.err != nil {
			return
		}
		seq, err := res.LastInsertId()
		if w.err = err; err != nil {
			return
		}
		for orgID, level := range t.access {
			w.exec(`INSERT INTO token_organizations (token_seq, organization_id, access) VALUES (?, ?, ?)`,
				seq, orgID, string(level))
		}
	}
}

// nullString stores "" as NULL, for the API's nullable strings.
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}
