package journal

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Action is what a journal row records: one of the three writes the
// dashboard makes on Katapult.
type Action string

// The actions, as stored and as the activity pages' filter spells them.
const (
	ActionCreate  Action = "create"
	ActionEdit    Action = "edit"
	ActionRelease Action = "release"
)

// Valid reports whether a is one of the three actions.
func (a Action) Valid() bool {
	return a == ActionCreate || a == ActionEdit || a == ActionRelease
}

// Outcome is how a journaled call ended, as far as the dashboard knows.
type Outcome string

// The outcomes. A row is written pending before the call is sent and
// completed after it; a row still pending PendingTimeout after it was
// claimed reads as unknown (its process died or lost the answer).
const (
	// OutcomePending: the call is in flight.
	OutcomePending Outcome = "pending"
	// OutcomeSucceeded: Katapult did it (for a create: the address was
	// created; for an edit: changed; for a release: released).
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomeRefused: Katapult answered with an error; ErrorCode says which.
	OutcomeRefused Outcome = "refused"
	// OutcomeUnknown: no answer came (timeout, connection lost, process
	// killed): Katapult may or may not have done it.
	OutcomeUnknown Outcome = "unknown"
)

// Valid reports whether o is one of the four outcomes.
func (o Outcome) Valid() bool {
	return o == OutcomePending || o == OutcomeSucceeded || o == OutcomeRefused || o == OutcomeUnknown
}

// Who is the person (or token) a row is about. Exactly one of UserID and
// TokenFingerprint is set: a token that belongs to a user is journaled as
// that user; one that belongs to no user by its keyed fingerprint
// (DB.Fingerprint), never by itself.
type Who struct {
	UserID           string // Katapult's user id, from GET /users/current
	UserName         string // the user's display name at the time
	TokenFingerprint string // DB.Fingerprint of a token without a user
}

// Key is what the activity pages' person filter matches: the user id, or
// the fingerprint of a token without a user.
func (w Who) Key() string {
	if w.UserID != "" {
		return w.UserID
	}
	return w.TokenFingerprint
}

// String is the name to show: the user's name (or id, when Katapult gave
// no name), or "token " and the fingerprint.
func (w Who) String() string {
	switch {
	case w.UserName != "":
		return w.UserName
	case w.UserID != "":
		return w.UserID
	default:
		return "token " + w.TokenFingerprint
	}
}

// Org is the organization a row is about: its id is what visibility
// filters on (ids are stable), its sub_domain what pages link to.
type Org struct {
	ID        string
	SubDomain string
}

// Request is what the user asked for. A create fills the network, the
// version, VIP, label and reverse DNS as sent; an edit the values it sets;
// a release may copy the address's network and version for the record.
type Request struct {
	NetworkID   string
	NetworkName string
	Version     string // "ipv4" or "ipv6"
	VIP         bool
	Label       string
	ReverseDNS  string
}

// Address is the address a row concerns: known at claim time for an edit
// or a release, once Katapult answers for a create.
type Address struct {
	ID string // Katapult's ip_… id
	IP string // the address as text
}

// Entry is one journal row.
type Entry struct {
	ID          int64     // set by Claim; increases with every claim, never reused
	At          time.Time // when the row was claimed, UTC (set by Claim)
	CompletedAt time.Time // when the outcome was written; zero while pending
	Who         Who
	Org         Org
	Action      Action
	Request     Request
	// Reference is what the user typed as a reference (a ticket number):
	// CheckReference's rules, searchable by prefix.
	Reference string
	Outcome   Outcome // set by Claim (pending) and Complete
	Address   Address
	ErrorCode string // Katapult's error code, for a refused call
	RequestID string // the dashboard request's id, as its log line has it
	// FormToken is the rendered form's one-time token: required for a
	// create, optional for an edit or a release. One token is claimed at
	// most once, whatever the process.
	FormToken string
}

// MaxReferenceLen is the longest reference, in characters.
const MaxReferenceLen = 64

// ErrInvalid marks a row or argument the journal refuses; the error's text
// says what is wrong (for the log: the handlers check users' input first,
// with CheckReference for the reference).
var ErrInvalid = errors.New("journal: invalid")

// CheckReference returns the reference as it will be stored (spaces around
// it trimmed) or an error, wrapping ErrInvalid, with a message for staff:
// at most MaxReferenceLen characters, valid UTF-8, no control characters.
// An empty reference is allowed: it is optional.
func CheckReference(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: the reference is not valid text", ErrInvalid)
	}
	if n := utf8.RuneCountInString(s); n > MaxReferenceLen {
		return "", fmt.Errorf("%w: the reference has %d characters; at most %d are kept", ErrInvalid, n, MaxReferenceLen)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", fmt.Errorf("%w: the reference may not contain tabs, line breaks or other control characters", ErrInvalid)
	}
	return s, nil
}

// check refuses a row that Claim must not write.
func (e *Entry) check() error {
	if !e.Action.Valid() {
		return fmt.Errorf("%w: action %q", ErrInvalid, e.Action)
	}
	if e.Org.ID == "" {
		return fmt.Errorf("%w: a row needs the organization's id", ErrInvalid)
	}
	if (e.Who.UserID == "") == (e.Who.TokenFingerprint == "") {
		return fmt.Errorf("%w: a row needs a user id or a token fingerprint, not both", ErrInvalid)
	}
	if e.Action == ActionCreate && e.FormToken == "" {
		return fmt.Errorf("%w: a create needs its form's one-time token", ErrInvalid)
	}
	ref, err := CheckReference(e.Reference)
	if err != nil {
		return err
	}
	e.Reference = ref
	return nil
}
