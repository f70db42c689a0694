package handlers

import (
	"encoding/json"

	"ipdesk/journal"
)

// The session's JSON: {"t":token,"s":signed-in,"i":id,"w":[user id,name,
// fingerprint],"l":[…],"o":[…],"f":[…]},
// each remembered choice an array ["acme","netw_…","ipv4"] (lastUsed), each
// used form token ["token","ip_…"] or ["token","ip_…","tag"] (onceUse), and
// the flash ["released","192.0.2.5","tag"] (flash).
// The session reads and writes it in one pass through the plain arrays
// below; going through lastUsed's and onceUse's own methods, which write
// the same arrays, made encoding/json run a whole nested encode or decode
// per element, and a session with a full ring took twice as long to read
// on every request. TestSessionJSONMatchesItsParts keeps both in step.

// sessionIn is the session as it is read. A shorter array leaves the rest
// empty and a longer one is cut, as onceUse.UnmarshalJSON reads it.
type sessionIn struct {
	Token    string      `json:"t"`
	SignedIn int64       `json:"s"`
	ID       string      `json:"i"`
	Who      [3]string   `json:"w"`
	Last     [][3]string `json:"l"`
	Once     [][3]string `json:"o"`
	Flash    *flash      `json:"f"`
}

// sessionOut is the session as it is written: a use without an
// organization tag is a pair, as onceUse.MarshalJSON writes it.
type sessionOut struct {
	Token    string      `json:"t"`
	SignedIn int64       `json:"s"`
	ID       string      `json:"i,omitempty"`
	Who      *[3]string  `json:"w,omitempty"`
	Last     [][3]string `json:"l,omitempty"`
	Once     [][]string  `json:"o,omitempty"`
	Flash    *flash      `json:"f,omitempty"`
}

// encodeSession is the session's JSON.
func encodeSession(s *session) ([]byte, error) {
	out := sessionOut{Token: s.Token, SignedIn: s.SignedIn, ID: s.ID, Flash: s.Flash}
	if s.Who != (journal.Who{}) {
		out.Who = &[3]string{s.Who.UserID, s.Who.UserName, s.Who.TokenFingerprint}
	}
	if len(s.Last) > 0 {
		out.Last = make([][3]string, len(s.Last))
		for i, l := range s.Last {
			out.Last[i] = [3]string{l.Org, l.Network, l.Version}
		}
	}
	if len(s.Once) > 0 {
		out.Once = make([][]string, len(s.Once))
		for i, u := range s.Once {
			if u.Org == "" {
				out.Once[i] = []string{u.Token, u.Address}
			} else {
				out.Once[i] = []string{u.Token, u.Address, u.Org}
			}
		}
	}
	return json.Marshal(out)
}

// decodeSession reads the session's JSON.
func decodeSession(b []byte) (*session, error) {
	var in sessionIn
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	s := &session{Token: in.Token, SignedIn: in.SignedIn, ID: in.ID, Flash: in.Flash,
		Who: journal.Who{UserID: in.Who[0], UserName: in.Who[1], TokenFingerprint: in.Who[2]}}
	if len(in.Last) > 0 {
		s.Last = make([]lastUsed, len(in.Last))
		for i, a := range in.Last {
			s.Last[i] = lastUsed{Org: a[0], Network: a[1], Version: a[2]}
		}
	}
	if len(in.Once) > 0 {
		s.Once = make([]onceUse, len(in.Once))
		for i, a := range in.Once {
			s.Once[i] = onceUse{Token: a[0], Address: a[1], Org: a[2]}
		}
	}
	return s, nil
}
