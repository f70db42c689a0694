package engine

import (
	"crypto/sha256"
	"database/sql"
	"net/netip"
)

// accessLevel is what a token may do with an organization it holds.
type accessLevel string

// The access levels of the seed's tokens.
const (
	accessManage accessLevel = "manage"
	accessView   accessLevel = "view"
)

// The objects nothing in the API changes once the store is seeded. The
// catalog holds them in memory, read from the store (never from the seed
// file, which a restart ignores), so lookups need no query.
type (
	country struct {
		ID, Name, ISOCode2, ISOCode3 string
		TimeZone                     sql.NullString
		EU                           bool
	}
	dataCenter struct {
		ID, Name, Permalink string
		Country             *country
		defaultNetwork      *network // nil when the data center has none
	}
	network struct {
		ID, Name, Permalink string
		Default             bool
		DataCenter          *dataCenter
	}
	subnet struct {
		network *network
		bits    int
		id      string
		prefix  netip.Prefix
		gateway sql.NullString // null for a subnet seeded without one
	}
	virtualNetwork struct {
		ID, Name       string
		DataCenter     *dataCenter
		organizationID string // the organization that has it
	}
	organization struct {
		ID, Name, SubDomain string
		CreatedAt           int64
		ActivatedAt         sql.NullInt64
		Suspended           bool
		networks            map[string]bool // ids of the networks it may use
		// maxUnallocated is its policy limit of unallocated addresses;
		// NULL is unlimited.
		maxUnallocated sql.NullInt64
	}
	token struct {
		seq         int64
		Token, Name string
		Scopes      []string
		access      map[string]accessLevel // organization id → level
		apiTokenID  string
		user        *user // nil: the token belongs to no user
	}
	user struct {
		ID, FirstName, LastName string
		AvatarURL               sql.NullString
	}
)

// index finds objects of one kind by each key a lookup may use: "id",
// "permalink", "sub_domain".
type index[T any] map[string]map[string]T

func (ix index[T]) add(key, value string, v T) {
	if ix[key] == nil {
		ix[key] = map[string]T{}
	}
	ix[key][value] = v
}

// find resolves a lookup. A lookup with no usable key finds nothing.
func (ix index[T]) find(lk lookup) (T, bool) {
	v, ok := ix[lk.key][lk.value]
	return v, ok
}

type catalog struct {
	dataCenters   []*dataCenter
	networks      []*network
	organizations []*organization
	tokens        []*token
	subnets       map[int64]subnet
	dataCenterBy  index[*dataCenter]
	networkBy     index[*network]
	orgBy         index[*organization]
	// tokenBy is keyed by the token's SHA-256, so that finding one does not
	// compare secrets byte by byte.
	tokenBy map[[32]byte]*token
	// virtualNetworks are in seed order.
	virtualNetworks []*virtualNetwork
}

func tokenHash(tok string) [32]byte {
	return sha256.Sum256([]byte(tok))
}
