package engine

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"strings"
)

// eachRow runs query and calls scan once a row.
func (st *store) eachRow(ctx context.Context, query string, scan func(*sql.Rows) error) error {
	rows, err := st.db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// loadCatalog reads every object the API does not change, in seed order.
func (st *store) loadCatalog(ctx context.Context) (*catalog, error) {
	c := &catalog{
		subnets:      map[int64]subnet{},
		dataCenterBy: index[*dataCenter]{},
		networkBy:    index[*network]{},
		orgBy:        index[*organization]{},
		tokenBy:      map[[32]byte]*token{},
	}
	for _, load := range []func(context.Context, *catalog) error{
		st.loadPlaces, st.loadNetworks, st.loadOrganizations, st.loadTokens, st.loadVirtualNetworks,
	} {
		if err := load(ctx, c); err != nil {
			return nil, fmt.Errorf("engine: read store: %w", err)
		}
	}
	return c, nil
}

func (st *store) loadPlaces(ctx context.Context, c *catalog) error {
	byID := map[string]*country{}
	err := st.eachRow(ctx, `SELECT id, name, iso_code2, iso_code3, time_zone, eu FROM countries`, func(r *sql.Rows) error {
		var k country
		if err := r.Scan(&k.ID, &k.Name, &k.ISOCode2, &k.ISOCode3, &k.TimeZone, &k.EU); err != nil {
			return err
		}
		byID[k.ID] = &k
		return nil
	})
	if err != nil {
		return err
	}
	return st.eachRow(ctx, `SELECT id, name, permalink, country_id FROM data_centers ORDER BY seq`, func(r *sql.Rows) error {
		var dc dataCenter
		var countryID string
		if err := r.Scan(&dc.ID, &dc.Name, &dc.Permalink, &countryID); err != nil {
			return err
		}
		dc.Country = byID[countryID]
		c.dataCenters = append(c.dataCenters, &dc)
		c.dataCenterBy.add("id", dc.ID, &dc)
		c.dataCenterBy.add("permalink", dc.Permalink, &dc)
		return nil
	})
}

func (st *store) loadNetworks(ctx context.Context, c *catalog) error {
	err := st.eachRow(ctx, `SELECT id, name, permalink, data_center_id, is_default FROM networks ORDER BY seq`, func(r *sql.Rows) error {
		var n network
		var dcID string
		if err := r.Scan(&n.ID, &n.Name, &n.Permalink, &dcID, &n.Default); err != nil {
			return err
		}
		n.DataCenter, _ = c.dataCenterBy.find(lookup{"id", dcID})
		if n.Default {
			n.DataCenter.defaultNetwork = &n
		}
		c.networks = append(c.networks, &n)
		c.networkBy.add("id", n.ID, &n)
		c.networkBy.add("permalink", n.Permalink, &n)
		return nil
	})
	if err != nil {
		return err
	}
	return st.eachRow(ctx, `SELECT seq, network_id, prefix_len, id, cidr, gateway FROM subnets`, func(r *sql.Rows) error {
		var seq int64
		var netID, cidr string
		sub := subnet{}
		if err := r.Scan(&seq, &netID, &sub.bits, &sub.id, &cidr, &sub.gateway); err != nil {
			return err
		}
		var err error
		if sub.prefix, err = netip.ParsePrefix(cidr); err != nil {
			return fmt.Errorf("subnet %s: %w", sub.id, err)
		}
		sub.network, _ = c.networkBy.find(lookup{"id", netID})
		c.subnets[seq] = sub
		return nil
	})
}

func (st *store) loadOrganizations(ctx context.Context, c *catalog) error {
	err := st.eachRow(ctx, `SELECT id, name, sub_domain, created_at, activated_at, suspended, max_unallocated_ips
		FROM organizations ORDER BY seq`, func(r *sql.Rows) error {
		o := organization{networks: map[string]bool{}}
		if err := r.Scan(&o.ID, &o.Name, &o.SubDomain, &o.CreatedAt, &o.ActivatedAt, &o.Suspended, &o.maxUnallocated); err != nil {
			return err
		}
		c.organizations = append(c.organizations, &o)
		c.orgBy.add("id", o.ID, &o)
		c.orgBy.add("sub_domain", o.SubDomain, &o)
		return nil
	})
	if err != nil {
		return err
	}
	return st.eachRow(ctx, `SELECT organization_id, network_id FROM organization_networks`, func(r *sql.Rows) error {
		var orgID, netID string
		if err := r.Scan(&orgID, &netID); err != nil {
			return err
		}
		o, _ := c.orgBy.find(lookup{"id", orgID})
		o.networks[netID] = true
		return nil
	})
}

func (st *store) loadTokens(ctx context.Context, c *catalog) error {
	users := map[string]*user{}
	err := st.eachRow(ctx, `SELECT id, first_name, last_name, avatar_url FROM users`, func(r *sql.Rows) error {
		var u user
		if err := r.Scan(&u.ID, &u.FirstName, &u.LastName, &u.AvatarURL); err != nil {
			return err
		}
		users[u.ID] = &u
		return nil
	})
	if err != nil {
		return err
	}
	bySeq := map[int64]*token{}
	err = st.eachRow(ctx, `SELECT seq, token, name, scopes, api_token_id, user_id FROM tokens ORDER BY seq`, func(r *sql.Rows) error {
		t := token{access: map[string]accessLevel{}}
		var scopes string
		var userID sql.NullString
		if err := r.Scan(&t.seq, &t.Token, &t.Name, &scopes, &t.apiTokenID, &userID); err != nil {
			return err
		}
		t.Scopes = strings.Fields(scopes)
		t.user = users[userID.String] // nil for NULL
		c.tokens = append(c.tokens, &t)
		c.tokenBy[tokenHash(t.Token)] = &t
		bySeq[t.seq] = &t
		return nil
	})
	if err != nil {
		return err
	}
	return st.eachRow(ctx, `SELECT token_seq, organization_id, access FROM token_organizations`, func(r *sql.Rows) error {
		var seq int64
		var orgID, level string
		if err := r.Scan(&seq, &orgID, &level); err != nil {
			return err
		}
		bySeq[seq].access[orgID] = accessLevel(level)
		return nil
	})
}

func (st *store) loadVirtualNetworks(ctx context.Context, c *catalog) error {
	return st.eachRow(ctx, `SELECT id, name, data_center_id, organization_id FROM virtual_networks ORDER BY seq`, func(r *sql.Rows) error {
		var v virtualNetwork
		var dcID string
		if err := r.Scan(&v.ID, &v.Name, &dcID, &v.organizationID); err != nil {
			return err
		}
		v.DataCenter, _ = c.dataCenterBy.find(lookup{"id", dcID})
		c.virtualNetworks = append(c.virtualNetworks, &v)
		return nil
	})
}
