package main

import (
	"database/sql"
	"net/netip"
	"testing"
)

// checkCrashStore opens the store the crash rounds left behind, read-only,
// once the last process has stopped: SQLite finds it sound, the address
// column is still UNIQUE and holds no address twice, no free range covers
// a taken address or overlaps another, and the store holds exactly what
// the API listed, every answered create with its address.
func checkCrashStore(t *testing.T, path string, led *crashLedger, listed int) {
	t.Helper()
	checkIntegrity(t, path)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	if !uniqueAddressIndex(t, db) {
		t.Error("ip_addresses.address has no UNIQUE index: nothing in the store stops a second hand-out")
	}
	for _, q := range []struct{ name, sql string }{
		{"addresses held twice",
			`SELECT count(*) FROM (SELECT address FROM ip_addresses GROUP BY address HAVING count(*) > 1)`},
		{"taken addresses inside a free range",
			`SELECT count(*) FROM ip_addresses AS a JOIN free_ranges AS f
				ON f.subnet_seq = a.subnet_seq AND a.address BETWEEN f.first AND f.last`},
		{"free ranges that overlap the one before them",
			`SELECT count(*) FROM (SELECT first, lag(last) OVER (PARTITION BY subnet_seq ORDER BY first) AS prev
				FROM free_ranges) WHERE prev >= first`},
	} {
		var n int
		if err := db.QueryRow(q.sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		if n != 0 {
			t.Errorf("the store has %d %s", n, q.name)
		}
	}

	rows, err := db.Query(`SELECT id, address FROM ip_addresses`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[string]string{}
	for rows.Next() {
		var id string
		var key []byte
		if err := rows.Scan(&id, &key); err != nil {
			t.Fatal(err)
		}
		a, ok := netip.AddrFromSlice(key)
		if !ok {
			t.Fatalf("address of %s is %d bytes, not 16", id, len(key))
		}
		stored[id] = a.Unmap().String()
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(stored) != listed {
		t.Errorf("the store file holds %d addresses, the API listed %d", len(stored), listed)
	}
	led.mu.Lock()
	defer led.mu.Unlock()
	for id, a := range led.byID {
		if got, ok := stored[id]; !ok || got != a.address {
			t.Errorf("the store file holds %s as %q, answered as %q", id, got, a.address)
		}
	}
}

// uniqueAddressIndex reports whether a UNIQUE index of ip_addresses covers
// exactly its address column.
func uniqueAddressIndex(t *testing.T, db *sql.DB) bool {
	t.Helper()
	rows, err := db.Query(`SELECT il.name FROM pragma_index_list('ip_addresses') AS il WHERE il."unique" = 1`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	rows.Close()
	for _, name := range names {
		var cols []string
		ir, err := db.Query(`SELECT name FROM pragma_index_info(?)`, name)
		if err != nil {
			t.Fatal(err)
		}
		for ir.Next() {
			var c string
			if err := ir.Scan(&c); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		ir.Close()
		if len(cols) == 1 && cols[0] == "address" {
			return true
		}
	}
	return false
}
