package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"ipdesk/katapult"
)

const (
	// maxBodyBytes caps a request body: a create needs well under 1 KiB.
	maxBodyBytes = 64 << 10
	// maxBodyDepth caps the nesting of a body: a create needs 2 levels.
	maxBodyDepth = 16
)

// decodeBody reads a JSON object body into its arguments, each still raw so
// that its type is checked, and named, on its own. Keys match exactly, as
// Katapult's do ("Version" is not "version"; encoding/json would fold case
// into a struct). A body not declared application/json is not read, as
// Katapult does not read one: its arguments are then missing. An empty body
// counts as {} (every argument missing); anything that is not one JSON
// object within the caps is invalid_json_body.
func decodeBody(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, nil
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return nil, apiError(katapult.CodeInvalidJSONBody)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, nil
	}
	if data[0] != '{' || nestedDeeper(data, maxBodyDepth) {
		return nil, apiError(katapult.CodeInvalidJSONBody)
	}
	var args map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&args); err != nil {
		return nil, apiError(katapult.CodeInvalidJSONBody)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, apiError(katapult.CodeInvalidJSONBody)
	}
	return args, nil
}

// nestedDeeper reports whether the JSON text nests objects and arrays more
// than max levels deep. It stops at the first level too many, so a hostile
// body costs no more than a normal one.
func nestedDeeper(data []byte, max int) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			if depth++; depth > max {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

// optionalString decodes a string argument; absent or null is "".
func optionalString(raw json.RawMessage, arg string) (string, error) {
	var s string
	if !isNull(raw) && json.Unmarshal(raw, &s) != nil {
		return "", invalidArgument(arg, issueWrongType)
	}
	return s, nil
}

// optionalBool decodes a boolean argument; absent or null is false.
func optionalBool(raw json.RawMessage, arg string) (bool, error) {
	var b bool
	if !isNull(raw) && json.Unmarshal(raw, &b) != nil {
		return false, invalidArgument(arg, issueWrongType)
	}
	return b, nil
}

// versionArg decodes the required IPAddressVersionEnum: 4 or 6.
func versionArg(raw json.RawMessage) (int, error) {
	if isNull(raw) {
		return 0, invalidArgument("version", issueMissing)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, invalidArgument("version", issueWrongType)
	}
	switch s {
	case "ipv4":
		return 4, nil
	case "ipv6":
		return 6, nil
	}
	return 0, invalidArgument("version", issueNotInEnum)
}
