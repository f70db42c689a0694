package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" driver: pure Go, no cgo
)

// schemaVersion is kept in PRAGMA user_version, so that an older ipdesk
// refuses a store a newer one has changed: schema makes version 1, and
// each of upgrades takes a store one version further.
var schemaVersion = 1 + len(upgrades)

// schema is the store at version 1 (upgrades add to it). Objects keep the
// order the seed gave them in seq (allocation's "first subnet in seed
// order" and every list rely on it).
// free_ranges holds the addresses still free, as inclusive, disjoint
// ranges of 16-byte big-endian blobs: a create shrinks one, a release grows
// or joins its neighbours, or adds one of its own. ip_addresses.address is
// UNIQUE: even a wrong allocator cannot hand one address out twice. An
// address's reverse_dns is stored, not derived, because Katapult lets it be
// changed after creation.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS meta (
		key TEXT PRIMARY KEY,
		value TEXT NOT NULL) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS countries (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		iso_code2 TEXT NOT NULL UNIQUE,
		iso_code3 TEXT NOT NULL,
		time_zone TEXT,
		eu INTEGER NOT NULL) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS data_centers (
		seq INTEGER PRIMARY KEY,
		id TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		permalink TEXT NOT NULL UNIQUE,
		country_id TEXT NOT NULL REFERENCES countries(id))`,
	`CREATE TABLE IF NOT EXISTS networks (
		seq INTEGER PRIMARY KEY,
		id TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		permalink TEXT NOT NULL UNIQUE,
		data_center_id TEXT NOT NULL REFERENCES data_centers(id),
		is_default INTEGER NOT NULL)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS networks_one_default
		ON networks(data_center_id) WHERE is_default`,
	`CREATE TABLE IF NOT EXISTS subnets (
		seq INTEGER PRIMARY KEY,
		network_id TEXT NOT NULL REFERENCES networks(id),
		version INTEGER NOT NULL CHECK (version IN (4, 6)),
		cidr TEXT NOT NULL UNIQUE,
		prefix_len INTEGER NOT NULL,
		reverse_dns_zone TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS subnets_by_network ON subnets(network_id, version, seq)`,
	`CREATE TABLE IF NOT EXISTS free_ranges (
		subnet_seq INTEGER NOT NULL REFERENCES subnets(seq),
		first BLOB NOT NULL CHECK (length(first) = 16),
		last BLOB NOT NULL CHECK (length(last) = 16),
		PRIMARY KEY (subnet_seq, first),
		CHECK (first <= last)) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS organizations (
		seq INTEGER PRIMARY KEY,
		id TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		sub_domain TEXT NOT NULL UNIQUE,
		created_at INTEGER NOT NULL,
		activated_at INTEGER,
		suspended INTEGER NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS organization_networks (
		organization_id TEXT NOT NULL REFERENCES organizations(id),
		network_id TEXT NOT NULL REFERENCES networks(id),
		PRIMARY KEY (organization_id, network_id)) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS tokens (
		seq INTEGER PRIMARY KEY,
		token TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		scopes TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS token_organizations (
		token_seq INTEGER NOT NULL REFERENCES tokens(seq),
		organization_id TEXT NOT NULL REFERENCES organizations(id),
		access TEXT NOT NULL CHECK (access IN ('manage', 'view')),
		PRIMARY KEY (token_seq, organization_id)) WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS ip_addresses (
		seq INTEGER PRIMARY KEY,
		id TEXT NOT NULL UNIQUE,
		organization_id TEXT NOT NULL REFERENCES organizations(id),
		subnet_seq INTEGER NOT NULL REFERENCES subnets(seq),
		address BLOB NOT NULL UNIQUE CHECK (length(address) = 16),
		reverse_dns TEXT NOT NULL,
		vip INTEGER NOT NULL,
		label TEXT,
		created_at INTEGER NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS ip_addresses_by_organization ON ip_addresses(organization_id, seq)`,
}

// upgrades[i] takes a store from schema version i+1 to i+2, inside the
// transaction that opens it.
var upgrades = []func(context.Context, *sql.Tx) error{
	upgradeAllocationsLimitsAndUsers,
	upgradeSubnetsAndVirtualNetworks,
}

// upgradeAllocationsLimitsAndUsers (version 2) adds what an address's life
// after create needs: the resource an address is attached to
// (allocation_type set means allocated; allocation_locked, that the
// resource refuses to let it go), an organization's limit of unallocated
// addresses (NULL: unlimited), and a token's id and user. A token of a
// store seeded before gets a new id, kept from then on, and no user.
func upgradeAllocationsLimitsAndUsers(ctx context.Context, tx *sql.Tx) error {
	return upgrade(ctx, tx, []string{
		`ALTER TABLE ip_addresses ADD COLUMN allocation_type TEXT`,
		`ALTER TABLE ip_addresses ADD COLUMN allocation_id TEXT`,
		`ALTER TABLE ip_addresses ADD COLUMN allocation_name TEXT`,
		`ALTER TABLE ip_addresses ADD COLUMN allocation_locked INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE organizations ADD COLUMN max_unallocated_ips INTEGER`,
		`CREATE TABLE users (
			id TEXT PRIMARY KEY,
			first_name TEXT NOT NULL,
			last_name TEXT NOT NULL,
			avatar_url TEXT) WITHOUT ROWID`,
		`ALTER TABLE tokens ADD COLUMN api_token_id TEXT`,
		`ALTER TABLE tokens ADD COLUMN user_id TEXT REFERENCES users(id)`,
	}, "tokens", "api_token_id", prefixAPIToken)
}

// upgradeSubnetsAndVirtualNetworks (version 3) gives each subnet the id and
// gateway an address shows in its subnet object, and adds the seed's
// virtual networks. A subnet seeded before gets a new id, kept from then
// on, and no gateway (null), as the seed's gateway was not kept; a store
// seeded before has no virtual networks.
func upgradeSubnetsAndVirtualNetworks(ctx context.Context, tx *sql.Tx) error {
	return upgrade(ctx, tx, []string{
		`ALTER TABLE subnets ADD COLUMN id TEXT`,
		`ALTER TABLE subnets ADD COLUMN gateway TEXT`,
		`CREATE TABLE virtual_networks (
			seq INTEGER PRIMARY KEY,
			id TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL,
			data_center_id TEXT NOT NULL REFERENCES data_centers(id),
			organization_id TEXT NOT NULL REFERENCES organizations(id))`,
	}, "subnets", "id", prefixSubnet)
}

// upgrade runs an upgrade's statements, then gives each row of table a new
// id in its new column idColumn (with prefix), and makes the ids unique.
func upgrade(ctx context.Context, tx *sql.Tx, stmts []string, table, idColumn, prefix string) error {
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	var seqs []int64
	rows, err := tx.QueryContext(ctx, `SELECT seq FROM `+table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			rows.Close()
			return err
		}
		seqs = append(seqs, seq)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, seq := range seqs {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+idColumn+` = ? WHERE seq = ?`, newID(prefix), seq); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `CREATE UNIQUE INDEX `+table+`_by_`+idColumn+` ON `+table+`(`+idColumn+`)`)
	return err
}

// store is the engine's SQLite database: a pool of connections for reads
// and one connection for creates (writer). WAL lets the reads go on while a
// create commits.
type store struct {
	db *sql.DB // reads; also the schema and the seed, written at open
	w  *writer // every create
}

// dsnOptions: WAL lets reads go on while an address is created; the busy
// timeout makes a writer wait for another process's write lock instead of
// failing; immediate transactions take the write lock at BEGIN, so a
// transaction never fails to upgrade its lock (SQLITE_BUSY) at its first
// write.
const dsnOptions = "_busy_timeout=10000&_foreign_keys=1&_journal_mode=WAL&_txlock=immediate"

// openStore opens (creating if needed) the database file and its schema.
func openStore(ctx context.Context, path string) (*store, error) {
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("engine: data folder %q: a '?' in the path is not supported", path)
	}
	db, err := sql.Open("sqlite", path+"?"+dsnOptions)
	if err != nil {
		return nil, fmt.Errorf("engine: open store: %w", err)
	}
	// A few connections are plenty for reads: creates have their own.
	db.SetMaxOpenConns(8)
	st := &store{db: db}
	if err := st.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("engine: store %s: %w", path, err)
	}
	if st.w, err = openWriter(ctx, path+"?"+dsnOptions); err != nil {
		db.Close()
		return nil, fmt.Errorf("engine: store %s: %w", path, err)
	}
	return st, nil
}

// migrate brings the store to schemaVersion. The version is read inside
// the (immediate, so write-locked) transaction: of two processes opening
// one store at once, the second finds the first one's upgrade done.
func (st *store) migrate(ctx context.Context) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > schemaVersion {
		return fmt.Errorf("schema version %d is newer than this ipdesk's (%d)", v, schemaVersion)
	}
	for _, stmt := range schema {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	// A fresh store (version 0) has just been given version 1's schema.
	for i := max(v, 1) - 1; i < len(upgrades); i++ {
		if err := upgrades[i](ctx, tx); err != nil {
			return fmt.Errorf("upgrade to schema version %d: %w", i+2, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}

// queryer is what *sql.DB and *sql.Tx have in common for reads.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// seeded reports whether a seed has been loaded into the store.
func seeded(ctx context.Context, q queryer) (bool, error) {
	var at string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'seeded_at'`).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (st *store) close() error {
	return errors.Join(st.w.close(), st.db.Close())
}
