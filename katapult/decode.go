package katapult

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// decodeError is the one place where an error answer becomes an *Error: any
// non-2xx status, whatever the body. Katapult wraps its error object in an
// envelope, {"error":{"code":…,"description":…,"detail":{…}}}, which the
// OpenAPI description (and so next/core's JSON4xx fields) leave out. An answer
// without one (a proxy's HTML page, an empty 500) is unexpected_response with
// the real status. The body is never copied into the error: it is not
// Katapult's and might echo anything.
//
// A 429 is rate limiting whatever its body: a proxy or load balancer in
// front of Katapult may answer it with its own HTML page, an empty body or
// JSON of its own, and its headers still say when to try again.
func decodeError(status int, header http.Header, body []byte) *Error {
	obj, ok := errorObject(body)
	if !ok && status == http.StatusTooManyRequests {
		obj, ok = wireError{Code: string(CodeRateLimitReached)}, true
	}
	if !ok {
		return unexpectedAnswer(status, header)
	}
	code := Code(obj.Code)
	e := &Error{
		Status:      status,
		Code:        code,
		Description: obj.Description,
		Detail:      decodeDetail(obj.Detail),
		RequestID:   header.Get("X-Request-Id"),
		RetryAfter:  retryAfter(header),
	}
	if e.Description == "" {
		e.Description = Lookup(code).Description
	}
	if code == CodeRateLimitReached {
		fillRateLimit(e, header)
	}
	return e
}

// fillRateLimit completes a rate_limit_reached error from the answer's
// headers where the body left it open: the limit from
// X-RateLimit-Permitted (Katapult's name) or X-RateLimit-Limit (the common
// one), and, without a Retry-After, the wait until X-RateLimit-Reset.
func fillRateLimit(e *Error, header http.Header) {
	for _, name := range []string{"X-RateLimit-Permitted", "X-RateLimit-Limit"} {
		if n := leadingInt(header.Get(name)); e.Detail.TotalPermitted <= 0 && n > 0 {
			e.Detail.TotalPermitted = n
		}
	}
	if e.RetryAfter <= 0 {
		e.RetryAfter = rateLimitReset(header)
	}
}

// leadingInt reads the number a rate-limit header starts with: "1000", or
// "1000;w=60" in the IETF draft's form. -1 when there is none.
func leadingInt(v string) int {
	v = strings.TrimSpace(v)
	if i := strings.IndexAny(v, ",; "); i >= 0 {
		v = v[:i]
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// resetEpoch tells a reset given as Unix time (GitHub's convention) from
// one given in seconds from now (the IETF draft's): no wait is decades.
const resetEpoch = 1_000_000_000

// rateLimitReset is how long until X-RateLimit-Reset, in seconds from now
// or as Unix time (measured from the answer's Date when it has one). Zero
// when absent, unreadable or past.
func rateLimitReset(header http.Header) time.Duration {
	n := leadingInt(header.Get("X-RateLimit-Reset"))
	switch {
	case n <= 0:
		return 0
	case n < resetEpoch:
		return time.Duration(n) * time.Second
	}
	return max(time.Unix(int64(n), 0).Sub(answerTime(header)), 0)
}

// answerTime is when the answer was made: its Date, else now.
func answerTime(header http.Header) time.Time {
	if d, err := http.ParseTime(header.Get("Date")); err == nil {
		return d
	}
	return time.Now()
}

// unexpectedAnswer is the error of an answer that could not be understood.
func unexpectedAnswer(status int, header http.Header) *Error {
	e := NewError(CodeUnexpectedResponse, Detail{})
	e.Status = status
	e.RequestID = header.Get("X-Request-Id")
	e.RetryAfter = retryAfter(header)
	return e
}

// wireError is the error object as Katapult sends it.
type wireError struct {
	Code        string          `json:"code"`
	Description string          `json:"description"`
	Detail      json.RawMessage `json:"detail"`
}

// errorObject finds the error object in a body: in the envelope, or at the
// top level as the OpenAPI describes it, should Katapult ever answer so.
func errorObject(body []byte) (wireError, bool) {
	var env struct {
		Error wireError `json:"error"`
	}
	if lenientUnmarshal(body, &env) && env.Error.Code != "" {
		return env.Error, true
	}
	var top wireError
	if lenientUnmarshal(body, &top) && top.Code != "" {
		return top, true
	}
	return wireError{}, false
}

// lenientUnmarshal decodes what it can of data: a field of an unexpected
// type is skipped (json.Unmarshal fills every other field before it reports
// one) rather than losing the code, which is what matters. It is false only
// when data is not JSON at all.
func lenientUnmarshal(data []byte, v any) bool {
	err := json.Unmarshal(data, v)
	var typeErr *json.UnmarshalTypeError
	return err == nil || errors.As(err, &typeErr)
}

// wireDetail is the union of the detail fields of every code the dashboard
// meets. invalid_argument sends its argument as an object and a path.
type wireDetail struct {
	Errors         []string        `json:"errors"`
	Scopes         []string        `json:"scopes"`
	TotalPermitted int             `json:"total_permitted"`
	Details        string          `json:"details"`
	IPAddress      string          `json:"ip_address"`
	Argument       json.RawMessage `json:"argument"`
	Path           []string        `json:"path"`
	Issue          string          `json:"issue"`
}

// decodeDetail reads what it can of a detail object.
func decodeDetail(raw json.RawMessage) Detail {
	var w wireDetail
	if !lenientUnmarshal(raw, &w) {
		return Detail{}
	}
	return Detail{
		Errors:         nonEmpty(w.Errors),
		Scopes:         nonEmpty(w.Scopes),
		TotalPermitted: w.TotalPermitted,
		Details:        w.Details,
		IPAddress:      w.IPAddress,
		Argument:       argumentName(w.Argument, w.Path),
		Issue:          w.Issue,
	}
}

// nonEmpty makes an empty list nil, so that a detail without problems is the
// zero Detail whether Katapult sent [] or nothing.
func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// argumentName names invalid_argument's argument by its path if there is
// one, else by the argument's name, which comes as {"name":…} from Katapult
// and may come as a plain string from other servers.
func argumentName(raw json.RawMessage, path []string) string {
	if len(path) > 0 {
		return strings.Join(path, ".")
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		return name
	}
	var obj struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Name
	}
	return ""
}

// retryAfter reads Retry-After, in seconds or as an HTTP date (measured from
// the answer's Date when it has one). Zero when absent or unreadable.
func retryAfter(header http.Header) time.Duration {
	v := strings.TrimSpace(header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(secs)*time.Second, 0)
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	return max(at.Sub(answerTime(header)), 0)
}

// jsonKind is the kind of JSON value a member of an answer must hold.
type jsonKind byte

// The kinds an answer's members hold, by their first byte.
const (
	jsonArray  jsonKind = '['
	jsonObject jsonKind = '{'
)

// member is a top-level member of a success answer and its kind.
type member struct {
	key  string
	kind jsonKind
}

// hasMembers reports whether body is a JSON object with every one of
// members, each of its kind. An explicitly empty list ([]) is a list; null
// or an absent member is not: an answer without its list is not an empty
// answer. Where a member appears twice, the last counts, as in decoding.
//
// It reads the top level of body only, without decoding it: next/core
// decodes the answer afterwards, and its decoding, not this check, refuses
// what is not JSON at all. Decoding the whole answer here too (into a map
// of raw members, as this did before) cost as much as next/core's own
// decoding, on every answer.
func hasMembers(body []byte, members []member) bool {
	if len(members) == 0 {
		return true
	}
	var kinds [4]byte // of each member, by its position in members; 0 when absent
	if len(members) > len(kinds) {
		panic("katapult: an operation checks more members than hasMembers holds")
	}
	ok := eachMember(body, func(key []byte, first byte) {
		for i, m := range members {
			if keyIs(key, m.key) {
				kinds[i] = first
			}
		}
	})
	if !ok {
		return false
	}
	for i, m := range members {
		if kinds[i] != byte(m.kind) {
			return false
		}
	}
	return true
}

// eachMember calls fn with the key (as written, between its quotes) and
// the first byte of the value of each member of the JSON object body, in
// order. It is false when body is not an object. It checks the structure
// it walks through (quotes, colons, commas, brackets) but not every
// literal: it is meant for bodies that are decoded afterwards.
func eachMember(body []byte, fn func(key []byte, first byte)) bool {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return skipSpace(body, i+1) == len(body)
	}
	for i < len(body) {
		if body[i] != '"' {
			return false
		}
		end := skipString(body, i)
		if end < 0 {
			return false
		}
		key := body[i+1 : end-1]
		i = skipSpace(body, end)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = skipSpace(body, i+1)
		if i >= len(body) {
			return false
		}
		first := body[i]
		if i = skipValue(body, i); i < 0 {
			return false
		}
		fn(key, first)
		i = skipSpace(body, i)
		switch {
		case i < len(body) && body[i] == ',':
			i = skipSpace(body, i+1)
		case i < len(body) && body[i] == '}':
			return skipSpace(body, i+1) == len(body)
		default:
			return false
		}
	}
	return false
}

// keyIs reports whether a key as written in JSON is name. A key with an
// escape in it is decoded first.
func keyIs(raw []byte, name string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == name
	}
	var key string
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	return json.Unmarshal(quoted, &key) == nil && key == name
}

// endsLiteral reports whether c ends a literal: a delimiter or a space.
func endsLiteral(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the position just after the string starting at b[i]
// (a quote), or -1 when it does not end.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped byte (the rest of \uXXXX is plain bytes)
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the position just after the value starting at b[i],
// or -1 when it does not end. Objects and arrays are skipped whole,
// strings in them included; a literal (number, true, false, null) runs to
// the next delimiter.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	start := i
	for i < len(b) && !endsLiteral(b[i]) {
		i++
	}
	if i == start {
		return -1
	}
	return i
}
